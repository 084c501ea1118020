from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homa_desk.domain.errors import FormErrors, ValidationError
from homa_desk.domain.notifications import Language
from homa_desk.domain.patients import (
    Gender,
    PatientSummary,
    estimated_birth_date,
    free_text,
    page_key,
    parse_age,
    parse_date_text,
    parse_gender,
    parse_language,
    validate_patient,
)

TODAY = date(2026, 11, 26)


def test_a_complete_form_is_normalised():
    details = validate_patient(full_name="  Priya   Sharma ", phone="098765 43210", email="Priya@Example.COM",
                               date_of_birth="15-08-1985", gender="Female", address=" 12 MG Road ",
                               emergency_contact="+91 91234-56789", allergies="Penicillin", today=TODAY)
    assert details.full_name == "Priya Sharma" and details.phone == "+919876543210"
    assert details.email == "priya@example.com" and details.date_of_birth == date(1985, 8, 15)
    assert not details.dob_is_estimate and details.gender is Gender.FEMALE
    assert details.address == "12 MG Road" and details.emergency_contact == "+919123456789"
    assert details.medical_history is None  # not given
    assert details.language is None  # not given: English for a new patient, unchanged on an edit


def test_the_message_language_is_english_or_hindi():
    assert validate_patient(full_name="Ravi", phone="9876543210", age_years="34", language="hi",
                            today=TODAY).language is Language.HINDI
    assert validate_patient(full_name="Ravi", phone="9876543210", age_years="34", language=" EN ",
                            today=TODAY).language is Language.ENGLISH
    for bad in ("fr", "", "hindi"):
        with pytest.raises(FormErrors) as caught:
            validate_patient(full_name="Ravi", phone="9876543210", age_years="34", language=bad, today=TODAY)
        assert caught.value.by_field() == {"language": "Choose English or Hindi."}


def test_age_gives_an_estimated_birth_date():
    details = validate_patient(full_name="Ravi", phone="9876543210", age_years=" 34 ", today=TODAY)
    assert details.date_of_birth == date(1992, 11, 26) and details.dob_is_estimate
    assert estimated_birth_date(1, date(2024, 2, 29)) == date(2023, 2, 28)


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(FormErrors) as caught:
        validate_patient(full_name="", phone="12345", email="not-an-email", date_of_birth="31-02-2000",
                         gender="x", address="a" * 501, emergency_contact="5555", allergies="b" * 1001,
                         medical_history="c" * 5001, today=TODAY)
    assert set(caught.value.by_field()) == {"full_name", "phone", "email", "date_of_birth", "gender", "address",
                                            "emergency_contact", "allergies", "medical_history"}


@pytest.mark.parametrize(("dob", "age", "message"), [
    (None, None, "Enter the date of birth, or the age"),
    ("27-11-2026", None, "cannot be in the future"),
    ("1-1-1890", None, "too far in the past"),
    ("tomorrow", None, "DD-MM-YYYY"),
    (None, "121", "0 to 120"),
    (None, "-3", "0 to 120"),
    (None, "3.5", "0 to 120"),
])
def test_birth_date_and_age_rules(dob, age, message):
    with pytest.raises(FormErrors) as caught:
        validate_patient(full_name="Ravi", phone="9876543210", date_of_birth=dob, age_years=age, today=TODAY)
    assert message in caught.value.by_field()["date_of_birth" if age is None else "age_years"]


def test_dates_in_indian_and_iso_order():
    assert parse_date_text("05/03/1990") == date(1990, 3, 5)
    assert parse_date_text("1990-03-05") == date(1990, 3, 5)
    assert parse_date_text("") is None


def test_floats_are_never_ages():
    with pytest.raises(ValidationError):
        parse_age(34.0)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        parse_age(True)  # type: ignore[arg-type]
    assert parse_age(0) == 0 and parse_age("120") == 120


def test_free_text_keeps_lines_refuses_control_characters():
    assert free_text("line one\nline two", "address", 500, "The address") == "line one\nline two"
    with pytest.raises(ValidationError):
        free_text("nul \x00 byte", "address", 500, "The address")
    assert parse_gender("") is None and parse_gender("OTHER") is Gender.OTHER


def test_page_key_uses_the_database_sort_key():
    row = PatientSummary(1, 1001, "Priya Sharma", "+919876543210", None, None, sort_key="priya sharma")
    assert page_key(row) == ("priya sharma", 1)


_text = st.text(max_size=300) | st.none()


@settings(max_examples=300, deadline=None)
@given(full_name=st.text(max_size=300), phone=st.text(max_size=40), email=_text, dob=_text, age=_text,
       gender=_text, address=_text, emergency=_text, allergies=_text, history=_text, language=_text)
def test_arbitrary_text_only_ever_raises_form_errors(full_name, phone, email, dob, age, gender, address, emergency,
                                                     allergies, history, language):
    with contextlib.suppress(FormErrors):
        validate_patient(full_name=full_name, phone=phone, email=email, date_of_birth=dob, age_years=age,
                         gender=gender, address=address, emergency_contact=emergency, allergies=allergies,
                         medical_history=history, language=language, today=TODAY)


@settings(max_examples=300, deadline=None)
@given(value=st.text(max_size=200))
def test_each_field_validator_only_raises_validation_error(value):
    for check in (lambda: parse_date_text(value), lambda: parse_age(value), lambda: parse_gender(value),
                  lambda: free_text(value, "f", 100, "F"), lambda: parse_language(value)):
        with contextlib.suppress(ValidationError):
            check()
