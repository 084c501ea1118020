"""A whole day's flow with the real log setup at DEBUG, then every file the desk wrote is searched for secrets and
for the patient's name, mobile and e-mail: none may be there (they belong in the keyring and the database)."""

from __future__ import annotations

import logging
import os
from dataclasses import replace

import psycopg
import pytest
from sqlalchemy import text

from homa_desk.config import Settings, config_file
from homa_desk.connect import open_backend
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.appointments import local_day
from homa_desk.domain.errors import DomainError
from homa_desk.domain.notifications import Channel
from homa_desk.domain.patients import validate_patient
from homa_desk.domain.roles import Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.gateways.email_smtp import SmtpEmail
from homa_desk.gateways.messaging import SMTP_PASSWORD, Attachment
from homa_desk.gateways.senders import senders_from_settings
from homa_desk.logging_setup import configure_logging
from homa_desk.secret_store import get_secret
from homa_desk.services import (
    appointments,
    auth,
    billing,
    notifications,
    settings,
    sms_dlt,
    staff,
    upi_payments,
    verification,
)
from homa_desk.services.patients import register_patient
from homa_desk.services.settings import SettingsForm
from tests import fake_messaging as fm
from tests.appointment_helpers import at, next_weekday, with_hours
from tests.gateways.fake_razorpay import KEY_ID, FakeRazorpay
from tests.helpers import engine_for, libpq, new_staff
from tests.services.consultation_helpers import with_profile
from tests.services.notification_helpers import dlt_form

ADMIN_PASSWORD = "Quartz-Heron-4127-Lantern"
WRONG_PASSWORD = "Typo-Heron-4127-Lantrn"
DB_PASSWORD = "db-pass-Vx81-never-logged"
RAZORPAY_SECRET = "rzp-secret-Km42-never-logged"
PATIENT_NAME = "Zoravar Quillon"
PATIENT_PHONE = "9988776655"
PATIENT_EMAIL = "zoravar.quillon@patients.example"

SECRETS = {"admin password": ADMIN_PASSWORD, "mistyped password": WRONG_PASSWORD, "database password": DB_PASSWORD,
           "Razorpay key secret": RAZORPAY_SECRET, "Twilio token": fm.TWILIO_TOKEN, "SMTP password": fm.SMTP_PASSWORD,
           "Telegram bot token": fm.BOT_TOKEN}
PATIENT = {"patient name": PATIENT_NAME, "patient surname": "Quillon", "patient mobile": PATIENT_PHONE,
           "patient mobile, spaced": "99887 76655", "patient e-mail": PATIENT_EMAIL}


@pytest.fixture
def debug_log():
    path = configure_logging(logging.DEBUG)
    server_log = logging.getLogger("mail.log")  # the fake SMTP server runs in this process; it is not the desk
    server_log.setLevel(logging.WARNING)
    yield path
    server_log.setLevel(logging.NOTSET)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_homa", False)]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.WARNING)


@pytest.fixture
def db_with_password(cluster):
    """A fresh database and a login role with a password, as a clinic's remote database would have."""
    url = cluster.fresh_database()
    role = f"desk_{os.getpid()}"
    with psycopg.connect(libpq(cluster.admin_url), autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}")
        conn.execute(f"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{DB_PASSWORD}'")
    yield url.set(username=role, password=DB_PASSWORD, drivername="postgresql")
    cluster.drop(url)
    with psycopg.connect(libpq(cluster.admin_url), autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}")


@pytest.fixture
def razorpay():
    with FakeRazorpay(key_secret=RAZORPAY_SECRET) as server:
        yield server


