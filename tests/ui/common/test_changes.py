from __future__ import annotations

from datetime import UTC, datetime

from homa_desk.ui.common import changes
from homa_desk.ui.shell.dashboard import DashboardView, greeting, local_date_text


def test_views_listen_and_a_closed_view_is_forgotten(qtbot, backend, admin):
    view = DashboardView(backend, admin)
    qtbot.waitUntil(lambda: view.clinic.text() == "Sunrise Clinic")
    with qtbot.waitSignal(changes.change_hub().changed) as signal:
        changes.announce(changes.CLINIC)
    assert signal.args == ["clinic"]
    view.deleteLater()
    qtbot.wait(10)
    changes.announce(changes.CLINIC)  # must not reach the deleted view


def test_dashboard_shows_the_date_and_greeting_in_india():
    evening_utc = datetime(2026, 1, 1, 20, 0, tzinfo=UTC)  # 1:30 am on 2 January in Asia/Kolkata
    assert local_date_text(evening_utc) == "Friday, 02 January 2026"
    assert greeting(evening_utc) == "Good morning"
    assert greeting(datetime(2026, 1, 1, 9, 0, tzinfo=UTC)) == "Good afternoon"
    assert greeting(datetime(2026, 1, 1, 13, 0, tzinfo=UTC)) == "Good evening"


def test_each_role_is_told_what_it_can_do(qtbot, backend, doctor):
    view = DashboardView(backend, doctor)
    qtbot.addWidget(view)
    assert "today's patients" in view.can_do.text()
    assert "Settings" not in view.can_do.text()
