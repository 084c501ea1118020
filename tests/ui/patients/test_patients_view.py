from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from sqlalchemy import text

from homa_desk.domain.patients import validate_patient
from homa_desk.services import patients
from homa_desk.ui.patients.patient_form import PatientFormDialog
from homa_desk.ui.patients.patient_profile import PatientProfileDialog
from homa_desk.ui.patients.patients_view import PatientsView
from tests.ui.desk_helpers import double_click

TODAY = date(2026, 11, 26)


def register(uow, actor, name, phone, **fields):
    return patients.register_patient(uow, actor, validate_patient(
        full_name=name, phone=phone, today=TODAY, **({"age_years": "40"} | fields)))


def bulk_patients(engine, count, surname="Kumar"):
    """Many patients at once, straight into the tables (as the demo generator would)."""
    with engine.begin() as conn:
        conn.execute(text("""
            WITH u AS (
                INSERT INTO users (full_name, phone, role)
                SELECT 'Ravi ' || :surname || ' ' || lpad(g::text, 5, '0'), '+91' || (9000000000 + g)::text,
                       'patient'
                FROM generate_series(1, :n) g RETURNING id)
            INSERT INTO patient_profiles (user_id) SELECT id FROM u"""), {"n": count, "surname": surname})


def open_view(qtbot, backend, actor) -> PatientsView:
    view = PatientsView(backend, actor, debounce_ms=10)
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    return view


def test_typing_shows_results(qtbot, backend, uow, receptionist):
    register(uow, receptionist, "Priya Sharma", "9876543210")
    register(uow, receptionist, "Rahul Kumar", "9123456789")
    view = open_view(qtbot, backend, receptionist)
    qtbot.keyClicks(view.search, "kuma")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.model.data(view.model.index(0, 1)) == "Rahul Kumar"
    assert view.model.data(view.model.index(0, 2)) == "+91 91234 56789"
    view.search.clear()
    qtbot.keyClicks(view.search, "543")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and view.model.rows[0].full_name == "Priya Sharma")


def test_scrolling_fetches_more_pages_but_not_everything(qtbot, backend, engine, receptionist):
    bulk_patients(engine, 400)
    view = open_view(qtbot, backend, receptionist)
    qtbot.keyClicks(view.search, "kumar")
    qtbot.waitUntil(lambda: view.model.rowCount() >= 50 and not view.model.loading)
    first = view.model.rowCount()
    assert first < 400
    view.table.scrollToBottom()
    qtbot.waitUntil(lambda: view.model.rowCount() > first and not view.model.loading)
    assert view.model.rowCount() < 400
    names = [p.full_name for p in view.model.rows]
    assert names == sorted(names) and len(set(names)) == len(names)


def test_a_newer_query_wins_over_an_older_answer(qtbot, backend, uow, receptionist):
    register(uow, receptionist, "Priya Sharma", "9876543210")
    register(uow, receptionist, "Rahul Kumar", "9123456789")
    view = open_view(qtbot, backend, receptionist)
    view.model.set_query("sharma")
    view.model.set_query("kumar")  # the answer to "sharma" arrives too, and is ignored
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and not view.model.loading)
    from homa_desk.ui.common import worker
    worker.wait_for_idle()
    assert [p.full_name for p in view.model.rows] == ["Rahul Kumar"]


def test_register_with_a_bad_phone_shows_the_message_and_saves_nothing(qtbot, backend, uow, receptionist):
    view = open_view(qtbot, backend, receptionist)
    form = view.register_new()
    qtbot.keyClicks(form.full_name, "Anita Desai")
    qtbot.keyClicks(form.phone, "12345")
    qtbot.keyClicks(form.age_years, "30")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    label = form.errors.label("phone")
    assert label.isVisible() and "10-digit Indian mobile" in label.text()
    assert patients.search_patients(uow, receptionist, "anita") == []


def test_register_then_the_profile_opens_and_lists_refresh(qtbot, backend, uow, receptionist):
    view = open_view(qtbot, backend, receptionist)
    qtbot.keyClicks(view.search, "desai")
    qtbot.waitUntil(lambda: not view.model.loading)
    form = view.register_new()
    qtbot.keyClicks(form.full_name, "Anita Desai")
    qtbot.keyClicks(form.phone, "99887 76655")
    qtbot.keyClicks(form.date_of_birth, "15-08-1985")
    assert form.age_shown.text() == "Age 41 years" or form.age_shown.text().startswith("Age ")
    form.allergies.setPlainText("Penicillin")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.profile is not None and view.profile.profile is not None, timeout=10000)
    profile = view.profile
    assert profile.heading.text() == "Anita Desai"
    assert profile.allergies.text() == "Penicillin"
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)  # the change signal refreshed the search


