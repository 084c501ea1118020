"""The Appointments page with real widgets: columns per doctor, booking through the dialog and the patient picker,
a slot taken by another desk meanwhile, cancelling with a reason, and the queue."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from homa_desk.domain.appointments import SLOT_TAKEN, DayView, SlotState, Status, local_day
from homa_desk.domain.roles import Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import appointments, queue, staff
from homa_desk.ui.appointments.appointment_dialogs import AppointmentDialog, BookingDialog, ReasonDialog
from homa_desk.ui.appointments.appointments_view import AppointmentsView
from tests.appointment_helpers import add_patient, at, next_weekday, with_hours
from tests.helpers import new_staff
from tests.ui.conftest import top_level

DAY = next_weekday(1)


@pytest.fixture
def two_doctors(uow, admin, doctor):
    other = staff.add_staff(uow, admin, new_staff(Role.DOCTOR, name="Kavya Rao")).as_actor()
    with_hours(uow, admin, doctor)
    with_hours(uow, admin, other, [(1, "10:00", "12:00")])
    return doctor, other


@pytest.fixture
def view(qtbot, backend, receptionist, two_doctors):
    view = AppointmentsView(backend, receptionist)
    qtbot.addWidget(view)
    view.show()
    view.go_to(DAY)
    qtbot.waitUntil(lambda: view.view is not None and view.view.day == DAY and view.grid.columnCount() == 2)
    return view


def click_cell(qtbot, view: AppointmentsView, column: int, at_time: time) -> None:
    row, col = view.grid.find_cell(column, at_time)
    view.grid.scrollTo(view.grid.model().index(row, col))
    rect = view.grid.visualRect(view.grid.model().index(row, col))
    qtbot.mouseClick(view.grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def state_at(view: AppointmentsView, column: int, at_time: time) -> SlotState:
    slot = view.grid.slot_at(*view.grid.find_cell(column, at_time))
    return slot.state if slot else None


def column_of(view, actor) -> int:  # type: ignore[no-untyped-def]
    return [c.doctor.user_id for c in view.grid.columns].index(actor.user_id)


def test_columns_per_doctor_and_booked_slots_show(qtbot, view, uow, engine, receptionist, two_doctors):
    doctor, other = two_doctors
    headers = [view.grid.horizontalHeaderItem(c).text() for c in range(2)]
    assert any("Rahul Menon" in h for h in headers) and any("Kavya Rao" in h for h in headers)
    assert view.grid.rowCount() == 28  # 09:00–12:45 and 17:00–19:45 in quarter hours
    patient = add_patient(engine)
    appointments.book_appointment(uow, receptionist, patient_id=patient, doctor_id=other.user_id,
                                  starts_at=at(DAY, 11))
    view.load()
    col = column_of(view, other)
    qtbot.waitUntil(lambda: state_at(view, col, time(11)) is SlotState.SCHEDULED)
    row, _ = view.grid.find_cell(col, time(11))
    assert "Priya Sharma" in view.grid.item(row, col).text()
    assert state_at(view, col, time(9)) is None  # Kavya works 10–12 only: off hours
    assert state_at(view, column_of(view, doctor), time(9)) is SlotState.FREE


def book_through_dialog(qtbot, view, column: int, when: time) -> BookingDialog:  # type: ignore[no-untyped-def]
    click_cell(qtbot, view, column, when)
    dialog = view.dialog
    assert isinstance(dialog, BookingDialog) and dialog.isVisible()
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    picker = dialog.picker
    qtbot.keyClicks(picker.search, "sharma")
    qtbot.waitUntil(lambda: picker.model.rowCount() == 1, timeout=5000)
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert dialog.patient is not None and dialog.patient.full_name == "Priya Sharma"
    qtbot.keyClicks(dialog.symptoms, "Fever since Monday")
    return dialog


def test_clicking_a_free_slot_and_booking_makes_it_booked(qtbot, view, engine, uow, receptionist, two_doctors):
    doctor, _ = two_doctors
    add_patient(engine)
    col = column_of(view, doctor)
    dialog = book_through_dialog(qtbot, view, col, time(9, 30))
    with qtbot.waitSignal(dialog.booked, timeout=10000):
        qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state_at(view, col, time(9, 30)) is SlotState.SCHEDULED)
    (booked,) = [s.appointment for s in view.view.doctors[col].slots if s.appointment]
    assert booked.symptoms == "Fever since Monday" and booked.patient_name == "Priya Sharma"


def test_online_without_a_link_is_refused_next_to_the_field(qtbot, view, engine, two_doctors):
    add_patient(engine)
    dialog = book_through_dialog(qtbot, view, column_of(view, two_doctors[0]), time(10))
    dialog.kind.setCurrentIndex(dialog.kind.findData("online"))
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    label = dialog.errors.label("meeting_link")
    qtbot.waitUntil(lambda: label.isVisible())
    assert "meeting link" in label.text() and dialog.isVisible()


def test_a_slot_taken_by_another_desk_meanwhile_says_so_and_refreshes(qtbot, view, engine, uow, receptionist,
                                                                      two_doctors):
    doctor, _ = two_doctors
    add_patient(engine)
    other_patient = add_patient(engine, "Rahul Kumar", "+919123456789")
    col = column_of(view, doctor)
    dialog = book_through_dialog(qtbot, view, col, time(12))
    appointments.book_appointment(uow, receptionist, patient_id=other_patient, doctor_id=doctor.user_id,
                                  starts_at=at(DAY, 12))  # another desk, while the dialog is open
    with qtbot.waitSignal(dialog.slot_taken, timeout=10000):
        qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state_at(view, col, time(12)) is SlotState.SCHEDULED)
    row, _ = view.grid.find_cell(col, time(12))
    assert "Rahul Kumar" in view.grid.item(row, col).text()
    assert view.message.text() == SLOT_TAKEN
    boxes = [w for w in top_level(QMessageBox)] + view.findChildren(QMessageBox)
    assert any(box.text() == SLOT_TAKEN for box in boxes)
    assert not dialog.isVisible()


def test_cancel_with_a_reason_from_the_slot(qtbot, view, engine, uow, receptionist, two_doctors):
    doctor, _ = two_doctors
    booked = appointments.book_appointment(uow, receptionist, patient_id=add_patient(engine),
                                           doctor_id=doctor.user_id, starts_at=at(DAY, 17))
    view.load()
    col = column_of(view, doctor)
    qtbot.waitUntil(lambda: state_at(view, col, time(17)) is SlotState.SCHEDULED)
    click_cell(qtbot, view, col, time(17))
    details = view.dialog
    assert isinstance(details, AppointmentDialog) and details.cancel_button.isEnabled()
    qtbot.mouseClick(details.cancel_button, Qt.MouseButton.LeftButton)
    reason = details.child
    assert isinstance(reason, ReasonDialog)
    qtbot.mouseClick(reason.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: reason.error.isVisible())
    assert "why" in reason.error.text()
    qtbot.keyClicks(reason.reason, "Patient is travelling")
    qtbot.mouseClick(reason.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state_at(view, col, time(17)) is SlotState.FREE)
    assert appointments.get_appointment(uow, receptionist, booked.id).status is Status.CANCELLED
    assert view.others.count() == 1 and "Patient is travelling" in view.others.item(0).text()


def test_complete_from_the_details(qtbot, view, engine, uow, receptionist, two_doctors):
    doctor, _ = two_doctors
    appointments.book_appointment(uow, receptionist, patient_id=add_patient(engine), doctor_id=doctor.user_id,
                                  starts_at=at(DAY, 18))
    view.load()
    col = column_of(view, doctor)
    qtbot.waitUntil(lambda: state_at(view, col, time(18)) is SlotState.SCHEDULED)
    click_cell(qtbot, view, col, time(18))
    qtbot.mouseClick(view.dialog.complete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state_at(view, col, time(18)) is SlotState.COMPLETED)


def test_the_details_show_the_reason_typed_at_booking_never_the_doctors_notes(qtbot, view, engine, uow,
                                                                             receptionist, two_doctors):
    from homa_desk.domain.consultations import ConsultationDraft
    from homa_desk.services import consultations

    doctor, _ = two_doctors
    booked = appointments.book_appointment(uow, receptionist, patient_id=add_patient(engine),
                                           doctor_id=doctor.user_id, starts_at=at(DAY, 18),
                                           symptoms="Wants a check-up")
    consultations.save_consultation(uow, doctor, booked.id, ConsultationDraft(
        symptoms="Chest pain radiating to the left arm", diagnosis="Suspected angina"))
    view.load()
    col = column_of(view, doctor)
    qtbot.waitUntil(lambda: state_at(view, col, time(18)) is SlotState.SCHEDULED)
    click_cell(qtbot, view, col, time(18))
    shown = " ".join(label.text() for label in view.dialog.findChildren(QLabel))
    assert "Wants a check-up" in shown
    assert "Chest pain" not in shown and "angina" not in shown


def test_week_view_and_day_navigation(qtbot, view, two_doctors):
    view.mode.setCurrentIndex(1)
    qtbot.waitUntil(lambda: view.grid.columnCount() == 7)
    assert view.grid.horizontalHeaderItem(0).text().startswith(f"{DAY:%a %d %b}")
    view.mode.setCurrentIndex(0)
    qtbot.mouseClick(view.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(view.view, DayView) and view.view.day == DAY + timedelta(days=1))
    qtbot.mouseClick(view.today_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(view.view, DayView) and view.view.day == local_day(utcnow()))


def test_queue_add_walk_in_and_call_next(qtbot, backend, engine, uow, receptionist, doctor):
    add_patient(engine)
    view = AppointmentsView(backend, receptionist)
    qtbot.addWidget(view)
    view.show()
    panel = view.queue
    qtbot.waitUntil(lambda: panel.doctor.count() == 2)  # All doctors, then the one doctor
    panel.doctor.setCurrentIndex(1)
    picker = panel.open_picker()
    qtbot.keyClicks(picker.search, "priya")
    qtbot.waitUntil(lambda: picker.model.rowCount() == 1, timeout=5000)
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(panel.entries()) == 1)
    assert panel.table.item(0, 0).text() == "1" and panel.table.item(0, 2).text() == "Walk-in"
    assert panel.table.item(0, 4).text() == "Waiting"
    qtbot.mouseClick(panel.call_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.table.item(0, 4).text() == "With the doctor")
    assert "Priya Sharma" in panel.now_serving.text()
    line = queue.queue_for(uow, receptionist, doctor.user_id, panel.today())
    assert line.current is not None and line.current.token == 1


def test_a_walk_in_cancelled_from_the_list_leaves_the_queue(qtbot, backend, engine, uow, receptionist, doctor):
    queue.add_walk_in(uow, receptionist, add_patient(engine), doctor.user_id)
    queue.add_walk_in(uow, receptionist, add_patient(engine, "Rahul Kumar", "+919123456789"), doctor.user_id)
    view = AppointmentsView(backend, receptionist)
    qtbot.addWidget(view)
    view.show()
    panel = view.queue
    qtbot.waitUntil(lambda: panel.doctor.count() == 2)
    panel.doctor.setCurrentIndex(1)
    qtbot.waitUntil(lambda: len(panel.entries()) == 2 and view.others.count() == 2)
    item = next(view.others.item(n) for n in range(2) if "Priya Sharma" in view.others.item(n).text())
    view.others.scrollToItem(item)
    where = view.others.visualItemRect(item).center()
    qtbot.mouseClick(view.others.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(view.others.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.waitUntil(lambda: isinstance(view.dialog, AppointmentDialog))
    qtbot.mouseClick(view.dialog.cancel_button, Qt.MouseButton.LeftButton)
    reason = view.dialog.child
    qtbot.keyClicks(reason.reason, "Went home")
    qtbot.mouseClick(reason.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [e.patient_name for e in panel.entries()] == ["Rahul Kumar"])
    assert panel.table.rowCount() == 1 and "Priya Sharma" not in panel.table.item(0, 1).text()
    qtbot.mouseClick(panel.call_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Rahul Kumar" in panel.now_serving.text())
