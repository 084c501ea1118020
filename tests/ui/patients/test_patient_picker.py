from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from homa_desk.domain.patients import validate_patient
from homa_desk.services import patients
from homa_desk.ui.patients.patient_picker import PatientPickerDialog


def register(uow, actor, name, phone):
    return patients.register_patient(uow, actor, validate_patient(full_name=name, phone=phone, age_years="40",
                                                                   today=date(2026, 11, 26)))


def open_picker(qtbot, backend, actor) -> PatientPickerDialog:
    picker = PatientPickerDialog(backend, actor, debounce_ms=10)
    qtbot.addWidget(picker)
    picker.show()
    return picker


def test_typing_then_enter_chooses_the_patient(qtbot, backend, uow, receptionist):
    register(uow, receptionist, "Priya Sharma", "9876543210")
    register(uow, receptionist, "Rahul Kumar", "9123456789")
    picker = open_picker(qtbot, backend, receptionist)
    qtbot.keyClicks(picker.search, "sharma")
    qtbot.waitUntil(lambda: picker.model.rowCount() == 1)
    with qtbot.waitSignal(picker.patient_chosen) as chosen:
        qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert chosen.args[0].full_name == "Priya Sharma"
    assert picker.chosen is not None and picker.chosen.full_name == "Priya Sharma"
    assert picker.result() == PatientPickerDialog.DialogCode.Accepted


def test_double_click_chooses(qtbot, backend, uow, receptionist):
    rahul = register(uow, receptionist, "Rahul Kumar", "9123456789")
    picker = open_picker(qtbot, backend, receptionist)
    qtbot.keyClicks(picker.search, str(rahul.patient_number))
    qtbot.waitUntil(lambda: picker.model.rowCount() == 1)
    rect = picker.table.visualRect(picker.model.index(0, 1))
    qtbot.mouseClick(picker.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(picker.patient_chosen):
        qtbot.mouseDClick(picker.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert picker.chosen == rahul


def test_new_patient_is_registered_and_chosen(qtbot, backend, uow, receptionist):
    picker = open_picker(qtbot, backend, receptionist)
    qtbot.keyClicks(picker.search, "Anita Desai")
    qtbot.mouseClick(picker.new_button, Qt.MouseButton.LeftButton)
    form = picker.form
    assert form is not None and form.full_name.text() == "Anita Desai"
    qtbot.keyClicks(form.phone, "+91 99887 76655")
    qtbot.keyClicks(form.age_years, "52")
    with qtbot.waitSignal(picker.patient_chosen, timeout=10000) as chosen:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert chosen.args[0].full_name == "Anita Desai" and chosen.args[0].phone == "+919988776655"
    assert [p.full_name for p in patients.search_patients(uow, receptionist, "anita")] == ["Anita Desai"]
