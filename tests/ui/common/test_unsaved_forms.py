"""The patient form and the bill editor with typed changes ask Save / Discard / Stay when closed (Esc, Cancel, the
window's close) or when the desk signs out; unchanged, they close without a word (issue 18, defect 2)."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QPushButton

from homa_desk.domain.timeutil import utcnow
from homa_desk.services import billing, patients
from homa_desk.services.patients import search_patients
from homa_desk.ui.billing.bill_editor import BillEditorDialog
from homa_desk.ui.patients.patient_form import PatientFormDialog
from homa_desk.ui.shell.app import DeskController
from tests.services.billing_helpers import a_patient
from tests.ui.desk_helpers import start_signed_in
from tests.ui.unsaved_helpers import answer, questions, the_question


def bills(uow, actor) -> list:  # type: ignore[no-untyped-def]
    return billing.list_bills(uow, actor, since=utcnow() - timedelta(days=1))


def shown(qtbot, dialog):  # type: ignore[no-untyped-def]
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def cancel_button(dialog) -> QPushButton:  # type: ignore[no-untyped-def]
    return next(b for box in dialog.findChildren(QDialogButtonBox) for b in box.buttons()
                if box.buttonRole(b) == QDialogButtonBox.ButtonRole.RejectRole)


def test_an_unchanged_patient_form_closes_without_a_question(qtbot, backend, uow, receptionist):
    new = shown(qtbot, PatientFormDialog(backend, receptionist))
    qtbot.keyClick(new, Qt.Key.Key_Escape)
    assert not new.isVisible() and not questions()

    existing = patients.get_patient_profile(uow, receptionist, a_patient(uow, receptionist))
    edit = shown(qtbot, PatientFormDialog(backend, receptionist, existing))
    qtbot.mouseClick(cancel_button(edit), Qt.MouseButton.LeftButton)
    assert not edit.isVisible() and not questions()


def test_a_typed_patient_form_asks_stay_keeps_it_discard_closes_it(qtbot, backend, uow, receptionist):
    form = shown(qtbot, PatientFormDialog(backend, receptionist))
    qtbot.keyClicks(form.full_name, "Rohan Das")
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    box = the_question(qtbot)
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # Esc on the question is Stay
    qtbot.waitUntil(lambda: not questions())
    assert form.isVisible() and form.full_name.text() == "Rohan Das"

    form.close()  # the window's close button
    answer(qtbot, "stay")
    assert form.isVisible()

    qtbot.mouseClick(cancel_button(form), Qt.MouseButton.LeftButton)
    answer(qtbot, "discard")
    assert not form.isVisible()
    assert not search_patients(uow, receptionist, "Rohan")


def test_save_on_the_question_registers_the_patient(qtbot, backend, uow, receptionist):
    form = shown(qtbot, PatientFormDialog(backend, receptionist))
    qtbot.keyClicks(form.full_name, "Rohan Das")
    qtbot.keyClicks(form.phone, "9812345671")
    qtbot.keyClicks(form.age_years, "40")
    with qtbot.waitSignal(form.patient_saved):
        qtbot.keyClick(form, Qt.Key.Key_Escape)
        answer(qtbot, "save")
    qtbot.waitUntil(lambda: not form.isVisible())
    assert len(search_patients(uow, receptionist, "Rohan")) == 1


def test_the_bill_editor_asks_only_when_its_lines_changed(qtbot, backend, uow, receptionist):
    patient = a_patient(uow, receptionist)
    untouched = shown(qtbot, BillEditorDialog(backend, receptionist, patient, "Kavya Nair"))
    qtbot.keyClick(untouched, Qt.Key.Key_Escape)
    assert not untouched.isVisible() and not questions()

    editor = shown(qtbot, BillEditorDialog(backend, receptionist, patient, "Kavya Nair"))
    editor.set_cell(0, "unit_price", "500")
    qtbot.mouseClick(cancel_button(editor), Qt.MouseButton.LeftButton)
    answer(qtbot, "stay")
    assert editor.isVisible() and editor.total.text() == "Total ₹500.00"
    with qtbot.waitSignal(editor.bill_saved):
        editor.close()
        answer(qtbot, "save")
    assert [bill.total for bill in bills(uow, receptionist)] == [500]

    again = shown(qtbot, BillEditorDialog(backend, receptionist, patient, "Kavya Nair"))
    qtbot.mouseClick(again.add_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(again, Qt.Key.Key_Escape)
    answer(qtbot, "discard")
    assert not again.isVisible() and len(bills(uow, receptionist)) == 1


def test_signing_out_with_a_typed_patient_form_open_asks(qtbot, backend, uow, receptionist):
    controller = DeskController(backend)
    window = start_signed_in(qtbot, controller, receptionist.email)
    window.new_patient()
    form = window.views["patients"].form
    qtbot.waitUntil(form.isVisible)
    qtbot.keyClicks(form.full_name, "Rohan Das")
    qtbot.mouseClick(window.sign_out_button, Qt.MouseButton.LeftButton)
    answer(qtbot, "stay")
    assert controller.main_window is window and form.isVisible()

    qtbot.mouseClick(window.sign_out_button, Qt.MouseButton.LeftButton)
    answer(qtbot, "discard")
    qtbot.waitUntil(lambda: controller.main_window is None)
    assert not search_patients(uow, receptionist, "Rohan")
    controller.login_dialog.reject()


def test_the_idle_lock_says_before_signing_out_over_a_typed_form(qtbot, backend, uow, receptionist):
    controller = DeskController(backend, idle_lock_minutes=60)
    window = start_signed_in(qtbot, controller, receptionist.email)
    window.new_patient()
    form = window.views["patients"].form
    qtbot.waitUntil(form.isVisible)
    qtbot.keyClicks(form.full_name, "Rohan Das")
    controller.idle_lock.lock()
    lock = controller.idle_lock.dialog
    qtbot.mouseClick(lock.sign_out_button, Qt.MouseButton.LeftButton)
    assert "not saved" in lock.error.text() and controller.main_window is window and lock.isVisible()
    assert not questions()  # whoever stands at the locked desk is asked nothing about the form's content

    qtbot.mouseClick(lock.sign_out_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.main_window is None)
    controller.login_dialog.reject()
