"""A clinic moving from paper keeps each patient's old file number: stored tidy, unique in the clinic, searchable."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from homa_desk.domain.errors import FormErrors
from homa_desk.services import patients
from tests.services.test_patients import details, register


def test_the_old_file_number_is_stored_trimmed_and_shown_on_the_profile(uow, engine, receptionist):
    priya = register(uow, receptionist, old_file_number="  A /  1234 ")
    assert patients.get_patient_profile(uow, receptionist, priya.user_id).summary.old_file_number == "A / 1234"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT old_file_number FROM patient_profiles WHERE user_id = :p"),
                            {"p": priya.user_id}).scalar_one() == "A / 1234"


def test_an_edit_without_the_field_keeps_it_an_empty_field_clears_it_and_a_change_is_audited(uow, receptionist):
    priya = register(uow, receptionist, old_file_number="B-77")
    patients.update_patient(uow, receptionist, priya.user_id, details(address="12 MG Road"))
    assert patients.get_patient_profile(uow, receptionist, priya.user_id).summary.old_file_number == "B-77"
    patients.update_patient(uow, receptionist, priya.user_id, details(old_file_number=""))
    assert patients.get_patient_profile(uow, receptionist, priya.user_id).summary.old_file_number is None
    with uow:
        entries = uow.audit.for_entity("patient", priya.user_id)
    assert any("old_file_number" in (e.after or {}).get("fields", ()) for e in entries)


def test_a_second_patient_with_the_same_number_in_any_case_is_refused_next_to_the_field(uow, receptionist):
    priya = register(uow, receptionist, old_file_number="A-12")
    with pytest.raises(FormErrors) as refused:
        register(uow, receptionist, "Ravi Kumar", "9123456789", old_file_number="a-12")
    assert refused.value.by_field() == {
        "old_file_number": f"Patient no. {priya.patient_number} already has this old file number."}
    ravi = register(uow, receptionist, "Ravi Kumar", "9123456789")
    with pytest.raises(FormErrors) as refused:
        patients.update_patient(uow, receptionist, ravi.user_id,
                                details("Ravi Kumar", "9123456789", old_file_number="A-12"))
    assert list(refused.value.by_field()) == ["old_file_number"]
    patients.update_patient(uow, receptionist, priya.user_id, details(old_file_number="A-12"))  # her own: fine
    register(uow, receptionist, "Meena Iyer", "9000000001", old_file_number="")  # many without one


def test_a_too_long_number_is_refused_by_the_form_and_by_the_database(uow, engine, receptionist):
    with pytest.raises(FormErrors) as refused:
        register(uow, receptionist, old_file_number="X" * 31)
    assert "at most 30" in refused.value.by_field()["old_file_number"]
    priya = register(uow, receptionist)
    for bad in (" A-1", "", "X" * 31):
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(text("UPDATE patient_profiles SET old_file_number = :v WHERE user_id = :p"),
                         {"v": bad, "p": priya.user_id})


def test_search_by_the_exact_old_file_number_puts_that_patient_first_once(uow, receptionist):
    for n in "ABCD":
        register(uow, receptionist, f"Asha Rao {n}", f"98765000{ord(n):02d}")
    kiran = register(uow, receptionist, "Kiran Patil", "9123456789", old_file_number="ASHA")
    zoya = register(uow, receptionist, "Zoya Asha Khan", "9123456780", old_file_number="1234")
    found = patients.search_patients(uow, receptionist, "asha")
    assert found[0].user_id == kiran.user_id and found[0].old_file_number == "ASHA"
    assert [p.full_name for p in found[1:]] == [f"Asha Rao {n}" for n in "ABCD"] + ["Zoya Asha Khan"]
    assert patients.search_patients(uow, receptionist, "1234")[0].user_id == zoya.user_id
    first = patients.search_patients(uow, receptionist, "asha", limit=2)
    assert [p.full_name for p in first] == ["Kiran Patil", "Asha Rao A", "Asha Rao B"]
    pages, after = [], (first[-1].sort_key, first[-1].user_id)
    while page := patients.search_patients(uow, receptionist, "asha", after=after, limit=2):
        pages += page
        after = (page[-1].sort_key, page[-1].user_id)
    assert [p.full_name for p in pages] == ["Asha Rao C", "Asha Rao D", "Zoya Asha Khan"]
