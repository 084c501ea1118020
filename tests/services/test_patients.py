from __future__ import annotations

from datetime import date

from homa_desk.domain.patients import validate_patient
from homa_desk.services import patients

TODAY = date(2026, 11, 26)


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
