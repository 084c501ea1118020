"""Hostile text in every text field the services take, against the real database.

Each call ends one of two ways: a DomainError (a ValidationError or FormErrors naming the field, where a field is to
blame) with not one row written anywhere, or the text stored and read back exactly as the validator returned it.
Never a database error, an encoding error or any other traceback.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.billing import LineInput
from homa_desk.domain.consultations import ConsultationDraft
from homa_desk.domain.doctors import validate_profile
from homa_desk.domain.errors import DomainError, FormErrors, ValidationError
from homa_desk.domain.patients import validate_patient
from homa_desk.domain.prescriptions import PrescriptionLine
from homa_desk.domain.reports import HistoryFilters
from homa_desk.domain.roles import Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import (
    appointments,
    auth,
    billing,
    clinic,
    close_of_day,
    consultations,
    doctors,
    notifications,
    patients,
    queue,
    reports,
    staff,
    upi_payments,
    verification,
)
from homa_desk.services import settings as settings_service
from homa_desk.services.settings import SettingsForm
from tests.helpers import engine_for
from tests.security.nasty import hostile
from tests.security.world import World, build_world

FUZZ = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def w(cluster, tmp_path_factory) -> World:
    url = cluster.fresh_database()
    engine = engine_for(url)
    built = build_world(engine, UnitOfWork(engine))
    built.settings_path = tmp_path_factory.mktemp("settings") / "settings.json"  # type: ignore[attr-defined]
    yield built
    engine.dispose()
    cluster.drop(url)


def named(error: DomainError) -> set[str]:
    if isinstance(error, FormErrors):
        return {e.field for e in error.errors}
    return {error.field} if isinstance(error, ValidationError) else set()


def attempt(w: World, fields: str | tuple[str, ...], call):  # type: ignore[no-untyped-def]
    """The call's result, or None after checking the refusal: a field given the text is named, nothing written."""
    fields = (fields,) if isinstance(fields, str) else fields
    before = w.row_counts()
    try:
        return call()
    except DomainError as refused:
        assert refused.message
        if isinstance(refused, ValidationError | FormErrors):
            assert any(name == field or name.startswith(f"{field}.") or name.endswith(f".{field}")
                       for name in named(refused) for field in fields), (fields, named(refused), refused.message)
        assert w.row_counts() == before, f"refused ({refused.message}) but wrote rows"
        return None


PATIENT_FIELDS = ("full_name", "phone", "email", "address", "emergency_contact", "allergies", "medical_history")


@pytest.mark.parametrize("field", PATIENT_FIELDS)
@FUZZ
@given(text=hostile)
def test_register_patient(w, field, text):
    def register():  # type: ignore[no-untyped-def]
        details = validate_patient(today=TODAY, **{"full_name": "Kavya Nair", "phone": "9812345670",
                                                   "age_years": "34", field: text})
        return details, patients.register_patient(w.uow, w.admin, details)

    done = attempt(w, field, register)
    if done is not None:
        details, summary = done
        profile = patients.get_patient_profile(w.uow, w.admin, summary.user_id)
        stored = {"full_name": profile.summary.full_name, "phone": profile.summary.phone, "email": profile.email,
                  "address": profile.address, "emergency_contact": profile.emergency_contact,
                  "allergies": profile.allergies, "medical_history": profile.medical_history}
        assert stored[field] == (getattr(details, field) or None)


@pytest.mark.parametrize("field", ("full_name", "email", "phone", "password"))
@FUZZ
@given(text=hostile)
def test_add_staff_and_sign_in(w, field, text):
    values = {"email": f"staff{w.next()}@clinic.example", "full_name": "Neha Joshi", "phone": "9876543210",
              "role": Role.RECEPTIONIST, "password": "Monsoon-Tiger-Lake-81", field: text}
    member = attempt(w, field, lambda: staff.add_staff(w.uow, w.admin, staff.validate_new_staff(**values)))
    if member is not None:
        listed = next(m for m in staff.list_staff(w.uow, w.admin) if m.id == member.id)
        assert (listed.full_name, listed.email, listed.phone) == (member.full_name, member.email, member.phone)
        assert auth.sign_in(w.uow, member.email, values["password"]).id == member.id


@FUZZ
@given(email=hostile, password=hostile)
def test_sign_in_with_anything_is_refused_cleanly(w, email, password):
    with pytest.raises(DomainError):
        auth.sign_in(w.uow, email, password)


