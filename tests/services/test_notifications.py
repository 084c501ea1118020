"""Messages are queued in the event's own transaction and delivered by the sender to local providers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from homa_desk.domain.appointments import local_day
from homa_desk.domain.errors import Conflict, PermissionDenied
from homa_desk.domain.notifications import LEASE, MAX_ATTEMPTS, UNKNOWN_OUTCOME, Channel
from homa_desk.domain.timeutil import utcnow
from homa_desk.gateways.email_smtp import SmtpEmail
from homa_desk.gateways.messaging import Attachment
from homa_desk.gateways.sms_twilio import TwilioSms
from homa_desk.gateways.telegram import TelegramBot
from homa_desk.services import appointments, billing, notifications
from tests import fake_messaging as fm
from tests.services.billing_helpers import a_bill
from tests.services.notification_helpers import a_booking, a_patient, dlt_registered, outbox_rows, speaks_hindi

PDF = b"%PDF-1.4 receipt"


@pytest.fixture
def senders(providers, smtp, engine):
    """The three channels on local providers, the clinic registered on DLT with the desk's own wording."""
    dlt_registered(engine)
    return {
        Channel.SMS: TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url,
                               timeout=(2, 1)),
        Channel.EMAIL: SmtpEmail("127.0.0.1", smtp.port, "desk@clinic.example", user=fm.SMTP_USER,
                                 password=fm.SMTP_PASSWORD, ssl_context=smtp.client_context, timeout=5),
        Channel.TELEGRAM: TelegramBot(fm.BOT_TOKEN, base_url=providers.base_url, timeout=(2, 1)),
    }


def receipt(bill_id: int) -> Attachment:
    return Attachment(f"receipt-{bill_id}.pdf", PDF)


# -- queueing ---------------------------------------------------------------------------------------------------


def test_a_booking_queues_an_sms_and_an_email_in_english(uow, engine, admin, receptionist, doctor):
    patient = a_patient(uow, receptionist)
    booked = a_booking(uow, admin, receptionist, doctor, patient)
    rows = outbox_rows(engine)
    assert [(r["channel"], r["recipient"], r["template"], r["language"]) for r in rows] == [
        ("sms", "+919876543210", "appointment_booked", "en"),
        ("email", "priya@patients.example", "appointment_booked", "en"),
    ]
    assert rows[0]["payload"]["doctor_name"] == "Rahul Menon"
    assert rows[0]["idempotency_key"] == f"appointment:{booked.id}:booked:sms"


def test_no_email_without_an_address_and_hindi_for_a_hindi_speaker(uow, engine, admin, receptionist, doctor):
    patient = a_patient(uow, receptionist, email=None)
    speaks_hindi(engine, patient)
    a_booking(uow, admin, receptionist, doctor, patient)
    rows = outbox_rows(engine)
    assert [(r["channel"], r["language"]) for r in rows] == [("sms", "hi")]


def test_a_rolled_back_booking_leaves_no_message(uow, engine, admin, receptionist, doctor, monkeypatch):
    patient = a_patient(uow, receptionist)
    real = notifications.enqueue_appointment_booked

    def queue_then_fail(uow_, appointment_id):
        real(uow_, appointment_id)
        assert len(uow_.outbox.recent()) == 2  # written, inside the booking's transaction
        raise Conflict("another desk took the slot")

    monkeypatch.setattr(notifications, "enqueue_appointment_booked", queue_then_fail)
    with pytest.raises(Conflict):
        a_booking(uow, admin, receptionist, doctor, patient)
    assert outbox_rows(engine) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM appointments")).scalar_one() == 0


def test_reschedule_and_cancel_each_queue_their_own_messages(uow, engine, admin, receptionist, doctor):
    patient = a_patient(uow, receptionist, email=None)
    booked = a_booking(uow, admin, receptionist, doctor, patient)
    appointments.reschedule(uow, receptionist, booked.id, booked.starts_at + timedelta(hours=1))
    appointments.reschedule(uow, receptionist, booked.id, booked.starts_at)
    appointments.cancel(uow, receptionist, booked.id, "Patient travelling")
    assert [r["template"] for r in outbox_rows(engine)] == [
        "appointment_booked", "appointment_rescheduled", "appointment_rescheduled", "appointment_cancelled"]


def test_a_payment_queues_sms_and_an_email_with_the_receipt(uow, engine, receptionist):
    patient = a_patient(uow, receptionist)
    bill = a_bill(uow, receptionist, patient)
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    rows = outbox_rows(engine)
    assert [(r["channel"], r["template"], r["attachment_bill_id"]) for r in rows] == [
        ("sms", "payment_received", None), ("email", "payment_received", bill.id)]
    assert rows[0]["payload"]["amount"] == "₹500.00"
    assert rows[0]["payload"]["bill_number"] == bill.bill_number


