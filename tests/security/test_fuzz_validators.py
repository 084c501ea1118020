"""Every validator and parser of the domain, fed hostile text: each answers with the value or a ValidationError /
FormErrors naming the field, never another exception, and never accepts text PostgreSQL cannot store."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from homa_desk.db.urls import parse_database_url
from homa_desk.domain import (
    appointments,
    billing,
    clinic_profile,
    consultations,
    doctors,
    notifications,
    patients,
    prescriptions,
    validation,
)
from homa_desk.domain.errors import FormErrors, ValidationError
from homa_desk.domain.reports import HistoryFilters
from homa_desk.domain.roles import Actor, Role
from homa_desk.services import backup
from homa_desk.services.clinic import validate_clinic_name
from homa_desk.services.settings import SettingsForm
from homa_desk.services.settings import validate as validate_settings
from homa_desk.services.staff import validate_new_staff
from tests.security.nasty import hostile, unstorable

TODAY = date(2026, 11, 26)
ADMIN = Actor(1, Role.ADMIN, "Meera Iyer", "meera@clinic.example")
SCRATCH = Path(tempfile.mkdtemp(prefix="homa-fuzz-"))


def _backup_plan(position: int) -> Callable[[str], object]:
    def check(text: str) -> object:
        values = [str(SCRATCH / "backups"), "20:00", "7"]
        values[position] = text
        return backup.save_plan(ADMIN, *values, path=SCRATCH / "settings.json")
    return check


def _patient(field: str) -> Callable[[str], object]:
    def check(text: str) -> object:
        values = {"full_name": "Kavya Nair", "phone": "9812345670", "age_years": "34", field: text}
        return patients.validate_patient(today=TODAY, **values)
    return check


def _line(field: str) -> Callable[[str], object]:
    def check(text: str) -> object:
        values = {"medicine": "Paracetamol", "strength": "500 mg", "dose": "1-0-1", "how_long": "5 days",
                  field: text}
        return prescriptions.validate_line(**values)
    return check


def _bill_line(position: int) -> Callable[[str], object]:
    def check(text: str) -> object:
        values = ["consultation", "Consultation", "1", "500", "0"]
        values[position] = text
        return billing.validate_lines([billing.LineInput(*values)])
    return check


def _profile(field: str) -> Callable[[str], object]:
    def check(text: str) -> object:
        values = {"specialty": "General Physician", "qualification": "MBBS", "registration_number": "KMC-12345",
                  "consultation_fee": "500", "slot_minutes_text": "15", field: text}
        return doctors.validate_profile(**values)
    return check


def _staff(field: str) -> Callable[[str], object]:
    def check(text: str) -> object:
        values = {"email": "neha@clinic.example", "full_name": "Neha Joshi", "phone": "9876543210",
                  "role": "doctor", "password": "Monsoon-Tiger-Lake-81", field: text}
        return validate_new_staff(**values)
    return check


def _settings(field: str) -> Callable[[str], object]:
    def check(text: str) -> object:
        return validate_settings(SettingsForm(**{field: text}))
    return check


def _draft(field: str) -> Callable[[str], object]:
    def check(text: str) -> object:
        return consultations.validate_consultation(consultations.ConsultationDraft(**{field: text}), TODAY)
    return check


VALIDATORS: dict[str, Callable[[str], object]] = {
    "validation.full_name": validation.full_name,
    "validation.indian_mobile": validation.indian_mobile,
    "validation.email": validation.email,
    "validation.optional_email": validation.optional_email,
    "validation.vpa": validation.vpa,
    "validation.amount": validation.amount,
    "validation.new_password": validation.new_password,
    "patients.free_text": lambda t: patients.free_text(t, "notes", 500, "The note"),
    "patients.parse_age": patients.parse_age,
    "patients.parse_gender": patients.parse_gender,
    "patients.parse_language": patients.parse_language,
    "patients.optional_mobile": lambda t: patients.optional_mobile(t, "emergency_contact"),
    "patients.parse_date_text": patients.parse_date_text,
    "appointments.meeting_link": appointments.meeting_link,
    "appointments.cancellation_reason": appointments.cancellation_reason,
    "appointments.validate_booking.symptoms": lambda t: appointments.validate_booking("offline", None, t),
    "appointments.validate_booking.link": lambda t: appointments.validate_booking("online", t, None),
    "doctors.slot_minutes": doctors.slot_minutes,
    "doctors.parse_time": doctors.parse_time,
    "doctors.validate_leave": lambda t: doctors.validate_leave(TODAY, t),
    "prescriptions.dose_pattern": prescriptions.dose_pattern,
    "prescriptions.duration": prescriptions.duration,
    "prescriptions.template_name": prescriptions.template_name,
    "clinic_profile.optional_gstin": clinic_profile.optional_gstin,
    "clinic_profile.number_in": lambda t: clinic_profile.number_in(t, 1, 240, "idle_lock_minutes", "idle lock time"),
    "clinic_profile.twilio_sid": clinic_profile.twilio_sid,
    "clinic_profile.telegram_chat": clinic_profile.telegram_chat,
    "clinic_profile.host_name": clinic_profile.host_name,
    "notifications.check_sms_number": notifications.check_sms_number,
    "consultations.validate_vitals": lambda t: consultations.validate_vitals(pulse=t, temperature_c=t),
    "reports.HistoryFilters.patient": lambda t: HistoryFilters(patient=t).checked(),
    "clinic.validate_clinic_name": validate_clinic_name,
    "urls.parse_database_url": parse_database_url,
    "backup.save_plan.daily_at": _backup_plan(1),
    "backup.save_plan.keep": _backup_plan(2),
    **{f"validate_patient.{f}": _patient(f) for f in (
        "full_name", "phone", "email", "date_of_birth", "age_years", "gender", "address", "emergency_contact",
        "allergies", "medical_history", "language")},
    **{f"validate_line.{f}": _line(f) for f in ("medicine", "strength", "form", "dose", "how_long", "food", "notes")},
    **{f"validate_lines.{f}": _bill_line(i) for i, f in enumerate(
        ("kind", "description", "quantity", "unit_price", "discount"))},
    **{f"validate_profile.{f}": _profile(f) for f in (
        "specialty", "qualification", "registration_number", "consultation_fee", "slot_minutes_text")},
    **{f"validate_new_staff.{f}": _staff(f) for f in ("email", "full_name", "phone", "role", "password")},
    **{f"validate_consultation.{f}": _draft(f) for f in ("symptoms", "diagnosis", "advice")},
    **{f"settings.{f}": _settings(f) for f in (
        "clinic_name", "clinic_address", "clinic_phone", "clinic_logo_path", "clinic_gstin", "gateway", "upi_vpa",
        "upi_payee_name", "razorpay_key_id", "twilio_account_sid", "twilio_from_number", "smtp_host", "smtp_port",
        "smtp_user", "smtp_from", "telegram_chat_id", "database_url", "poll_interval_seconds", "idle_lock_minutes",
        "language")},
}


@pytest.mark.parametrize("name", sorted(VALIDATORS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile)
def test_validators_refuse_cleanly_or_return_storable_text(name, text):
    try:
        result = VALIDATORS[name](text)
    except FormErrors as refused:
        assert refused.errors and all(e.field and e.message for e in refused.errors), refused.by_field()
    except ValidationError as refused:
        assert refused.field and refused.message
    else:
        assert unstorable(result) == [], f"{name} accepted text the database cannot store"


@pytest.mark.parametrize("folder", [f"{SCRATCH}/backups\x00", f"{SCRATCH}/\ud800backups", f"{SCRATCH}/back\x1bups",
                                    "~nosuchuser0/backups"])
def test_a_backup_folder_that_cannot_exist_is_refused_next_to_the_field(folder):
    with pytest.raises(FormErrors) as refused:
        backup.save_plan(ADMIN, folder, "20:00", "7", path=SCRATCH / "settings.json")
    assert set(refused.value.by_field()) == {"backup_folder"}