@pytest.mark.parametrize("field", ("specialty", "qualification", "registration_number", "consultation_fee"))
@FUZZ
@given(text=hostile)
def test_doctor_profile(w, field, text):
    values = {"specialty": "General Physician", "qualification": "MBBS", "registration_number": "KMC-12345",
              "consultation_fee": "500", "slot_minutes_text": "15", field: text}
    doctor_id = w.actors["other_doctor"].user_id
    changes = attempt(w, field, lambda: validate_profile(**values))
    if changes is not None:
        saved = doctors.update_profile(w.uow, w.admin, doctor_id, changes).doctor
        assert (saved.specialty, saved.qualification, saved.registration_number, saved.consultation_fee) == (
            changes.specialty, changes.qualification, changes.registration_number, changes.consultation_fee)


@pytest.mark.parametrize("field", ("description", "quantity", "unit_price", "discount", "notes"))
@FUZZ
@given(text=hostile)
def test_bill(w, field, text):
    line = {"kind": "consultation", "description": "Consultation", "quantity": "1", "unit_price": "500",
            "discount": "0"}
    notes = text if field == "notes" else "Walk-in"
    if field != "notes":
        line[field] = text
    bill = attempt(w, field, lambda: billing.create_bill(w.uow, w.desk, patient_id=w.patient_id,
                                                         lines=[LineInput(**line)], notes=notes))
    if bill is not None:
        (stored,) = billing.get_bill(w.uow, w.desk, bill.id).lines
        assert stored.description == " ".join(line["description"].split())
        with w.engine.connect() as conn:
            from sqlalchemy import text as sql

            kept = conn.execute(sql("SELECT notes FROM bills WHERE id = :id"), {"id": bill.id}).scalar()
        assert kept == (" ".join(notes.split())[:500] or None)


@pytest.mark.parametrize("field", ("reference", "reason"))
@FUZZ
@given(text=hostile)
def test_payment_reference_and_refund_reason(w, field, text):
    if field == "reference":
        bill = w.bill()
        view = attempt(w, field, lambda: billing.record_payment(w.uow, w.desk, bill, amount="100", method="card",
                                                                reference=text))
        if view is not None:
            assert view.payments[-1].reference == (" ".join(text.split()) or None)
    else:
        payment = w.payment()
        attempt(w, field, lambda: billing.refund_payment(w.uow, w.admin, payment, amount="10", reason=text))
        bill = w.bill()
        attempt(w, field, lambda: billing.cancel_bill(w.uow, w.admin, bill, text))


@pytest.mark.parametrize("field", ("symptoms", "diagnosis", "advice", "medicine", "strength", "notes",
                                   "dose_pattern", "duration"))
@FUZZ
@given(text=hostile)
def test_consultation(w, field, text):
    appointment = w.visit()
    line = PrescriptionLine("Paracetamol", "500 mg")
    if field in ("medicine", "strength", "notes", "dose_pattern", "duration"):
        line = replace(line, **{field: text})
        draft = ConsultationDraft(lines=(line,))
        field = "prescription"
    else:
        draft = ConsultationDraft(**{field: text})
    saved = attempt(w, field, lambda: consultations.save_consultation(w.uow, w.doctor, appointment, draft))
    if saved is not None:
        again = consultations.get_consultation(w.uow, w.doctor, appointment)
        assert again.draft == saved.draft
        if field != "prescription":
            assert getattr(again.draft, field) == (text.strip() or None)


@pytest.mark.parametrize("field", ("clinic_name", "clinic_address", "clinic_phone", "clinic_gstin", "upi_vpa",
                                   "upi_payee_name", "smtp_host", "smtp_user", "smtp_from", "telegram_chat_id",
                                   "twilio_from_number", "database_url", "idle_lock_minutes"))
@FUZZ
@given(text=hostile)
def test_settings(w, field, text):
    form = SettingsForm(**{"smtp_from": "desk@clinic.example", "smtp_password": "mail-password-77",
                           "telegram_bot_token": "123456:bot-token-77", field: text})
    loaded = attempt(w, field, lambda: settings_service.save_settings(w.uow, w.admin, form, path=w.settings_path))
    if loaded is not None and field.startswith("clinic_") and field != "clinic_phone":
        expected = " ".join(text.split()) if field in ("clinic_name", "clinic_address") else text.strip()
        assert getattr(loaded.form, field) == (expected.upper() if field == "clinic_gstin" else expected)


@FUZZ
@given(text=hostile)
def test_searches_take_any_text(w, text):
    assert isinstance(patients.search_patients(w.uow, w.desk, text), list)
    assert isinstance(patients.find_likely_duplicates(w.uow, w.desk, text, text), list)
    assert isinstance(billing.list_bills(w.uow, w.desk, since=yesterday(), query=text), list)
    attempt(w, "patient", lambda: reports.payment_history(w.uow, w.desk, HistoryFilters(patient=text)))
    attempt(w, "patient", lambda: reports.write_history_csv(w.uow, w.desk, HistoryFilters(patient=text),
                                                            io.StringIO()))