def test_reminders_for_tomorrow_are_queued_once(uow, engine, admin, receptionist, doctor):
    patient = a_patient(uow, receptionist)
    booked = a_booking(uow, admin, receptionist, doctor, patient)
    day = local_day(booked.starts_at)
    assert notifications.enqueue_reminders(uow, day) == 2
    assert notifications.enqueue_reminders(uow, day) == 0
    assert notifications.enqueue_reminders(uow, day + timedelta(days=1)) == 0
    assert [r["template"] for r in outbox_rows(engine)].count("appointment_reminder") == 2


def test_the_daily_collection_goes_to_telegram_once_a_day(uow, engine, receptionist):
    patient = a_patient(uow, receptionist)
    bill = a_bill(uow, receptionist, patient, ("consultation", "Consultation", "1", "800"))
    billing.record_payment(uow, receptionist, bill.id, amount="300", method="cash")
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="upi", reference="412345678901")
    today = local_day(utcnow())
    assert notifications.enqueue_daily_collection(uow, today, fm.CHAT_ID)
    assert not notifications.enqueue_daily_collection(uow, today, fm.CHAT_ID)
    summary = [r for r in outbox_rows(engine) if r["channel"] == "telegram"]
    assert len(summary) == 1
    assert summary[0]["payload"]["total"] == "₹800.00"
    assert summary[0]["payload"]["count"] == 2
    assert summary[0]["payload"]["by_method"] == "Cash ₹300.00, UPI ₹500.00"


def test_only_staff_may_set_a_patients_language_and_only_admins_resend(uow, engine, admin, receptionist):
    patient = a_patient(uow, receptionist)
    notifications.set_preferred_language(uow, receptionist, patient, "hi")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT preferred_language FROM patient_profiles")).scalar_one() == "hi"
    with pytest.raises(PermissionDenied):
        notifications.send_again(uow, receptionist, 1)


# -- delivery ---------------------------------------------------------------------------------------------------


def test_everything_due_arrives_once_in_the_patients_language(uow, engine, admin, receptionist, doctor, senders,
                                                              providers, smtp):
    english = a_patient(uow, receptionist)
    hindi = a_patient(uow, receptionist, name="Ramesh Gupta", phone="9812345678", email="ramesh@patients.example")
    speaks_hindi(engine, hindi)
    a_booking(uow, admin, receptionist, doctor, english, hour=10)
    a_booking(uow, admin, receptionist, doctor, hindi, hour=11)
    bill = a_bill(uow, receptionist, english)
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    notifications.enqueue_daily_collection(uow, local_day(utcnow()), fm.CHAT_ID)

    report = notifications.deliver_due(uow, senders, render_attachment=receipt)
    assert len(report.sent) == 7 and not report.failed and not report.retrying
    assert notifications.deliver_due(uow, senders, render_attachment=receipt).sent == []

    assert sorted(m["To"] for m in providers.sms) == ["+919812345678", "+919876543210", "+919876543210"]
    assert all(m["From"] == fm.TWILIO_FROM for m in providers.sms)
    hindi_sms = next(m["Body"] for m in providers.sms if m["To"] == "+919812345678")
    assert "अपॉइंटमेंट" in hindi_sms and "Rahul Menon" in hindi_sms
    subjects = sorted(str(m["Subject"]) for m in smtp.received)
    assert subjects[0].startswith("Appointment booked at") and "अपॉइंटमेंट" in subjects[2]
    paid = next(m for m in smtp.received if str(m["Subject"]).startswith("Receipt"))
    (attachment,) = list(paid.iter_attachments())
    assert attachment.get_filename() == f"receipt-{bill.id}.pdf"
    assert attachment.get_content_type() == "application/pdf" and attachment.get_content() == PDF
    assert all(smtp.tls_used)
    assert providers.telegram[0]["chat_id"] == fm.CHAT_ID and "₹500.00" in providers.telegram[0]["text"]
    rows = outbox_rows(engine)
    assert {r["status"] for r in rows} == {"sent"} and all(r["provider_message_id"] for r in rows)


