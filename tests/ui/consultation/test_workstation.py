"""The doctor's workstation with real widgets: the queue and Call next (the front desk's queue follows), the
consultation (vitals errors, allergy warning, completion with the bill), past visits, templates, follow-ups."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox

from homa_desk.domain.appointments import Status, local_day
from homa_desk.domain.consultations import ConsultationDraft
from homa_desk.domain.prescriptions import DoseForm, FoodTiming, PrescriptionLine
from homa_desk.domain.queue import QueueState
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import appointments, billing, consultations, queue
from homa_desk.ui.appointments.consultation_followups import FollowUpsWidget
from homa_desk.ui.appointments.queue_view import QueueView
from homa_desk.ui.common.resources import apply_style
from homa_desk.ui.consultation.consultation_widget import ConsultationWidget
from homa_desk.ui.consultation.workstation_view import WorkstationView
from tests.appointment_helpers import at, next_weekday, with_hours
from tests.services.consultation_helpers import a_patient, a_visit, with_profile
from tests.ui.desk_helpers import cut_cells

PARACETAMOL = PrescriptionLine("Paracetamol", "500 mg", DoseForm.TABLET, "1-0-1", "5 days", FoodTiming.AFTER)


@pytest.fixture
def patients(uow, engine, admin, doctor):
    with_profile(uow, admin, doctor)
    priya = a_patient(engine)
    rohan = a_patient(engine, "Rohan Das", allergies=None, phone="+919812345678")
    return priya, rohan


def click(qtbot, button) -> None:  # type: ignore[no-untyped-def]
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def consultation_for(qtbot, backend, actor, appointment_id) -> ConsultationWidget:  # type: ignore[no-untyped-def]
    widget = ConsultationWidget(backend, actor, appointment_id)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.consultation is not None)
    return widget


def test_call_next_opens_the_patient_and_the_front_desk_sees_it(qtbot, backend, uow, receptionist, doctor,
                                                                 patients):
    priya, rohan = patients
    queue.add_walk_in(uow, receptionist, priya, doctor.user_id)
    queue.add_walk_in(uow, receptionist, rohan, doctor.user_id)
    station = WorkstationView(backend, doctor)
    desk = QueueView(backend, receptionist, refresh_ms=300)
    for widget in (station, desk):
        qtbot.addWidget(widget)
        widget.show()
    qtbot.waitUntil(lambda: station.table.rowCount() == 2)
    assert [station.table.item(r, 1).text() for r in range(2)] == ["Priya Sharma", "Rohan Das"]
    assert station.table.item(0, 4).text() == "Waiting"
    qtbot.waitUntil(lambda: desk.all_doctors() and len(desk.entries()) == 2)  # the desk sees every doctor

    click(qtbot, station.call_button)
    qtbot.waitUntil(lambda: station.consultation is not None and station.consultation.consultation is not None)
    assert "Priya Sharma" in station.consultation.heading.text()
    assert station.consultation.allergies.text() == "⚠ Allergies: Penicillin"
    qtbot.waitUntil(lambda: station.table.item(0, 4).text() == "With the doctor")
    qtbot.waitUntil(lambda: desk.entries()[0].state is QueueState.IN_CONSULTATION)
    assert "Priya Sharma" in desk.now_serving.text()

    # another desk's change (a doctor on their own machine) reaches the front desk through its timer
    queue.call_next(uow, doctor, doctor.user_id)
    qtbot.waitUntil(lambda: [e.state for e in desk.entries()] == [QueueState.DONE, QueueState.IN_CONSULTATION],
                    timeout=5000)


def test_a_consultation_from_vitals_to_the_bill(qtbot, backend, uow, receptionist, doctor, patients):
    visit = a_visit(uow, receptionist, patients[0], doctor)
    widget = consultation_for(qtbot, backend, doctor, visit)
    qtbot.keyClicks(widget.vitals["bp_systolic"], "130")
    qtbot.keyClicks(widget.vitals["bp_diastolic"], "85")
    qtbot.keyClicks(widget.vitals["pulse"], "300")
    qtbot.keyClicks(widget.vitals["temperature_c"], "38.6")
    click(qtbot, widget.save_button)
    pulse_error = widget.vital_errors.label("pulse")
    assert pulse_error.isVisible() and "between 20 and 250" in pulse_error.text()
    widget.vitals["pulse"].clear()
    qtbot.keyClicks(widget.vitals["pulse"], "88")
    qtbot.keyClicks(widget.symptoms, "Fever and sore throat")
    qtbot.keyClicks(widget.diagnosis, "Acute pharyngitis")

    editor = widget.editor
    qtbot.keyClicks(editor.medicine, "Amoxicillin")
    qtbot.keyClicks(editor.strength, "500 mg")
    click(qtbot, editor.add_button)
    box = editor.allergy_box
    assert isinstance(box, QMessageBox) and box.isVisible() and "penicillin" in box.text()
    click(qtbot, box.button(QMessageBox.StandardButton.Cancel))
    assert editor.table.rowCount() == 0 and editor.medicine.text() == "Amoxicillin"

    for name in (editor.medicine, editor.strength, editor.dose):
        name.clear()
    qtbot.keyClicks(editor.medicine, "Paracetamol")
    qtbot.keyClicks(editor.strength, "500 mg")
    qtbot.keyClicks(editor.dose, "1-0-x")
    click(qtbot, editor.add_button)
    assert editor.error.isVisible() and "1-0-1" in editor.error.text()
    editor.dose.clear()
    qtbot.keyClicks(editor.dose, "1-0-1")
    click(qtbot, editor.add_button)
    assert editor.lines() == (PARACETAMOL,)
    assert editor.table.item(0, 0).text() == "Paracetamol"

    with qtbot.waitSignal(widget.completed, timeout=10_000) as done:
        click(qtbot, widget.complete_button)
    completion = done.args[0]
    assert appointments.get_appointment(uow, receptionist, visit).status is Status.COMPLETED
    bill = billing.consultation_bill(uow, receptionist, visit)
    assert bill.id == completion.bill_id and bill.totals.total == Decimal("500.00")
    saved = consultations.get_consultation(uow, doctor, visit)
    assert saved.draft.vitals.temperature_c == Decimal("38.6") and saved.draft.lines == (PARACETAMOL,)
    assert "Bill" in widget.status.text() and not widget.complete_button.isEnabled()


def test_confirming_an_allergy_keeps_the_line_and_the_save_carries_the_override(qtbot, backend, uow, receptionist,
                                                                              doctor, patients):
    visit = a_visit(uow, receptionist, patients[0], doctor)
    widget = consultation_for(qtbot, backend, doctor, visit)
    qtbot.keyClicks(widget.editor.medicine, "Ampicillin")
    click(qtbot, widget.editor.add_button)
    click(qtbot, widget.editor.allergy_box.button(QMessageBox.StandardButton.Yes))
    assert [x.medicine for x in widget.editor.lines()] == ["Ampicillin"]
    assert widget.editor.table.item(0, 0).text() == "⚠ Ampicillin"
    with qtbot.waitSignal(widget.saved, timeout=10_000):
        click(qtbot, widget.save_button)
    assert [x.medicine for x in consultations.get_consultation(uow, doctor, visit).draft.lines] == ["Ampicillin"]


def test_copy_a_prescription_from_a_past_visit(qtbot, backend, uow, receptionist, doctor, patients):
    earlier = a_visit(uow, receptionist, patients[0], doctor)
    consultations.complete_consultation(uow, doctor, earlier, ConsultationDraft(diagnosis="Viral fever",
                                                                                lines=(PARACETAMOL,)))
    visit = a_visit(uow, receptionist, patients[0], doctor)
    widget = consultation_for(qtbot, backend, doctor, visit)
    qtbot.waitUntil(lambda: widget.past_list.count() == 1)
    assert "Viral fever" in widget.past_list.item(0).text()
    widget.past_list.setCurrentRow(0)
    assert "Paracetamol 500 mg tablet — 1-0-1" in widget.past_detail.text()
    click(qtbot, widget.copy_button)
    qtbot.waitUntil(lambda: widget.editor.lines() == (PARACETAMOL,))


def test_favourites_and_templates(qtbot, backend, uow, receptionist, doctor, patients):
    visit = a_visit(uow, receptionist, patients[1], doctor)
    widget = consultation_for(qtbot, backend, doctor, visit)
    editor = widget.editor
    qtbot.keyClicks(editor.medicine, "Paracetamol")
    qtbot.keyClicks(editor.strength, "500 mg")
    click(qtbot, editor.add_favourite_button)
    qtbot.waitUntil(lambda: editor.favourite_box.count() == 1)
    assert editor.favourite_box.itemText(0) == "Paracetamol 500 mg"
    click(qtbot, editor.add_button)
    qtbot.keyClicks(editor.template_name, "Fever")
    click(qtbot, editor.save_template_button)
    qtbot.waitUntil(lambda: editor.template_box.count() == 1)
    editor.table.selectRow(0)
    click(qtbot, editor.remove_button)
    assert editor.lines() == ()
    click(qtbot, editor.apply_template_button)
    assert editor.lines() == (PARACETAMOL,)
    click(qtbot, editor.remove_template_button)
    qtbot.waitUntil(lambda: editor.template_box.count() == 0)


def test_a_follow_up_in_a_free_slot_is_booked(qtbot, backend, uow, admin, receptionist, doctor, patients):
    with_hours(uow, admin, doctor)
    visit = a_visit(uow, receptionist, patients[1], doctor)
    widget = consultation_for(qtbot, backend, doctor, visit)
    day = next_weekday(3)
    widget.follow_up.setChecked(True)
    widget.follow_up_date.setDate(QDate(day.year, day.month, day.day))
    qtbot.waitUntil(lambda: widget.follow_up_slot.count() == 29)  # "no slot" + 28 free quarter hours
    widget.follow_up_slot.setCurrentIndex(2)
    assert widget.follow_up_slot.currentData() == at(day, 9, 15)
    with qtbot.waitSignal(widget.completed, timeout=10_000) as done:
        click(qtbot, widget.complete_button)
    booked = appointments.get_appointment(uow, receptionist, done.args[0].follow_up_appointment_id)
    assert booked.starts_at == at(day, 9, 15) and booked.patient_name == "Rohan Das"
    assert "Follow-up booked" in widget.status.text()


def test_a_follow_up_without_a_slot_reaches_the_front_desks_list(qtbot, backend, uow, receptionist, doctor,
                                                                 patients):
    visit = a_visit(uow, receptionist, patients[1], doctor)
    widget = consultation_for(qtbot, backend, doctor, visit)
    desk = FollowUpsWidget(backend, receptionist)
    qtbot.addWidget(desk)
    desk.show()
    due = local_day(utcnow()) + timedelta(days=10)
    widget.follow_up.setChecked(True)
    widget.follow_up_date.setDate(QDate(due.year, due.month, due.day))
    assert widget.follow_up_slot.currentData() is None
    with qtbot.waitSignal(widget.completed, timeout=10_000):
        click(qtbot, widget.complete_button)
    qtbot.waitUntil(lambda: desk.table.rowCount() == 1)
    assert desk.table.item(0, 1).text() == "Rohan Das" and desk.table.item(0, 4).text() == "Rahul Menon"
    qtbot.waitUntil(lambda: not cut_cells(desk.table))  # the due date and the mobile number shown whole
    desk.table.selectRow(0)
    click(qtbot, desk.done_button)
    qtbot.waitUntil(lambda: desk.table.rowCount() == 0)


def test_a_receptionist_gets_the_services_refusal(qtbot, backend, uow, receptionist, doctor, patients):
    visit = a_visit(uow, receptionist, patients[0], doctor)
    widget = ConsultationWidget(backend, receptionist, visit)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.message.isVisible())
    assert "Only doctor, admin staff" in widget.message.text() and widget.consultation is None
    assert not widget.save_button.isEnabled()


def test_the_consultation_fits_a_1366_by_768_screen_and_never_grows_the_window(qapp, qtbot, backend, uow,
                                                                             receptionist, doctor, patients):
    """Issue 18, defect 1 (the workstation part): after Call next the notes, prescription and buttons scroll inside
    the page, also with a vitals message showing; the window stays the size of a 1366×768 laptop's work area."""
    priya, _rohan = patients
    queue.add_walk_in(uow, receptionist, priya, doctor.user_id)
    previous = qapp.styleSheet()
    assert apply_style(qapp)
    try:
        station = WorkstationView(backend, doctor)
        qtbot.addWidget(station)
        station.resize(1366, 700)
        station.show()
        qtbot.waitUntil(lambda: station.table.rowCount() == 1)
        click(qtbot, station.call_button)
        qtbot.waitUntil(lambda: station.consultation is not None and station.consultation.consultation is not None)
        station.consultation.vitals["temperature_c"].setText("12")
        click(qtbot, station.consultation.save_button)
        qtbot.waitUntil(lambda: bool(station.consultation.vitals["temperature_c"].toolTip()))
        qtbot.wait(100)
        hint = station.minimumSizeHint()
        assert hint.height() <= 700 and hint.width() <= 1366, hint
        assert (station.width(), station.height()) == (1366, 700)
    finally:
        qapp.setStyleSheet(previous)
