"""The first-run wizard's own LAN pages, driven with real widgets against a real host (tests/lan/network.py):
"Join a clinic on this network" (find or type the host, see its certificate, a wrong code, the right one) and
"This computer, shared with the clinic's other computers" (the host starts listening). The host announces the
clinic's name, which the joiner's list shows."""

from __future__ import annotations

import json
import socket

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from sqlalchemy import text

from homa_desk.config import Settings
from homa_desk.db.lan import discovery
from homa_desk.db.lan.certificate import short_fingerprint
from homa_desk.services import clinic_network
from homa_desk.ui.common import worker
from homa_desk.ui.shell.first_run_wizard import FirstRunWizard
from tests.ui.shell.wizard_helpers import click, fill_clinic, message

FINISH = QWizard.WizardButton.FinishButton
NEXT = QWizard.WizardButton.NextButton
HINDI_CLINIC = "श्री गणेश बाल एवं महिला क्लिनिक. डॉ. अनीता शर्मा"  # 46 characters, 124 bytes of UTF-8, two dots


def open_wizard(qtbot, tmp_path, settings_path) -> FirstRunWizard:  # type: ignore[no-untyped-def]
    wizard = FirstRunWizard(None, data_dir=tmp_path / "pgdata", settings_path=settings_path)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def to_join_page(qtbot, wizard: FirstRunWizard):  # type: ignore[no-untyped-def]
    wizard.database_page.join_lan.setChecked(True)
    click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is wizard.lan_join_page
    return wizard.lan_join_page


