"""The host's desk is closed and opened again (its database stops and starts) while a joined desk has a form open."""

from __future__ import annotations

from tests.lan.network import HostProcess
from tests.lan.outage import host_goes_away_and_comes_back


def test_the_host_restarts_while_a_joined_desk_has_a_form_open(qtbot, lan_network, tmp_path, joiner_settings):
    host = HostProcess(lan_network, tmp_path / "host").start()
    try:
        host_goes_away_and_comes_back(qtbot, host, joiner_settings, host.stop)
    finally:
        host.stop()
