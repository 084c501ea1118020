"""Patients and bills for billing tests, made through the real services."""

from __future__ import annotations

from datetime import date

from homa_desk.domain.billing import LineInput
from homa_desk.domain.patients import validate_patient
from homa_desk.services import billing
from homa_desk.services.patients import register_patient


def a_patient(uow, actor, name: str = "Kavya Nair", phone: str = "9812345670") -> int:
    details = validate_patient(full_name=name, phone=phone, today=date(2026, 11, 25), age_years="34")
    return register_patient(uow, actor, details).user_id


def a_bill(uow, actor, patient_id: int, *lines: tuple[str, str, str, str]):
    rows = lines or (("consultation", "Consultation", "1", "500"),)
    return billing.create_bill(uow, actor, patient_id=patient_id, lines=[LineInput(*row) for row in rows])
