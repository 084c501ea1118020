"""Patients with contacts, bookings and outbox rows for the notification tests."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, text

from homa_desk.domain.dlt import KINDS, suggested_text
from homa_desk.domain.notifications import Language
from homa_desk.domain.patients import validate_patient
from homa_desk.services import appointments
from homa_desk.services.patients import register_patient
from homa_desk.services.sms_dlt import DltForm
from tests.appointment_helpers import at, next_weekday, with_hours


def a_patient(uow, actor, *, name: str = "Priya Sharma", phone: str = "9876543210",
              email: str | None = "priya@patients.example") -> int:
    details = validate_patient(full_name=name, phone=phone, email=email, today=date(2026, 11, 25), age_years="34")
    return register_patient(uow, actor, details).user_id


def speaks_hindi(engine: Engine, patient_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE patient_profiles SET preferred_language = 'hi' WHERE user_id = :p"),
                     {"p": patient_id})


def a_booking(uow, admin, receptionist, doctor, patient_id: int, hour: int = 10):
    with_hours(uow, admin, doctor)
    return appointments.book_appointment(uow, receptionist, patient_id=patient_id, doctor_id=doctor.user_id,
                                         starts_at=at(next_weekday(2), hour))


def outbox_rows(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(
            "SELECT id, channel, recipient, template, language, payload, status, attempts, last_error,"
            " provider_message_id, attachment_bill_id, idempotency_key FROM outbox_messages ORDER BY id"))]


def rows_of(engine: Engine) -> list[dict]:
    """The outbox as the channel and delivery-status tests read it."""
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(
            "SELECT id, channel, status, message_key, fallback_channels, patient_id, last_error, delivery_status,"
            " delivery_error, next_status_check_at, status_checks FROM outbox_messages ORDER BY id"))]


DLT_ENTITY_ID = "1201159100000000001"
DLT_HEADER = "HOMACL"


def dlt_registered(engine: Engine) -> dict[tuple[str, str], str]:
    """The clinic registered on DLT with the desk's own wording for every kind and language (dlt_form), written
    straight to the database; the template ids by (kind, language)."""
    form = dlt_form()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO clinic_settings (key, value) VALUES"
                          " ('dlt_entity_id', to_jsonb(CAST(:e AS text))), ('dlt_header', to_jsonb(CAST(:h AS text)))"
                          " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"),
                     {"e": form.entity_id, "h": form.header})
        for (kind, language), (template_id, body) in form.templates.items():
            conn.execute(text("INSERT INTO sms_dlt_templates (template, language, dlt_template_id, body)"
                              " VALUES (:k, :l, :i, :b) ON CONFLICT (template, language) DO NOTHING"),
                         {"k": kind.value, "l": language.value, "i": template_id, "b": body})
    return {(kind.value, language.value): template_id for (kind, language), (template_id, _) in form.templates.items()}


def dlt_form() -> DltForm:
    """Settings → Messages filled as a clinic that registered the desk's own wording would fill it."""
    templates = {}
    for number, kind in enumerate(KINDS):
        for language in Language:
            template_id = f"11071600000000{number:03d}{'01' if language is Language.ENGLISH else '02'}"
            templates[(kind, language)] = (template_id, suggested_text(kind, language))
    return DltForm(DLT_ENTITY_ID, DLT_HEADER, templates)
