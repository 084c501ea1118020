from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime

import pytest

from homa_desk.ui import changes, worker
from homa_desk.ui.changes import EVERYTHING, Change
from homa_desk.ui.views.dashboard import DashboardView, greeting, local_date_text
from homa_desk.ui.views.doctors_tab import DoctorsTab
from homa_desk.ui.views.held_money_view import HeldMoneyPanel
from homa_desk.ui.views.queue_view import QueueView
from homa_desk.ui.views.staff_view import StaffView


def test_views_listen_and_a_closed_view_is_forgotten(qtbot, backend, admin):
    view = DashboardView(backend, admin)
    qtbot.waitUntil(lambda: view.clinic.text() == "Sunrise Clinic")
    with qtbot.waitSignal(changes.change_hub().changed) as signal:
        changes.announce(Change.CLINIC)
    assert signal.args == ["clinic"]
    view.deleteLater()
    qtbot.wait(10)
    changes.announce(Change.CLINIC)  # must not reach the deleted view


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


@pytest.mark.parametrize("view_class", [DashboardView, DoctorsTab, StaffView, QueueView, HeldMoneyPanel],
                         ids=lambda cls: cls.__name__)
def test_a_closed_view_is_garbage_collected_and_never_called_again(qtbot, backend, admin, view_class):
    """Views listen with bound methods: a lambda on the app-wide hub would keep a closed tab alive and call it."""
    view = view_class(backend, admin)
    assert worker.wait_for_idle(10)
    closed = weakref.ref(view)
    view.close()
    view.deleteLater()
    del view
    qtbot.wait(10)
    gc.collect()
    assert closed() is None
    changes.announce(EVERYTHING)  # reaches no deleted view (pytest-qt fails the test on an error in a slot)
    assert worker.wait_for_idle(10)
