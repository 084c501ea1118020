from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, text

from homa_desk.domain.errors import FormErrors, NotFound, PermissionDenied
from homa_desk.domain.notifications import Language, render
from homa_desk.domain.patients import page_key, validate_patient
from homa_desk.services import patients
from tests.services.notification_helpers import a_booking, outbox_rows

TODAY = date(2026, 11, 26)
COUNTS = "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM patient_profiles)"


def details(name="Priya Sharma", phone="98765 43210", **fields):
    return validate_patient(full_name=name, phone=phone, today=TODAY, **({"age_years": "34"} | fields))


def register(uow, actor, name="Priya Sharma", phone="98765 43210", **fields):
    return patients.register_patient(uow, actor, details(name, phone, **fields))


def test_register_and_find_by_name_phone_and_number(uow, receptionist):
    priya = register(uow, receptionist)
    register(uow, receptionist, "Rahul Kumar", "+91 91234 56789")
    assert priya.patient_number >= 1001 and priya.phone == "+919876543210" and priya.dob_is_estimate
    assert [p.full_name for p in patients.search_patients(uow, receptionist, "sharm")] == ["Priya Sharma"]
    assert [p.full_name for p in patients.search_patients(uow, receptionist, "PRI")] == ["Priya Sharma"]
    assert [p.full_name for p in patients.search_patients(uow, receptionist, "4321")] == ["Priya Sharma"]
    assert [p.full_name for p in patients.search_patients(uow, receptionist, str(priya.patient_number))] == [
        "Priya Sharma"]
    assert [p.full_name for p in patients.search_patients(uow, receptionist, "ra")] == ["Rahul Kumar"]
    assert patients.search_patients(uow, receptionist, "zz") == []
    assert patients.search_patients(uow, receptionist, "   ") == []


def test_receptionist_registers_but_never_sees_or_sets_medical_history(uow, receptionist, doctor, admin):
    with pytest.raises(PermissionDenied):
        register(uow, receptionist, medical_history="Asthma")
    assert patients.search_patients(uow, receptionist, "priya") == []  # nothing half-saved
    priya = register(uow, doctor, medical_history="Asthma", allergies="Penicillin")
    mine = patients.get_patient_profile(uow, receptionist, priya.user_id)
    assert mine.medical_history is None and not mine.medical_history_visible and mine.allergies == "Penicillin"
    assert patients.get_patient_profile(uow, doctor, priya.user_id).medical_history == "Asthma"
    assert patients.get_patient_profile(uow, admin, priya.user_id).medical_history == "Asthma"
    with pytest.raises(PermissionDenied):
        patients.update_patient(uow, receptionist, priya.user_id, details(medical_history=""))
    # a receptionist's edit (medical_history=None) leaves the history as it is
    patients.update_patient(uow, receptionist, priya.user_id, details(address="12 MG Road"))
    profile = patients.get_patient_profile(uow, doctor, priya.user_id)
    assert profile.medical_history == "Asthma" and profile.address == "12 MG Road"


def test_a_patient_registered_in_hindi_gets_hindi_messages(uow, engine, admin, receptionist, doctor):
    priya = register(uow, receptionist, language="hi")
    ravi = register(uow, receptionist, "Ravi Kumar", "9123456789")  # no language given: English
    assert patients.get_patient_profile(uow, receptionist, priya.user_id).language is Language.HINDI
    assert patients.get_patient_profile(uow, receptionist, ravi.user_id).language is Language.ENGLISH
    with engine.connect() as conn:
        assert conn.execute(text("SELECT preferred_language FROM patient_profiles WHERE user_id = :p"),
                            {"p": priya.user_id}).scalar_one() == "hi"
    a_booking(uow, admin, receptionist, doctor, priya.user_id)
    rows = outbox_rows(engine)
    assert [(r["channel"], r["template"], r["language"]) for r in rows] == [("sms", "appointment_booked", "hi")]
    sms = render(rows[0]["template"], rows[0]["language"], rows[0]["payload"]).body
    assert sms.startswith("प्रिय Priya Sharma,") and "बुक हो गया है" in sms


def test_an_edit_without_a_language_keeps_it_and_a_change_is_audited(uow, receptionist):
    priya = register(uow, receptionist, language="hi")
    patients.update_patient(uow, receptionist, priya.user_id, details(address="12 MG Road"))  # language=None
    assert patients.get_patient_profile(uow, receptionist, priya.user_id).language is Language.HINDI
    patients.update_patient(uow, receptionist, priya.user_id, details(address="12 MG Road", language="en"))
    assert patients.get_patient_profile(uow, receptionist, priya.user_id).language is Language.ENGLISH
    with uow:
        entries = uow.audit.for_entity("patient", priya.user_id)
    assert entries[0].after["language"] == "hi"
    assert [e.after["fields"] for e in entries if e.action == "patient_updated"] == [["address"], ["language"]]


def test_clinical_changes_are_audited(uow, doctor):
    priya = register(uow, doctor, allergies="Penicillin")
    patients.update_patient(uow, doctor, priya.user_id, details(allergies="Penicillin, Sulfa", medical_history="PCOS"))
    patients.update_patient(uow, doctor, priya.user_id, details(allergies="Penicillin, Sulfa", medical_history="PCOS"))
    with uow:
        entries = uow.audit.for_entity("patient", priya.user_id)
    assert [e.action for e in entries] == ["patient_registered", "patient_clinical_updated"]
    assert entries[0].after["allergies"] == "Penicillin" and entries[0].actor_id == doctor.user_id
    assert entries[1].before == {"allergies": "Penicillin", "medical_history": None}
    assert entries[1].after == {"allergies": "Penicillin, Sulfa", "medical_history": "PCOS"}