def found_texts(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [page.found.item(row).text() for row in range(page.found.count())]


def test_a_desk_joins_through_the_wizard_page_wrong_code_first(qtbot, clinic_host, lan_network, joiner_settings,
                                                              memory_keyring, tmp_path):
    wizard = open_wizard(qtbot, tmp_path, joiner_settings)
    page = to_join_page(qtbot, wizard)
    address = lan_network.host_address
    if lan_network.isolated:  # found on the network, then picked from the list
        qtbot.mouseClick(page.look_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: any(address in line for line in found_texts(page)), timeout=15000)
        page.found.setCurrentRow(next(i for i, line in enumerate(found_texts(page)) if address in line))
        assert page.host_address.text() == address
    else:  # no multicast on the loopback fallback: the address typed, as the README's fallback says
        qtbot.keyClicks(page.host_address, address)
        qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    short = short_fingerprint(clinic_host.fingerprint)
    qtbot.waitUntil(lambda: short in page.certificate.text(), timeout=15000)
    assert page.expected_fingerprint == short

    qtbot.keyClicks(page.join_code, "ZZZZ-ZZZZ")
    click(qtbot, wizard, FINISH)
    qtbot.waitUntil(lambda: not wizard.busy, timeout=20000)
    assert wizard.isVisible() and wizard.currentPage() is page
    assert "wrong, expired or already used" in message(page, "join_code")
    assert not page.general_error.isVisible()
    assert not joiner_settings.exists() and not (joiner_settings.parent / "clinic-host.pem").exists()
    assert not [name for (_service, name) in memory_keyring.secrets if name.startswith("database:homa_desk_")]

    page.join_code.clear()
    qtbot.keyClicks(page.join_code, clinic_host.code())
    page.desk_name.clear()
    qtbot.keyClicks(page.desk_name, "Doctor's room")
    with qtbot.waitSignal(wizard.completed, timeout=60000) as signal:
        click(qtbot, wizard, FINISH)
    outcome = signal.args[0]
    try:
        assert outcome.admin is None and not wizard.isVisible()
        assert outcome.backend.target.kind == "lan"
        with outcome.backend.engine.connect() as conn:
            role, superuser = conn.execute(text(
                "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")).one()
        assert role.startswith("homa_desk_") and superuser is False
        stored = Settings.load(joiner_settings)
        assert stored.lan_fingerprint == clinic_host.fingerprint and role in (stored.database_url or "")
        assert "password" not in json.loads(joiner_settings.read_text()).get("database_url", "")
        with clinic_host.superuser() as conn:
            names = [row[0] for row in conn.execute("SELECT desk_name FROM lan_desks WHERE role_name = %s",
                                                     (role,))]
        assert names == ["Doctor's room"]
    finally:
        assert worker.wait_for_idle(15)
        outcome.backend.close()


def test_the_host_announces_the_clinics_name_and_the_join_page_lists_it(qtbot, clinic_host, lan_network,
                                                                       joiner_settings, tmp_path):
    if not lan_network.isolated:
        pytest.skip(f"no multicast on the loopback fallback ({lan_network.why_not})")
    with clinic_host.superuser() as conn:
        conn.execute("INSERT INTO clinic_settings (key, value) VALUES ('clinic_name', to_jsonb(%s::text)) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (HINDI_CLINIC,))
    clinic_host.stop()
    clinic_host.start()  # the name is read as the host starts
    found = clinic_network.find_hosts(seconds=3)
    assert [(f.name, f.address) for f in found] == [(HINDI_CLINIC, lan_network.host_address)]

    from zeroconf import IPVersion, Zeroconf

    zeroconf = Zeroconf(ip_version=IPVersion.V4Only)  # the announced instance name itself, as any browser sees it
    try:
        names = []

        class _Listener:
            def add_service(self, _zc, _type, name):  # type: ignore[no-untyped-def]
                names.append(name)

            update_service = remove_service = add_service

        from zeroconf import ServiceBrowser

        browser = ServiceBrowser(zeroconf, discovery.SERVICE_TYPE, _Listener())
        qtbot.waitUntil(lambda: bool(names), timeout=10000)
        browser.cancel()
    finally:
        zeroconf.close()
    instance = names[0].removesuffix("." + discovery.SERVICE_TYPE)
    assert instance == discovery.instance_name(HINDI_CLINIC) and len(instance.encode()) <= 63
    assert instance == "श्री गणेश बाल एवं"  # 59 bytes end inside "महिला" (61): cut at the word before, not "महिल"

    wizard = open_wizard(qtbot, tmp_path, joiner_settings)
    page = to_join_page(qtbot, wizard)
    qtbot.mouseClick(page.look_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.look_button.isEnabled() and bool(page.hosts), timeout=15000)
    assert found_texts(page) == [f"{HINDI_CLINIC} — {lan_network.host_address}"]


@pytest.mark.parametrize(("clinic", "expected"), [
    ("Lotus Family Clinic", "Lotus Family Clinic"),
    ("Dr. Rao's Clinic\n(Pune)", "Dr Rao's Clinic (Pune)"),
    ("", "Homa Desk"),
    ("  \t ", "Homa Desk"),
    ("A" * 80, "A" * 59),
    ("क" * 30, "क" * 19),  # 3 bytes each: 19 whole characters, never half of one
    ("Sunrise Multispeciality Hospital and Diagnostic Centre, Bandra West",
     "Sunrise Multispeciality Hospital and Diagnostic Centre,"),
])
def test_the_instance_name_is_the_clinics_name_within_dns_sds_limit(clinic, expected):
    assert discovery.instance_name(clinic) == expected
    assert len(discovery.instance_name(clinic).encode()) <= 63 - 4  # room for zeroconf's "-2" on a clash


def free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


def test_shared_with_the_clinics_other_computers_starts_the_host_at_finish(qtbot, tmp_path, joiner_settings,
                                                                          monkeypatch):
    address = "127.0.0.3"  # where this test's host listens (the module's host process has 54320 elsewhere)
    ports = {"database_port": free_port(address), "join_port": free_port(address)}
    real_host = clinic_network.LanHost

    def host_on_test_ports(server, **kwargs):  # type: ignore[no-untyped-def]
        return real_host(server, **{**kwargs, "addresses": [address], "announce": False, **ports})

    monkeypatch.setattr(clinic_network, "LanHost", host_on_test_ports)
    wizard = open_wizard(qtbot, tmp_path, joiner_settings)
    wizard.database_page.shared.setChecked(True)
    click(qtbot, wizard, NEXT)
    fill_clinic(qtbot, wizard)
    with pytest.raises(OSError):
        socket.create_connection((address, ports["database_port"]), timeout=1).close()
    with qtbot.waitSignal(wizard.completed, timeout=180000) as signal:
        click(qtbot, wizard, FINISH)
    outcome = signal.args[0]
    try:
        host = outcome.backend.lan_host
        assert host is not None and host.addresses == [address]
        assert Settings.load(joiner_settings).lan_host is True
        assert host.clinic == "Lotus Family Clinic"  # the name the wizard just saved is what it announces
        seen = clinic_network.host_fingerprint(address, ports["database_port"])
        assert seen == short_fingerprint(host.fingerprint)
        socket.create_connection((address, ports["join_port"]), timeout=5).close()
    finally:
        assert worker.wait_for_idle(15)
        outcome.backend.close()  # the host's ports close with it
