"""What is typed matches only itself: LIKE wildcards are escaped in every search, only 0-9 are digits (in searches
and in the clinic's phone), a mobile number is stored as +91XXXXXXXXXX and finds its patient however it is written,
and names in Indian scripts keep their zero-width joiners."""

from __future__ import annotations

from datetime import timedelta

import pytest

from homa_desk.domain.errors import FormErrors
from homa_desk.domain.patients import validate_patient
from homa_desk.domain.reports import HistoryFilters
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import billing, patients, reports
from homa_desk.services import settings as settings_service
from homa_desk.services.settings import SettingsForm
from tests.services.billing_helpers import a_bill, a_patient
from tests.services.report_helpers import ist, paid_bill

WILDCARDS = ["%", "_", "%%", "%_%", "\\", "\\%", "_a", "%a%", "___", "2026%"]
NOT_DIGITS = ["²", "①", "12²", "४२", "٤٢", "１２", "⑫"]


@pytest.fixture
def clinic(uow, receptionist):
    """Two patients with paid bills: Kavya Nair and Rohan Das."""
    kavya = a_patient(uow, receptionist, "Kavya Nair", "9812345670")
    rohan = a_patient(uow, receptionist, "Rohan Das", "9823456781")
    for patient in (kavya, rohan):
        paid_bill(uow, receptionist, patient, "500", at=ist(2026, 11, 25, 10))
    return kavya, rohan


def bills(uow, actor, query: str) -> list[str]:
    return [b.patient_name for b in billing.list_bills(uow, actor, since=utcnow() - timedelta(days=400),
                                                      query=query)]


@pytest.mark.parametrize("query", WILDCARDS)
def test_wildcards_in_the_bill_search_match_only_themselves(uow, receptionist, clinic, query):
    assert sorted(bills(uow, receptionist, "")) == ["Kavya Nair", "Rohan Das"]
    assert bills(uow, receptionist, query) == []


def test_the_bill_search_still_finds_names_and_numbers(uow, receptionist, clinic):
    assert bills(uow, receptionist, "kavya") == ["Kavya Nair"]
    number = billing.list_bills(uow, receptionist, since=utcnow() - timedelta(days=400), query="rohan")[0].bill_number
    assert bills(uow, receptionist, number) == ["Rohan Das"]


@pytest.mark.parametrize("query", WILDCARDS)
def test_wildcards_in_the_patient_search_and_payment_history_match_only_themselves(uow, receptionist, clinic,
                                                                                   query):
    assert patients.search_patients(uow, receptionist, query) == []
    assert reports.payment_history(uow, receptionist, HistoryFilters(patient=query)) == []
    assert reports.payment_history_totals(uow, receptionist, HistoryFilters(patient=query)).count == 0


@pytest.mark.parametrize("query", NOT_DIGITS)
def test_digits_of_other_kinds_are_not_a_patient_number(uow, receptionist, clinic, query):
    assert reports.payment_history(uow, receptionist, HistoryFilters(patient=query)) == []
    assert reports.payment_history_totals(uow, receptionist, HistoryFilters(patient=query)).count == 0
    assert patients.search_patients(uow, receptionist, query) == []
    assert bills(uow, receptionist, query) == []


def test_a_patient_number_still_filters_the_history(uow, receptionist, clinic):
    kavya = patients.get_patient_profile(uow, receptionist, clinic[0]).summary
    rows = reports.payment_history(uow, receptionist, HistoryFilters(patient=str(kavya.patient_number)))
    assert [r.patient_name for r in rows] == ["Kavya Nair"]


@pytest.mark.parametrize("typed", ["0091 98765 43210", "+91 98765-43210", "091 9876543210", "0 98765 43210",
                                   "919876543210", "98765 43210"])
def test_a_mobile_typed_with_any_prefix_is_stored_as_plus_91_and_found_by_any_prefix(uow, receptionist, typed):
    details = validate_patient(full_name="Meena Pillai", phone=typed, age_years="40",
                               today=utcnow().date())
    registered = patients.register_patient(uow, receptionist, details)
    assert registered.phone == "+919876543210"
    for query in ("0091 98765 43210", "+919876543210", "091-98765-43210", "09876543210", "9876543210", "43210",
                  "98765"):
        assert [p.user_id for p in patients.search_patients(uow, receptionist, query)] == [registered.user_id], query
    assert [p.user_id for p in patients.find_likely_duplicates(uow, receptionist, "", "0091 98765 43210")] == [
        registered.user_id]


def test_a_name_with_zero_width_joiners_is_registered_and_found(uow, receptionist):
    name = "ശ്രീധരന്\u200d നായർ"
    registered = patients.register_patient(uow, receptionist, validate_patient(
        full_name=name, phone="9876543210", age_years="61", today=utcnow().date()))
    assert patients.get_patient_profile(uow, receptionist, registered.user_id).summary.full_name == name
    assert [p.user_id for p in patients.search_patients(uow, receptionist, "ധരന്\u200d")] == [registered.user_id]
    a_bill(uow, receptionist, registered.user_id)
    assert bills(uow, receptionist, "ധരന്\u200d") == [name]


def test_the_clinic_phone_counts_only_0_to_9(uow, admin, tmp_path):
    with pytest.raises(FormErrors) as refused:
        settings_service.save_settings(uow, admin, SettingsForm(clinic_phone="080 2345²¹①"),
                                       path=tmp_path / "settings.json")
    assert "clinic_phone" in {e.field for e in refused.value.errors}
    saved = settings_service.save_settings(uow, admin, SettingsForm(clinic_phone="080 2345 6789"),
                                           path=tmp_path / "settings.json")
    assert saved.form.clinic_phone == "080 2345 6789"
