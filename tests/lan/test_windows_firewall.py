"""The Windows installer opens the host's ports to the desk's own program on private networks only, and takes the
rules away again on uninstall (installer/homa_desk.iss; the rules run on Windows, this reads them)."""

from __future__ import annotations

import re
from pathlib import Path

ISS = Path(__file__).resolve().parents[2] / "installer" / "homa_desk.iss"


def test_the_firewall_rules_are_for_private_networks_and_the_desk_only():
    text = ISS.read_text(encoding="utf-8")
    added = re.findall(r'advfirewall firewall add rule name=""([^"]+)""([^\n]*)', text)
    assert {name for name, _ in added} == {"{#AppName} clinic host", "{#AppName} clinic discovery"}
    for _name, rest in added:
        assert "profile=private" in rest and "profile=public" not in rest and "profile=any" not in rest
        assert 'program=""{app}\\{#AppExe}""' in rest and "dir=in" in rest
        assert "Check: IsAdminInstallMode" in rest  # a per-user install has no right to change the firewall
    assert "localport=54320,54321" in text
    uninstall = text.split("[UninstallRun]", 1)[1]
    for name, _ in added:
        assert f'delete rule name=""{name}""' in uninstall
