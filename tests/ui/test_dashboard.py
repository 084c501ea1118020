"""The dashboard's today table: counts by status per doctor and the queue, refreshed when the desk changes things."""

from __future__ import annotations

from homa_desk.services import appointments, queue
from homa_desk.ui import changes
from homa_desk.ui.changes import Change
from homa_desk.ui.views.dashboard import COLUMNS, DashboardView
from tests.appointment_helpers import add_patient


def test_counts_by_status_and_queue_per_doctor(qtbot, backend, engine, uow, receptionist, doctor):
    view = DashboardView(backend, receptionist)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.table.rowCount() == 1)
    assert view.table.item(0, 0).text() == "Rahul Menon" and view.table.item(0, 2).text() == "0"
    first = queue.add_walk_in(uow, receptionist, add_patient(engine), doctor.user_id)
    queue.add_walk_in(uow, receptionist, add_patient(engine, "Rahul Kumar", "+919123456789"), doctor.user_id)
    queue.call_next(uow, receptionist, doctor.user_id)
    appointments.mark_completed(uow, receptionist, first.appointment_id)
    changes.announce(Change.QUEUE)
    cell = {name: n for n, name in enumerate(COLUMNS)}
    qtbot.waitUntil(lambda: view.table.item(0, cell["Completed"]).text() == "1")
    assert view.table.item(0, cell["Scheduled"]).text() == "1"
    assert view.table.item(0, cell["Waiting"]).text() == "1"
    assert view.table.item(0, cell["With the doctor"]).text() == "Priya Sharma"
    assert "2 appointments" in view.totals.text() and "1 completed" in view.totals.text()
    assert "Good" in view.greeting.text()