def test_a_provider_that_is_down_gets_retries_with_backoff_then_failed(uow, engine, receptionist, senders,
                                                                       providers):
    patient = a_patient(uow, receptionist, email=None)
    bill = a_bill(uow, receptionist, patient)
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    providers.fail_next(100, status=503)
    now = utcnow()
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = notifications.deliver_due(uow, senders, now=now)
        assert len(report.retrying if attempt < MAX_ATTEMPTS else report.failed) == 1
        assert notifications.deliver_due(uow, senders, now=now).retrying == []  # not due again yet
        with engine.connect() as conn:
            due = conn.execute(text("SELECT next_attempt_at FROM outbox_messages")).scalar_one()
        waits.append(round((due - utcnow()).total_seconds() / 30))
        now = due + timedelta(seconds=1)
    assert waits[:4] == [1, 2, 4, 8]
    (row,) = outbox_rows(engine)
    assert row["status"] == "failed" and row["attempts"] == MAX_ATTEMPTS
    assert row["last_error"].startswith(f"gave up after {MAX_ATTEMPTS} attempts: Twilio answered 503")
    assert providers.sms == []


def test_a_provider_back_up_gets_the_message_on_the_next_try(uow, engine, receptionist, senders, providers):
    patient = a_patient(uow, receptionist, email=None)
    bill = a_bill(uow, receptionist, patient)
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    providers.fail_next(1, status=500)
    assert len(notifications.deliver_due(uow, senders).retrying) == 1
    report = notifications.deliver_due(uow, senders, now=utcnow() + timedelta(minutes=1))
    assert len(report.sent) == 1 and len(providers.sms) == 1
    (row,) = outbox_rows(engine)
    assert (row["status"], row["attempts"]) == ("sent", 2)


def test_a_timeout_after_sending_is_not_retried(uow, engine, receptionist, senders, providers):
    patient = a_patient(uow, receptionist, email=None)
    bill = a_bill(uow, receptionist, patient)
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    providers.stall_next(1, 2.0)
    assert len(notifications.deliver_due(uow, senders).failed) == 1
    (row,) = outbox_rows(engine)
    assert row["status"] == "failed" and "may have gone" in row["last_error"]
    assert notifications.deliver_due(uow, senders, now=utcnow() + timedelta(hours=2)).sent == []


def test_a_message_left_sending_by_a_crash_is_failed_not_resent(uow, engine, admin, receptionist, senders,
                                                               providers):
    patient = a_patient(uow, receptionist, email=None)
    bill = a_bill(uow, receptionist, patient)
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    now = utcnow()
    with uow:  # the desk claims the message, commits, and dies before the provider's answer is recorded
        (claimed,) = uow.outbox.claim_due(now, now + LEASE, 10)
        uow.commit()
    assert notifications.deliver_due(uow, senders, now=now + timedelta(minutes=1)).sent == []  # lease still held
    report = notifications.deliver_due(uow, senders, now=now + LEASE + timedelta(seconds=1))
    assert report.abandoned == [claimed.id] and report.sent == []
    (row,) = outbox_rows(engine)
    assert (row["status"], row["last_error"]) == ("failed", UNKNOWN_OUTCOME)
    assert providers.requests == 0
    notifications.send_again(uow, admin, row["id"])  # a person decides a possible duplicate is acceptable
    assert len(notifications.deliver_due(uow, senders).sent) == 1 and len(providers.sms) == 1


def test_two_senders_never_claim_the_same_message(uow, engine, receptionist):
    patient = a_patient(uow, receptionist)
    for amount in ("100", "100", "100"):
        bill = a_bill(uow, receptionist, patient)
        billing.record_payment(uow, receptionist, bill.id, amount=amount, method="cash")
    now = utcnow()
    other = type(uow)(engine)
    with uow, other:
        first = uow.outbox.claim_due(now, now + LEASE, 4)
        second = other.outbox.claim_due(now, now + LEASE, 4)
        assert {m.id for m in first}.isdisjoint({m.id for m in second})
        assert len(first) + len(second) == 6


def test_messages_for_a_channel_not_set_up_wait_untouched(uow, engine, receptionist, senders, providers):
    patient = a_patient(uow, receptionist)
    bill = a_bill(uow, receptionist, patient)
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    report = notifications.deliver_due(uow, {Channel.SMS: senders[Channel.SMS]})
    assert len(report.sent) == 1
    rows = {r["channel"]: r for r in outbox_rows(engine)}
    assert (rows["email"]["status"], rows["email"]["attempts"]) == ("pending", 0)


def test_provider_errors_never_carry_the_token(uow, engine, receptionist):
    assert notifications.enqueue_daily_collection(uow, local_day(utcnow()), fm.CHAT_ID)
    down = TelegramBot(fm.BOT_TOKEN, base_url="http://127.0.0.1:9", timeout=(1, 1))
    assert len(notifications.deliver_due(uow, {Channel.TELEGRAM: down}).retrying) == 1
    (row,) = outbox_rows(engine)
    assert "unreachable" in row["last_error"] and fm.BOT_TOKEN not in row["last_error"]
    assert "bot-token" not in row["last_error"]
