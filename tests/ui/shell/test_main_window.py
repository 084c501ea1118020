from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget

from homa_desk.backend import Backend, DatabaseTarget
from homa_desk.domain.errors import DatabaseUnavailable
from homa_desk.ui.common import worker
from homa_desk.ui.patients.patients_view import PatientsView
from homa_desk.ui.settings.settings_view import SettingsView
from homa_desk.ui.shell.dashboard import DashboardView
from homa_desk.ui.shell.database_status import CONNECTED, UNREACHABLE
from homa_desk.ui.shell.main_window import MainWindow
from tests.helpers import engine_for

ALL = ["Dashboard", "Patients", "Appointments", "Workstation", "Billing", "Payments", "Reports", "Settings"]


def open_window(qtbot, backend, actor, **kwargs) -> MainWindow:
    window = MainWindow(backend, actor, **kwargs)
    qtbot.addWidget(window)
    window.show()
    return window


def click_entry(qtbot, sidebar: QListWidget, title: str) -> None:
    item = sidebar.findItems(title, Qt.MatchFlag.MatchExactly)[0]
    qtbot.mouseClick(sidebar.viewport(), Qt.MouseButton.LeftButton, pos=sidebar.visualItemRect(item).center())


def sidebar_titles(window: MainWindow) -> list[str]:
    return [window.sidebar.item(row).text() for row in range(window.sidebar.count())]


@pytest.mark.parametrize(("who", "expected"), [
    ("admin", ALL),
    ("receptionist", ["Dashboard", "Patients", "Appointments", "Billing", "Payments"]),
    ("doctor", ["Workstation", "Dashboard", "Patients", "Appointments"]),
])
def test_sidebar_shows_the_pages_of_the_role(qtbot, backend, request, who, expected):
    window = open_window(qtbot, backend, request.getfixturevalue(who))
    assert sidebar_titles(window) == expected
    assert window.stack.count() == len(expected)


def test_clicking_entries_switches_the_page(qtbot, backend, admin):
    window = open_window(qtbot, backend, admin)
    assert isinstance(window.stack.currentWidget(), DashboardView)
    click_entry(qtbot, window.sidebar, "Patients")
    page = window.stack.currentWidget()
    assert isinstance(page, PatientsView)
    click_entry(qtbot, window.sidebar, "Settings")
    assert isinstance(window.stack.currentWidget(), SettingsView)
    assert window.current_page() == "settings"


def test_ctrl_number_switches_the_page(qtbot, backend, receptionist):
    window = open_window(qtbot, backend, receptionist)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() == "billing"
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() == "dashboard"


def test_header_shows_clinic_user_and_a_connected_database(qtbot, backend, admin):
    window = open_window(qtbot, backend, admin)
    qtbot.waitUntil(lambda: window.clinic_label.text() == "Sunrise Clinic")
    assert window.user_label.text() == "Meera Iyer · Admin"
    qtbot.waitUntil(lambda: window.database_status.text.text() == f"Embedded database: {CONNECTED}")
    dashboard = window.views["dashboard"]
    qtbot.waitUntil(lambda: dashboard.clinic.text() == "Sunrise Clinic")
    assert "Meera Iyer" in dashboard.greeting.text()


def test_database_that_goes_away_shows_unreachable_without_freezing(qtbot, backend, admin, engine, db_url,
                                                                     cluster):
    window = open_window(qtbot, backend, admin, ping_interval_ms=100)
    status = window.database_status
    qtbot.waitUntil(lambda: status.reachable is True)
    engine.dispose()
    cluster.drop(db_url)
    with qtbot.waitSignal(status.reachability_changed, timeout=10_000) as signal:
        pass
    assert signal.args == [False]
    assert status.text.text() == f"Embedded database: {UNREACHABLE}"