def test_a_full_day_leaves_no_secret_or_patient_data_in_logs_or_config(tmp_path, debug_log, db_with_password,
                                                                        providers, smtp, razorpay):
    first = engine_for(db_with_password.set(password=None))
    setup = UnitOfWork(first)
    admin_email = "owner@sunrise.example"
    owner = replace(new_staff(Role.ADMIN, email=admin_email, name="Meera Iyer"), password=ADMIN_PASSWORD)
    staff.create_first_admin(setup, owner, "Sunrise Clinic")
    with pytest.raises(DomainError):
        auth.sign_in(setup, admin_email, WRONG_PASSWORD)
    admin = auth.sign_in(setup, admin_email, ADMIN_PASSWORD).as_actor()

    form = SettingsForm(
        clinic_name="Sunrise Clinic", gateway="razorpay", razorpay_key_id=KEY_ID, razorpay_key_secret=RAZORPAY_SECRET,
        twilio_from_number=fm.TWILIO_FROM, twilio_auth_token=fm.TWILIO_TOKEN,
        smtp_host="127.0.0.1", smtp_port=str(smtp.port), smtp_user=fm.SMTP_USER, smtp_from="desk@sunrise.example",
        smtp_password=fm.SMTP_PASSWORD, telegram_chat_id=fm.CHAT_ID, telegram_bot_token=fm.BOT_TOKEN,
        database_url=db_with_password.render_as_string(hide_password=False))
    settings.save_settings(setup, admin, form)
    first.dispose()
    desk = Settings.load()
    desk.razorpay_base_url = razorpay.base_url
    desk.twilio_account_sid = fm.TWILIO_SID  # the fake's (not a real-looking SID, so not through the form)
    desk.twilio_base_url = providers.base_url
    desk.telegram_base_url = providers.base_url
    desk.save()

    backend = open_backend(Settings.load(), env={})  # the password comes from the keyring
    try:
        _day_at_the_desk(backend, admin, providers, smtp, razorpay)
    finally:
        backend.close()
    for handler in logging.getLogger().handlers:
        handler.flush()

    log_text = debug_log.read_text(encoding="utf-8")
    assert "DEBUG" in log_text and "signed in" in log_text and "sent by sms" in log_text  # the log was written
    assert config_file().is_file()
    written = [p for p in tmp_path.rglob("*") if p.is_file() and "tls" not in p.parts]
    assert debug_log in written and config_file() in written
    leaks = [f"{what} in {path.relative_to(tmp_path)}" for path in written for what, value in {**SECRETS, **PATIENT}
             .items() if value.encode() in path.read_bytes()]
    assert leaks == []


def _day_at_the_desk(backend, admin, providers, smtp, razorpay) -> None:  # type: ignore[no-untyped-def]
    uow = backend.uow()
    desk = staff.add_staff(uow, admin, new_staff(Role.RECEPTIONIST, name="Asha Verma")).as_actor()
    doctor = staff.add_staff(uow, admin, new_staff(Role.DOCTOR, name="Rahul Menon")).as_actor()
    with_profile(uow, admin, doctor)
    with_hours(uow, admin, doctor)
    details = validate_patient(full_name=PATIENT_NAME, phone=PATIENT_PHONE, email=PATIENT_EMAIL,
                               today=next_weekday(1), age_years="41", address="14 Residency Road, Bengaluru",
                               allergies="Sulfa drugs")
    patient = register_patient(uow, desk, details).user_id
    with pytest.raises(DomainError):
        register_patient(uow, desk, details)  # the same e-mail again: refused, and the refusal is not logged
    starts = at(next_weekday(2), 10)
    appointments.book_appointment(uow, desk, patient_id=patient, doctor_id=doctor.user_id, starts_at=starts)
    with pytest.raises(DomainError):
        appointments.book_appointment(uow, desk, patient_id=patient, doctor_id=doctor.user_id, starts_at=starts)
    bill = billing.create_bill(uow, desk, patient_id=patient, lines=[
        billing.LineInput("consultation", "Consultation", "1", "500")])
    session = upi_payments.start_upi_payment(uow, backend.gateway, desk, bill.id)
    razorpay.mark_paid(session.gateway_qr_id)
    assert upi_payments.check_upi_payment(uow, backend.gateway, session.id).status.value == "completed"
    verification.send_code(uow, desk, patient, "sms")
    notifications.enqueue_daily_collection(uow, local_day(utcnow()), fm.CHAT_ID)
    sms_dlt.save_dlt_setup(uow, admin, dlt_form())

    senders = senders_from_settings(Settings.load())
    assert set(senders) == {Channel.SMS, Channel.EMAIL, Channel.TELEGRAM}
    senders[Channel.EMAIL] = SmtpEmail("127.0.0.1", smtp.port, "desk@sunrise.example", user=fm.SMTP_USER,
                                       password=get_secret(SMTP_PASSWORD), ssl_context=smtp.client_context, timeout=5)
    providers.fail_next(1, status=400)  # a refused SMS: its error goes to the log

    def receipt(bill_id: int) -> Attachment:
        return Attachment(f"receipt-{bill_id}.pdf", b"%PDF-1.4 receipt")

    report = notifications.deliver_due(uow, senders, render_attachment=receipt, limit=50)
    assert report.sent and report.failed
    assert smtp.received and providers.sms and providers.telegram  # out they went, with the patient's name in them
    with backend.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users WHERE full_name = :n"), {"n": PATIENT_NAME}).scalar() == 1
    with pytest.raises(DomainError):
        settings.test_database_connection(f"postgresql://nobody:{DB_PASSWORD}@127.0.0.1:1/homa", timeout=2)