def test_a_taken_email_is_refused_next_to_the_field_and_nothing_is_saved(uow, receptionist, admin, engine):
    register(uow, receptionist, email="priya@example.com")
    with engine.connect() as conn:
        before = conn.execute(text(COUNTS)).one()
    for taken in ("priya@example.com", admin.email):
        with pytest.raises(FormErrors) as caught:
            register(uow, receptionist, "Ravi Kumar", "9123456789", email=taken)
        assert caught.value.by_field() == {"email": "Another record already uses this e-mail."}
    with engine.connect() as conn:
        after = conn.execute(text(COUNTS)).one()
    assert after == before


def test_the_database_refusal_of_a_taken_email_is_also_a_field_message(uow, receptionist):
    register(uow, receptionist, email="priya@example.com")
    with uow, pytest.raises(FormErrors) as caught:  # the race: the check passed, the unique index refuses
        uow.patients.add(details("Ravi Kumar", "9123456789", email="priya@example.com"))
    assert "email" in caught.value.by_field()


def test_likely_duplicates_same_phone_any_format_or_similar_name(uow, receptionist):
    priya = register(uow, receptionist, "Priya Sharma", "9876543210")
    register(uow, receptionist, "Rahul Kumar", "9123456789")
    found = patients.find_likely_duplicates(uow, receptionist, "Someone Else", "+91 98765-43210")
    assert [p.user_id for p in found] == [priya.user_id]
    found = patients.find_likely_duplicates(uow, receptionist, "Priya Sharmaa", "")
    assert [p.full_name for p in found] == ["Priya Sharma"]
    assert patients.find_likely_duplicates(uow, receptionist, "Anil Desai", "99999") == []
    assert patients.find_likely_duplicates(uow, receptionist, "", "") == []
    assert patients.find_likely_duplicates(uow, receptionist, "Priya Sharma", "9876543210",
                                           exclude_user_id=priya.user_id) == []


def test_keyset_pages_have_no_gaps_or_duplicates(uow, receptionist, engine):
    with engine.begin() as conn:
        conn.execute(text("""
            WITH u AS (INSERT INTO users (full_name, phone, role)
                       SELECT (ARRAY['Ravi Kumar', 'Anil Kumar', 'Kumari Devi'])[1 + g % 3], '+91' || (9000000000 + g),
                              'patient' FROM generate_series(1, 230) g RETURNING id)
            INSERT INTO patient_profiles (user_id) SELECT id FROM u"""))
    for query in ("kumar", "kum", "ku", "9000000"):
        seen, after = [], None
        while True:
            page = patients.search_patients(uow, receptionist, query, after=after, limit=50)
            seen.extend(page)
            if len(page) < 50:
                break
            after = page_key(page[-1])
        keys = [page_key(p) for p in seen]
        assert keys == sorted(keys) and len(set(keys)) == len(keys)
        with engine.connect() as conn:
            expected = conn.execute(text(
                "SELECT count(*) FROM users WHERE role = 'patient' AND (lower(full_name) LIKE :c OR phone LIKE :c)"),
                {"c": f"%{query}%" if len(query) > 2 else f"{query}%"}).scalar_one()
        assert len(seen) == expected, query


def test_search_special_characters_are_literal(uow, receptionist):
    register(uow, receptionist, "Anil Desai", "9123456789")
    assert patients.search_patients(uow, receptionist, "%") == []
    assert patients.search_patients(uow, receptionist, "a_i") == []
    assert [p.full_name for p in patients.search_patients(uow, receptionist, "nil d")] == ["Anil Desai"]


def test_opening_a_profile_is_one_statement_with_appointments(uow, engine, receptionist, doctor):
    priya = register(uow, receptionist)
    with engine.begin() as conn:
        conn.execute(text("""
            INSERT INTO appointments (patient_id, doctor_id, appointment_date, status, consultation_type)
            VALUES (:p, :d, now() + interval '2 days', 'scheduled', 'offline'),
                   (:p, :d, now() - interval '30 days', 'completed', 'online'),
                   (:p, NULL, now() - interval '60 days', 'no_show', 'offline')"""),
            {"p": priya.user_id, "d": doctor.user_id})
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        profile = patients.get_patient_profile(uow, receptionist, priya.user_id)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) <= 2
    assert [(a.doctor_name, a.status) for a in profile.upcoming] == [("Rahul Menon", "scheduled")]
    assert [(a.doctor_name, a.status) for a in profile.past] == [("Rahul Menon", "completed"), (None, "no_show")]
    assert all(a.starts_at.tzinfo is not None for a in profile.past)


def test_search_is_one_statement_per_page(uow, engine, receptionist):
    register(uow, receptionist)
    for query in ("priya", "pr", "98765", "1001"):
        statements = []
        listener = lambda *args, seen=statements: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            patients.search_patients(uow, receptionist, query)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert len(statements) == 1, query


def test_unknown_patient_and_staff_are_not_patients(uow, receptionist, admin):
    with pytest.raises(NotFound):
        patients.get_patient_profile(uow, receptionist, admin.user_id)
    assert patients.search_patients(uow, receptionist, "meera") == []  # staff never show up