def test_backend_on_a_missing_database_shows_unreachable(qtbot, admin, db_url):
    engine = engine_for(db_url.set(database="no_such_database"))
    missing = Backend(engine=engine, target=DatabaseTarget("remote", db_url.set(database="no_such_database")))
    try:
        window = open_window(qtbot, missing, admin)
        qtbot.waitUntil(lambda: window.database_status.reachable is False, timeout=10_000)
        assert window.database_status.text.text() == f"Remote database ({db_url.host}): {UNREACHABLE}"
        # the header's ping and the clinic-name load fail independently; either may answer first
        qtbot.waitUntil(lambda: window.statusBar().currentMessage() == DatabaseUnavailable().message, timeout=10_000)
    finally:
        worker.wait_for_idle(10)
        engine.dispose()


def test_sign_out_closes_the_window_and_says_so(qtbot, backend, doctor):
    window = open_window(qtbot, backend, doctor)
    with qtbot.waitSignal(window.signed_out):
        qtbot.mouseClick(window.sign_out_button, Qt.MouseButton.LeftButton)
    assert not window.isVisible()


def test_renaming_the_clinic_in_settings_refreshes_header_and_dashboard(qtbot, backend, admin):
    window = open_window(qtbot, backend, admin)
    qtbot.waitUntil(lambda: window.clinic_label.text() == "Sunrise Clinic")
    click_entry(qtbot, window.sidebar, "Settings")
    settings = window.views["settings"]
    settings.tabs.setCurrentWidget(settings.clinic)
    tab = settings.clinic
    qtbot.waitUntil(lambda: tab.clinic_name.text() == "Sunrise Clinic")
    tab.clinic_name.clear()
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    label = tab.errors.label("clinic_name")
    qtbot.waitUntil(label.isVisible)
    assert label.text() == "Enter the clinic's name."
    qtbot.keyClicks(tab.clinic_name, "Sunrise  Health   Centre")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.clinic_label.text() == "Sunrise Health Centre")
    qtbot.waitUntil(lambda: window.views["dashboard"].clinic.text() == "Sunrise Health Centre")


@pytest.mark.parametrize(("who", "start"), [("admin", "dashboard"), ("doctor", "workstation")])
def test_only_the_start_page_is_built_at_sign_in(qtbot, backend, request, who, start):
    window = open_window(qtbot, backend, request.getfixturevalue(who))
    assert list(window.views.built) == [start]
    assert window.current_page() == start and window.stack.currentWidget() is window.views[start]
    assert "patients" in window.views and ("billing" in window.views) == (who == "admin")
    assert list(window.views) == [page.key for page in window.pages]
    assert list(window.views.built) == [start]  # asking what exists builds nothing


def test_a_page_is_built_on_its_first_visit_and_kept(qtbot, backend, admin):
    window = open_window(qtbot, backend, admin)
    click_entry(qtbot, window.sidebar, "Patients")
    patients = window.stack.currentWidget()
    assert isinstance(patients, PatientsView) and set(window.views.built) == {"dashboard", "patients"}
    click_entry(qtbot, window.sidebar, "Dashboard")
    click_entry(qtbot, window.sidebar, "Patients")
    assert window.stack.currentWidget() is patients


def test_pages_built_out_of_order_keep_the_sidebar_order(qtbot, backend, admin):
    """A shortcut may build a later page first (F9 builds Billing); each page stays at its sidebar row."""
    window = open_window(qtbot, backend, admin)
    settings = window.views["settings"]  # built while Dashboard stays in front
    assert window.current_page() == "dashboard"
    assert isinstance(window.stack.currentWidget(), DashboardView)
    click_entry(qtbot, window.sidebar, "Billing")
    assert window.current_page() == "billing" and window.stack.currentWidget() is window.views["billing"]
    click_entry(qtbot, window.sidebar, "Settings")
    assert window.stack.currentWidget() is settings
    assert window.stack.count() == len(ALL)
    for row, page in enumerate(window.pages):
        if page.key in window.views.built:
            assert window.stack.widget(row) is window.views[page.key]