def test_the_receptionist_chooses_hindi_messages_and_the_profile_shows_it(qtbot, backend, uow, receptionist):
    view = open_view(qtbot, backend, receptionist)
    form = view.register_new()
    assert form.language.currentData() == "en"  # English unless chosen
    qtbot.keyClicks(form.full_name, "Sunita Yadav")
    qtbot.keyClicks(form.phone, "99887 76655")
    qtbot.keyClicks(form.age_years, "52")
    form.language.setCurrentIndex(form.language.findData("hi"))
    assert form.language.currentText() == "हिन्दी (Hindi)"
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.profile is not None and view.profile.profile is not None, timeout=10000)
    profile = view.profile
    assert profile.profile.language.value == "hi" and profile.fields["language"].text() == "हिन्दी (Hindi)"
    profile.edit()
    assert profile.form.language.currentData() == "hi"  # the edit form is prefilled
    profile.form.language.setCurrentIndex(profile.form.language.findData("en"))
    with qtbot.waitSignal(profile.loaded, timeout=10000):
        qtbot.mouseClick(profile.form.save_button, Qt.MouseButton.LeftButton)
    assert profile.fields["language"].text() == "English"
    assert patients.get_patient_profile(uow, receptionist, profile.user_id).language.value == "en"


def test_duplicates_appear_while_typing_an_existing_phone(qtbot, backend, uow, receptionist):
    existing = register(uow, receptionist, "Priya Sharma", "9876543210")
    view = open_view(qtbot, backend, receptionist)
    form = PatientFormDialog(backend, receptionist, duplicate_debounce_ms=10)
    qtbot.addWidget(form)
    form.show()
    qtbot.keyClicks(form.full_name, "P. Sharma")
    qtbot.keyClicks(form.phone, "+91 98765-43210")
    qtbot.waitUntil(lambda: form.duplicate_names() == ["Priya Sharma"])
    assert form.duplicates_panel.isVisible()
    form.existing_chosen.connect(lambda summary: view.open_profile(summary.user_id))
    with qtbot.waitSignal(form.existing_chosen) as chosen:
        qtbot.mouseClick(form.open_existing_button, Qt.MouseButton.LeftButton)
    assert chosen.args[0].user_id == existing.user_id
    qtbot.waitUntil(lambda: view.profile.profile is not None)


def test_receptionist_does_not_see_medical_history_doctor_does(qtbot, backend, uow, doctor, receptionist):
    patient = register(uow, doctor, "Priya Sharma", "9876543210", medical_history="Type 2 diabetes",
                       allergies="Sulfa drugs")
    mine = PatientProfileDialog(backend, receptionist, patient.user_id)
    qtbot.addWidget(mine)
    mine.show()
    mine.sections.setCurrentWidget(mine.bills)
    qtbot.waitUntil(lambda: mine.profile is not None and mine.bills.account is not None)
    assert not mine.history_box.isVisible() and "diabetes" not in mine.medical_history.text()
    assert mine.allergies.text() == "Sulfa drugs" and mine.bills.shown.text() == "No bills or payments yet."
    mine.edit()
    assert mine.form is not None and mine.form.medical_history is None
    mine.form.reject()
    theirs = PatientProfileDialog(backend, doctor, patient.user_id)
    qtbot.addWidget(theirs)
    theirs.show()
    qtbot.waitUntil(lambda: theirs.profile is not None)
    assert theirs.history_box.isVisible() and theirs.medical_history.text() == "Type 2 diabetes"


def test_edit_from_the_profile(qtbot, backend, uow, doctor):
    patient = register(uow, doctor, "Priya Sharma", "9876543210")
    dialog = PatientProfileDialog(backend, doctor, patient.user_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.profile is not None)
    dialog.edit()
    form = dialog.form
    assert form.full_name.text() == "Priya Sharma" and form.age_years.text() == "40"
    form.medical_history.setPlainText("Asthma")
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert dialog.medical_history.text() == "Asthma"


def test_a_double_click_opens_one_profile_and_opening_it_again_raises_that_one(qtbot, backend, uow, receptionist):
    register(uow, receptionist, "Rahul Kumar", "9123456789")
    view = open_view(qtbot, backend, receptionist)
    qtbot.keyClicks(view.search, "kumar")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and not view.model.loading)

    def profiles() -> list[PatientProfileDialog]:
        return [d for d in view.findChildren(PatientProfileDialog) if d.isVisible()]

    double_click(qtbot, view.table, view.model.index(0, 1))
    assert len(profiles()) == 1
    [profile] = profiles()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert profiles() == [profile] and view.profile is profile
    profile.close()
    qtbot.waitUntil(lambda: not profiles())
    qtbot.keyClick(view.table, Qt.Key.Key_Return)  # closed, it opens anew
    assert len(profiles()) == 1