def yesterday() -> datetime:
    return utcnow() - timedelta(days=1)


@FUZZ
@given(text=hostile)
def test_appointment_texts(w, text):
    booked = attempt(w, "symptoms", lambda: appointments.book_appointment(
        w.uow, w.desk, patient_id=w.patient_id, doctor_id=w.doctor.user_id, starts_at=w.free_slot(), symptoms=text))
    if booked is not None:
        assert booked.symptoms == (text.strip() or None)
    attempt(w, "meeting_link", lambda: appointments.book_appointment(
        w.uow, w.desk, patient_id=w.patient_id, doctor_id=w.doctor.user_id, starts_at=w.free_slot(),
        consultation_type="online", meeting_link=text))
    appointment = w.booking()
    cancelled = attempt(w, "reason", lambda: appointments.cancel(w.uow, w.desk, appointment, text))
    if cancelled is not None:
        assert cancelled.cancellation_reason == text.strip()
    attempt(w, "symptoms", lambda: queue.add_walk_in(w.uow, w.desk, w.patient_id, w.doctor.user_id, symptoms=text))


@FUZZ
@given(text=hostile)
def test_other_text_inputs(w, text):
    attempt(w, "reason", lambda: doctors.add_leave(w.uow, w.admin, w.doctor.user_id, w.far_day(), text))
    attempt(w, ("medicine", "strength"), lambda: consultations.add_favourite(w.uow, w.doctor, text, text))
    attempt(w, "name", lambda: consultations.save_template(w.uow, w.doctor, text,
                                                           [PrescriptionLine("Paracetamol", "500 mg")]))
    attempt(w, "clinic_name", lambda: clinic.set_clinic_name(w.uow, w.admin, text))
    attempt(w, "language", lambda: notifications.set_preferred_language(w.uow, w.desk, w.patient_id, text))
    attempt(w, "channel", lambda: verification.send_code(w.uow, w.desk, w.patient_id, text))
    session = w.upi_session()
    attempt(w, "utr", lambda: upi_payments.confirm_by_reference(w.uow, w.desk, session, text))
    w.sent_code()
    with pytest.raises(DomainError):
        verification.check_code(w.uow, w.desk, w.patient_id, text + "x")


@given(amount=st.one_of(hostile, st.decimals(allow_nan=True, allow_infinity=True).map(str)))
@FUZZ
def test_amounts(w, amount):
    bill = w.bill()
    view = attempt(w, "amount", lambda: billing.record_payment(w.uow, w.desk, bill, amount=amount, method="cash"))
    if view is not None:
        assert view.payments[-1].amount == Decimal(amount.strip().replace(",", "").removeprefix("₹").strip())


@pytest.mark.parametrize("field", ("counted", "reason"))
@FUZZ
@given(text=hostile)
def test_cash_count(w, field, text):
    values = {"counted": "0", "reason": "Counted at closing", field: text}
    count = attempt(w, field, lambda: close_of_day.count_cash(w.uow, w.desk, w.today, values["counted"],
                                                              values["reason"]))
    if count is not None:
        stored = close_of_day_counts(w)[-1]
        assert stored == count
        if field == "reason":
            assert count.reason == (" ".join(text.split()) or None)


def close_of_day_counts(w):  # type: ignore[no-untyped-def]
    with w.uow:
        return w.uow.close_of_day.cash_counts(w.today)


@pytest.mark.parametrize("field", ("purpose", "reference", "amount", "refund_reference", "refund_reason"))
@FUZZ
@given(text=hostile)
def test_advances(w, field, text):
    from homa_desk.services import advances

    if field in ("purpose", "reference", "amount"):
        args = {"amount": "100", "method": "card", "reference": "", "purpose": ""} | {field: text}
        made = attempt(w, field, lambda: advances.receive_advance(w.uow, w.desk, w.patient_id, **args))
        if made is not None and field == "purpose":
            assert made.purpose == (" ".join(text.split()) or "Advance")
        if made is not None and field == "reference":
            assert made.payment.reference == (" ".join(text.split()) or None)
        bill = w.bill()
        if field == "amount":
            attempt(w, field, lambda: advances.apply_advance(w.uow, w.desk, bill, amount=text))
        return
    advance = advances.receive_advance(w.uow, w.desk, w.patient_id, amount="50", method="cash").id
    details = {"reference": f"REF-{w.next()}", "reason": "Asked"} | {field.removeprefix("refund_"): text}
    attempt(w, field.removeprefix("refund_"),
            lambda: advances.refund_advance(w.uow, w.admin, advance, amount="10", **details))
