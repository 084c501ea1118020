"""Nothing typed in a consultation is thrown away without a word (issue 18, defect 2), with real widgets and the
real database: Sign out, another patient, Call next and closing the desk ask Save / Discard / Stay; the idle lock
asks nothing and keeps the doctor's draft, which comes back when the visit is opened again."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from homa_desk.domain.queue import QueueState
from homa_desk.services import consultations, queue
from homa_desk.ui.common import worker
from homa_desk.ui.consultation.consultation_widget import ConsultationWidget
from homa_desk.ui.consultation.workstation_view import WorkstationView
from homa_desk.ui.shell.app import DeskController
from tests.helpers import STRONG_PASSWORD
from tests.services.consultation_helpers import a_patient, with_profile
from tests.ui.desk_helpers import sign_in, start_signed_in, wait_for_sign_in
from tests.ui.unsaved_helpers import answer, questions, the_question


@pytest.fixture
def waiting(uow, engine, admin, receptionist, doctor):
    """Two walk-ins waiting for the doctor."""
    with_profile(uow, admin, doctor)
    priya = a_patient(engine)
    rohan = a_patient(engine, "Rohan Das", allergies=None, phone="+919812345678")
    queue.add_walk_in(uow, receptionist, priya, doctor.user_id)
    queue.add_walk_in(uow, receptionist, rohan, doctor.user_id)


def click(qtbot, button) -> None:  # type: ignore[no-untyped-def]
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def loaded(qtbot, station: WorkstationView) -> ConsultationWidget:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: station.consultation is not None and station.consultation.consultation is not None)
    assert station.consultation is not None
    return station.consultation


def called_in(qtbot, window) -> ConsultationWidget:  # type: ignore[no-untyped-def]
    """At the doctor's workstation: Call next, and the first patient's consultation is open."""
    station = window.views["workstation"]
    qtbot.waitUntil(lambda: station.table.rowCount() == 2)
    click(qtbot, station.call_button)
    return loaded(qtbot, station)


def reopened(qtbot, window) -> ConsultationWidget:  # type: ignore[no-untyped-def]
    """Signed in again: Open consultation on the patient still with the doctor."""
    station = window.views["workstation"]
    qtbot.waitUntil(lambda: station.queue is not None and station.queue.current is not None)
    click(qtbot, station.open_button)
    return loaded(qtbot, station)


def sign_in_again(qtbot, controller: DeskController):  # type: ignore[no-untyped-def]
    sign_in(qtbot, wait_for_sign_in(qtbot, controller), None, STRONG_PASSWORD)
    qtbot.waitUntil(lambda: controller.main_window is not None and controller.main_window.isVisible())
    return controller.main_window


def test_sign_out_asks_stay_keeps_the_session_and_discard_throws_the_diagnosis_away(qtbot, backend, uow, doctor,
                                                                                      waiting):
    controller = DeskController(backend)
    window = start_signed_in(qtbot, controller, doctor.email)
    consultation = called_in(qtbot, window)
    visit = consultation.appointment_id
    qtbot.keyClicks(consultation.diagnosis, "Viral fever")

    click(qtbot, window.sign_out_button)
    box = the_question(qtbot)
    assert [b.text() for b in box.buttons()] and {"Save", "Discard", "Stay"} <= {b.text() for b in box.buttons()}
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # Esc is Stay
    qtbot.waitUntil(lambda: not questions())
    assert controller.main_window is window and window.isVisible()
    assert consultation.diagnosis.toPlainText() == "Viral fever"

    click(qtbot, window.sign_out_button)
    answer(qtbot, "discard")
    qtbot.waitUntil(lambda: controller.main_window is None)
    assert worker.wait_for_idle(10)
    assert consultations.unsaved_draft(uow, doctor, visit) is None
    assert consultations.get_consultation(uow, doctor, visit).draft.diagnosis is None

    again = reopened(qtbot, sign_in_again(qtbot, controller))
    assert worker.wait_for_idle(10)
    qtbot.wait(50)
    assert again.diagnosis.toPlainText() == ""
    click(qtbot, again.window().sign_out_button)  # nothing typed: no question
    qtbot.waitUntil(lambda: controller.main_window is None)
    assert not questions()
    controller.login_dialog.reject()


def test_save_on_the_question_saves_the_visit_then_signs_out(qtbot, backend, uow, doctor, waiting):
    controller = DeskController(backend)
    window = start_signed_in(qtbot, controller, doctor.email)
    consultation = called_in(qtbot, window)
    visit = consultation.appointment_id
    qtbot.keyClicks(consultation.diagnosis, "Viral fever")
    click(qtbot, window.sign_out_button)
    answer(qtbot, "save")
    qtbot.waitUntil(lambda: controller.main_window is None)
    assert consultations.get_consultation(uow, doctor, visit).draft.diagnosis == "Viral fever"
    assert consultations.unsaved_draft(uow, doctor, visit) is None
    controller.login_dialog.reject()


def test_a_refused_save_keeps_the_doctor_at_the_visit(qtbot, backend, uow, doctor, waiting):
    controller = DeskController(backend)
    window = start_signed_in(qtbot, controller, doctor.email)
    consultation = called_in(qtbot, window)
    qtbot.keyClicks(consultation.vitals["pulse"], "7x")
    click(qtbot, window.sign_out_button)
    answer(qtbot, "save")
    qtbot.waitUntil(lambda: consultation.vital_errors.label("pulse").text() != "")
    qtbot.wait(100)
    assert controller.main_window is window and not questions()
    consultation.vitals["pulse"].clear()
    click(qtbot, window.sign_out_button)  # back as it was: nothing to ask
    qtbot.waitUntil(lambda: controller.main_window is None)
    controller.login_dialog.reject()


def test_the_idle_lock_asks_nothing_and_the_draft_comes_back_after_signing_in(qtbot, backend, uow, doctor, waiting):
    controller = DeskController(backend, idle_lock_minutes=60)
    window = start_signed_in(qtbot, controller, doctor.email)
    consultation = called_in(qtbot, window)
    visit = consultation.appointment_id
    qtbot.keyClicks(consultation.diagnosis, "Viral fever")
    qtbot.keyClicks(consultation.vitals["temperature_c"], "101")

    controller.idle_lock.lock()  # what the idle timer does
    qtbot.waitUntil(lambda: consultations.unsaved_draft(uow, doctor, visit) is not None)  # kept on locking
    click(qtbot, controller.idle_lock.dialog.sign_out_button)
    qtbot.waitUntil(lambda: controller.main_window is None)
    assert not questions()

    again = reopened(qtbot, sign_in_again(qtbot, controller))
    qtbot.waitUntil(lambda: again.diagnosis.toPlainText() == "Viral fever")
    assert again.vitals["temperature_c"].text() == "101"
    assert "unsaved changes" in again.status.text()
    assert again.unsaved.changed()

    click(qtbot, again.complete_button)  # completing the visit removes the draft
    qtbot.waitUntil(lambda: again.last_completion is not None)
    assert consultations.unsaved_draft(uow, doctor, visit) is None
    assert consultations.get_consultation(uow, doctor, visit).draft.diagnosis == "Viral fever"
    click(qtbot, again.window().sign_out_button)
    qtbot.waitUntil(lambda: controller.main_window is None)
    assert not questions()
    controller.login_dialog.reject()


def test_a_pause_in_typing_keeps_the_draft_so_a_crash_loses_nothing(qtbot, backend, uow, doctor, waiting):
    station = WorkstationView(backend, doctor)
    qtbot.addWidget(station)
    station.show()
    qtbot.waitUntil(lambda: station.table.rowCount() == 2)
    click(qtbot, station.call_button)
    first = loaded(qtbot, station)
    qtbot.keyClicks(first.advice, "Rest and fluids")
    qtbot.waitUntil(lambda: consultations.unsaved_draft(uow, doctor, first.appointment_id) is not None,
                    timeout=5000)

    after_restart = ConsultationWidget(backend, doctor, first.appointment_id)  # no question was ever asked
    qtbot.addWidget(after_restart)
    after_restart.show()
    qtbot.waitUntil(lambda: after_restart.advice.toPlainText() == "Rest and fluids")
    click(qtbot, after_restart.save_button)
    qtbot.waitUntil(lambda: after_restart.status.text() == "Saved.")
    assert consultations.unsaved_draft(uow, doctor, first.appointment_id) is None
    first.advice.setPlainText(after_restart.advice.toPlainText())
    first.unsaved.reset()


def test_another_patient_or_call_next_asks_first(qtbot, backend, uow, doctor, waiting):
    station = WorkstationView(backend, doctor)
    qtbot.addWidget(station)
    station.show()
    qtbot.waitUntil(lambda: station.table.rowCount() == 2)
    click(qtbot, station.call_button)
    priya = loaded(qtbot, station)
    qtbot.keyClicks(priya.diagnosis, "Viral fever")

    station.table.selectRow(1)
    click(qtbot, station.open_button)
    answer(qtbot, "stay")
    assert station.consultation is priya and priya.diagnosis.toPlainText() == "Viral fever"

    click(qtbot, station.call_button)
    answer(qtbot, "stay")
    qtbot.wait(100)
    assert [e.state for e in queue.queue_for(uow, doctor, doctor.user_id, station.today()).entries] == [
        QueueState.IN_CONSULTATION, QueueState.WAITING]  # Call next waited for the answer

    station.table.selectRow(1)
    click(qtbot, station.open_button)
    answer(qtbot, "discard")
    rohan = loaded(qtbot, station)
    assert rohan is not priya and "Rohan Das" in rohan.heading.text()
    assert worker.wait_for_idle(10)
    assert consultations.unsaved_draft(uow, doctor, priya.appointment_id) is None


def test_closing_the_window_asks(qtbot, backend, doctor, waiting):
    controller = DeskController(backend)
    window = start_signed_in(qtbot, controller, doctor.email)
    consultation = called_in(qtbot, window)
    qtbot.keyClicks(consultation.symptoms, " and cough")
    window.close()
    answer(qtbot, "stay")
    assert window.isVisible() and controller.main_window is window
    with qtbot.waitSignal(controller.finished):
        window.close()
        answer(qtbot, "discard")
