"""The old (paper) file number typed in the patient form: saved, shown on the profile, refused beside the field when
another patient has it, and found by the Patients search."""

from __future__ import annotations

from PySide6.QtCore import Qt

from homa_desk.services import patients
from tests.ui.patients.test_patients_view import open_view, register


def test_the_file_number_goes_round_the_form_and_profile_and_the_search_finds_it(qtbot, backend, uow, receptionist):
    view = open_view(qtbot, backend, receptionist)
    form = view.register_new()
    qtbot.keyClicks(form.full_name, "Sunita Yadav")
    qtbot.keyClicks(form.phone, "99887 76655")
    qtbot.keyClicks(form.age_years, "52")
    qtbot.keyClicks(form.old_file_number, " F-2019/88 ")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.profile is not None and view.profile.profile is not None, timeout=10000)
    profile = view.profile
    assert profile.fields["patient_number"].text().endswith(" · old file F-2019/88")
    profile.edit()
    assert profile.form.old_file_number.text() == "F-2019/88"
    profile.form.old_file_number.setText("F-2019/89")
    with qtbot.waitSignal(profile.loaded, timeout=10000):
        qtbot.mouseClick(profile.form.save_button, Qt.MouseButton.LeftButton)
    assert profile.fields["patient_number"].text().endswith(" · old file F-2019/89")
    profile.close()
    qtbot.keyClicks(view.search, "f-2019/89")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and view.model.rows[0].full_name == "Sunita Yadav")


def test_a_number_another_patient_has_is_refused_next_to_the_field(qtbot, backend, uow, receptionist):
    priya = register(uow, receptionist, "Priya Sharma", "9876543210", old_file_number="A-12")
    view = open_view(qtbot, backend, receptionist)
    form = view.register_new()
    qtbot.keyClicks(form.full_name, "Anita Desai")
    qtbot.keyClicks(form.phone, "99887 76655")
    qtbot.keyClicks(form.age_years, "30")
    qtbot.keyClicks(form.old_file_number, "a-12")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    label = form.errors.label("old_file_number")
    qtbot.waitUntil(label.isVisible, timeout=10000)
    assert label.text() == f"Patient no. {priya.patient_number} already has this old file number."
    assert form.isVisible() and form.save_button.isEnabled()
    assert patients.search_patients(uow, receptionist, "anita") == []
