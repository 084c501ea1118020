"""Vitals ranges, dose patterns, durations, readable lines and the allergy match: no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from homa_desk.domain.consultations import (
    ConsultationDraft,
    TemperatureUnit,
    Vitals,
    plain_number,
    temperature_text,
    validate_consultation,
    validate_vitals,
    with_doctor_title,
)
from homa_desk.domain.errors import FormErrors, ValidationError
from homa_desk.domain.prescriptions import (
    DoseForm,
    FoodTiming,
    PrescriptionLine,
    allergy_conflicts,
    dose_pattern,
    duration,
    prescription_text,
    validate_line,
)

TODAY = date(2026, 11, 27)


def test_vitals_are_parsed_with_decimals_where_fractional():
    vitals = validate_vitals(bp_systolic="120", bp_diastolic="80", pulse="72", temperature_c="37.2",
                             weight_kg="64.25", spo2="98")
    assert vitals == Vitals(120, 80, 72, Decimal("37.2"), Decimal("64.25"), 98)
    assert isinstance(vitals.temperature_c, Decimal)
    assert vitals.as_text() == "BP 120/80 mmHg · Pulse 72/min · Temp 37.2 °C · Weight 64.25 kg · SpO₂ 98%"
    assert validate_vitals() == Vitals()


@pytest.mark.parametrize(("typed", "stored"), [("101", "38.3"), ("98.6", "37.0"), ("86", "30.0"), ("113", "45.0"),
                                              ("38.5", "38.5"), ("37", "37.0")])
def test_a_temperature_that_can_only_be_fahrenheit_is_stored_in_celsius(typed, stored):
    assert validate_vitals(temperature_c=typed).temperature_c == Decimal(stored)


def test_temperatures_read_in_the_clinics_unit():
    vitals = Vitals(temperature_c=Decimal("38.5"), weight_kg=Decimal("72.50"))
    assert vitals.as_text() == "Temp 38.5 °C · Weight 72.5 kg"
    assert vitals.as_text(TemperatureUnit.FAHRENHEIT) == "Temp 101.3 °F · Weight 72.5 kg"
    assert temperature_text(Decimal("37.0"), TemperatureUnit.CELSIUS) == "37 °C"
    assert TemperatureUnit.of("F") is TemperatureUnit.FAHRENHEIT and TemperatureUnit.of(None) is TemperatureUnit.CELSIUS


@pytest.mark.parametrize(("value", "written"), [(Decimal("72.00"), "72"), (Decimal("72.50"), "72.5"),
                                                (Decimal("100.00"), "100"), (Decimal("0.30"), "0.3"), (98, "98")])
def test_numbers_are_written_without_trailing_zeros(value, written):
    assert plain_number(value) == written


@pytest.mark.parametrize(("name", "titled"), [
    ("Shilpa Hegde", "Dr. Shilpa Hegde"), ("Dr. Shilpa Hegde", "Dr. Shilpa Hegde"),
    ("Dr Shilpa Hegde", "Dr Shilpa Hegde"), ("dr. shilpa", "dr. shilpa"), ("Drishti Rao", "Dr. Drishti Rao")])
def test_the_doctor_title_is_not_doubled(name, titled):
    assert with_doctor_title(name) == titled


@pytest.mark.parametrize(("field", "value", "message"), [
    ("pulse", "300", "between 20 and 250"),
    ("pulse", "7x", "enter a number"),
    ("pulse", "72.5", "whole number"),
    ("spo2", "101", "between 50 and 100"),
    ("temperature_c", "150", "30–45 °C or 86–113 °F"),
    ("temperature_c", "60", "30–45 °C or 86–113 °F"),
    ("temperature_c", "101.25", "1 decimal place"),
    ("temperature_c", "37.25", "at most 1 decimal place"),
    ("weight_kg", "0", "between 0.3 and 350"),
    ("bp_systolic", "300", "between 50 and 260"),
])
def test_bad_vitals_are_named_by_field(field, value, message):
    values = {"bp_systolic": "120", "bp_diastolic": "80"} if not field.startswith("bp") else {"bp_diastolic": "80"}
    values[field] = value
    with pytest.raises(FormErrors) as caught:
        validate_vitals(**values)
    assert message in caught.value.by_field()[field]


def test_blood_pressure_needs_both_numbers_in_order():
    with pytest.raises(FormErrors) as caught:
        validate_vitals(bp_systolic="120")
    assert caught.value.by_field() == {"bp_diastolic": "Enter both BP numbers (systolic and diastolic)."}
    with pytest.raises(FormErrors) as caught:
        validate_vitals(bp_systolic="80", bp_diastolic="90")
    assert "lower than systolic" in caught.value.by_field()["bp_diastolic"]


@pytest.mark.parametrize(("text", "expected"), [
    ("1-0-1", "1-0-1"), ("½-0-½", "½-0-½"), ("1/2-0-1/2", "½-0-½"), ("1 - 1 - 1 - 1", "1-1-1-1"),
    ("0-0-1", "0-0-1"), ("1½-0-1", "1½-0-1"), ("2-2", "2-2"),
])
def test_dose_patterns(text, expected):
    assert dose_pattern(text) == expected


@pytest.mark.parametrize("text", ["", "101", "1-0-1-1-1", "a-b-c", "1--1", "0-0-0", "1.5-0-1", "-1-0"])
def test_bad_dose_patterns(text):
    with pytest.raises(ValidationError):
        dose_pattern(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("5 days", "5 days"), ("5d", "5 days"), ("1 day", "1 day"), ("2 Weeks", "2 weeks"), ("1w", "1 week"),
    ("3 months", "3 months"),
])
def test_durations(text, expected):
    assert duration(text) == expected


@pytest.mark.parametrize("text", ["", "five days", "0 days", "5 years", "5"])
def test_bad_durations(text):
    with pytest.raises(ValidationError):
        duration(text)


def test_a_line_reads_as_one_sentence_and_validation_names_every_field():
    line = validate_line(medicine=" Paracetamol ", strength="500 mg", form="tablet", dose="1-0-1", how_long="5d",
                         food="after_food", notes="if fever")
    assert line.as_text() == "Paracetamol 500 mg tablet — 1-0-1 × 5 days, after food (if fever)"
    assert prescription_text([line, PrescriptionLine("Cetirizine", "10 mg", DoseForm.TABLET, "0-0-1", "3 days",
                                                     FoodTiming.ANY)]) == (
        "1. Paracetamol 500 mg tablet — 1-0-1 × 5 days, after food (if fever)\n"
        "2. Cetirizine 10 mg tablet — 0-0-1 × 3 days")
    assert prescription_text([]) is None
    with pytest.raises(FormErrors) as caught:
        validate_line(medicine="", form="pill", dose="x", how_long="", food="never")
    assert set(caught.value.by_field()) == {"medicine", "form", "dose_pattern", "duration", "food"}
    assert PrescriptionLine.from_dict(line.as_dict()) == line


@pytest.mark.parametrize(("allergies", "medicine", "expected"), [
    ("Penicillin", "Penicillin V", ["penicillin"]),
    ("penicillin", "Amoxicillin", ["penicillin"]),
    ("Allergic to penicillin; dust", "Ampicillin + Cloxacillin", ["penicillin"]),
    ("Sulfa drugs", "Sulfamethoxazole + Trimethoprim", ["sulfa drugs"]),
    ("NSAIDs, latex", "Ibuprofen", ["nsaids"]),
    ("aspirin", "Aspirin", ["aspirin"]),
    ("Ibuprofen", "Brufen (ibuprofen)", ["ibuprofen"]),
    ("Penicillin", "Paracetamol", []),
    ("None", "Amoxicillin", []),
    (None, "Amoxicillin", []),
    ("dust and pollen", "Cetirizine", []),
])
def test_allergy_matches_by_name_and_by_class(allergies, medicine, expected):
    assert allergy_conflicts(allergies, medicine) == expected


def test_a_consultation_is_validated_as_a_whole():
    draft = ConsultationDraft(symptoms="  fever  ", diagnosis="Viral fever", follow_up_on=TODAY,
                              lines=(PrescriptionLine("Paracetamol", dose_pattern="1-0-x"),))
    with pytest.raises(FormErrors) as caught:
        validate_consultation(draft, TODAY)
    assert set(caught.value.by_field()) == {"follow_up_on", "prescription"}
    ok = validate_consultation(ConsultationDraft(symptoms="  fever  ", advice=""), TODAY)
    assert ok.symptoms == "fever" and ok.advice is None
