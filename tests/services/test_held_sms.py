"""SMS held as "not set up": once the admin saves the missing DLT templates, the desk offers to send the ones still
worth sending — never a verification code (expired), never a message about an appointment that has begun or was
cancelled, never one that went by another channel, never twice — or to leave them; either choice is audited."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.dlt import (
    HELD_CANCELLED,
    HELD_CODE_EXPIRED,
    HELD_LEFT,
    HELD_OPTED_OUT,
    HELD_PAST,
    HELD_WENT_OTHERWISE,
)
from homa_desk.domain.errors import PermissionDenied
from homa_desk.domain.notifications import Channel, Template
from homa_desk.domain.timeutil import utcnow
from homa_desk.gateways.email_smtp import SmtpEmail
from homa_desk.gateways.sms_twilio import TwilioSms
from homa_desk.services import appointments, billing, message_channels, notifications, sms_dlt, verification
from tests import fake_messaging as fm
from tests.services.billing_helpers import a_bill
from tests.services.notification_helpers import a_booking, a_patient, dlt_registered, rows_of


@pytest.fixture
def twilio(providers):
    return {Channel.SMS: TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url)}


def held_rows(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, template, status, last_error, idempotency_key FROM outbox_messages"
                                 " WHERE channel = 'sms' ORDER BY id")).mappings().all()
    return {r["idempotency_key"]: dict(r) for r in rows}


def audits(engine, action: str) -> list[dict]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT after FROM audit_log WHERE action = :a ORDER BY id"),
                                 {"a": action}).scalars())


def held_back(uow, engine, admin, receptionist, doctor, twilio) -> dict[str, int]:
    """Five SMS held for want of templates: a booking still ahead, one whose appointment has begun, a booking of
    an appointment since cancelled, a payment, and a verification code."""
    ahead = a_booking(uow, admin, receptionist, doctor, a_patient(uow, receptionist, email=None), hour=10)
    begun = a_booking(uow, admin, receptionist, doctor, a_patient(uow, receptionist, name="Ravi Kumar",
                                                                  phone="9876500001", email=None), hour=11)
    cancelled = a_booking(uow, admin, receptionist, doctor, a_patient(uow, receptionist, name="Asha Rao",
                                                                      phone="9876500002", email=None), hour=12)
    payer = a_patient(uow, receptionist, name="Meena Iyer", phone="9876500003", email=None)
    billing.record_payment(uow, receptionist, a_bill(uow, receptionist, payer).id, amount="500", method="cash")
    verification.send_code(uow, receptionist, payer, "sms")
    notifications.deliver_due(uow, twilio)
    appointments.cancel(uow, receptionist, cancelled.id, "Patient asked")
    notifications.deliver_due(uow, twilio)
    with engine.begin() as conn:
        conn.execute(text("UPDATE appointments SET appointment_date = now() - interval '1 hour' WHERE id = :i"),
                     {"i": begun.id})
    rows = held_rows(engine)
    assert {r["status"] for r in rows.values()} == {"not_set_up"}
    return {"ahead": ahead.id, "begun": begun.id, "cancelled": cancelled.id}


def key(rows: dict[str, dict], start: str) -> dict:
    (row,) = [r for k, r in rows.items() if k.startswith(start)]
    return row


def test_nothing_is_offered_until_the_template_is_in(uow, engine, admin, receptionist, doctor, twilio):
    held_back(uow, engine, admin, receptionist, doctor, twilio)
    assert sms_dlt.load_dlt_setup(uow, admin).sendable == 0
    assert sms_dlt.send_held_messages(uow, admin) == 0
    assert {r["status"] for r in held_rows(engine).values()} == {"not_set_up"}


def test_saving_the_template_offers_only_what_is_still_worth_sending_and_sends_it_once(
        uow, engine, admin, receptionist, doctor, twilio, providers):
    ids = held_back(uow, engine, admin, receptionist, doctor, twilio)
    dlt_registered(engine)
    assert sms_dlt.load_dlt_setup(uow, admin).sendable == 3  # booking ahead, its cancellation, the payment
    assert sms_dlt.send_held_messages(uow, admin) == 3
    rows = held_rows(engine)
    assert key(rows, f"appointment:{ids['ahead']}:booked")["status"] == "pending"
    assert key(rows, f"appointment:{ids['cancelled']}:cancelled")["status"] == "pending"
    assert key(rows, "payment:")["status"] == "pending"
    assert key(rows, f"appointment:{ids['begun']}:booked")["last_error"] == HELD_PAST
    assert key(rows, f"appointment:{ids['cancelled']}:booked")["last_error"] == HELD_CANCELLED
    (code,) = [r for r in rows.values() if r["template"] == Template.VERIFICATION.value]
    assert (code["status"], code["last_error"]) == ("failed", HELD_CODE_EXPIRED)
    (audit,) = audits(engine, "held_sms_sent")
    assert len(audit["queued"]) == 3 and len(audit["closed"]) == 3 and audit["left"] == []
    assert sms_dlt.load_dlt_setup(uow, admin).sendable == 0
    assert sms_dlt.send_held_messages(uow, admin) == 0 and len(audits(engine, "held_sms_sent")) == 1
    assert len(notifications.deliver_due(uow, twilio).sent) == 3
    assert len(notifications.deliver_due(uow, twilio, now=utcnow() + timedelta(hours=2)).sent) == 0
    assert len(providers.sms) == 3 and not any("code" in s["Body"].lower() for s in providers.sms)


def test_leave_them_closes_them_audited_and_they_are_not_offered_again(uow, engine, admin, receptionist, doctor,
                                                                        twilio, providers):
    held_back(uow, engine, admin, receptionist, doctor, twilio)
    dlt_registered(engine)
    assert sms_dlt.leave_held_messages(uow, admin) == 3
    rows = held_rows(engine)
    assert {r["status"] for r in rows.values()} == {"failed"}
    assert sum(r["last_error"] == HELD_LEFT for r in rows.values()) == 3
    assert len(audits(engine, "held_sms_left")) == 1
    assert sms_dlt.load_dlt_setup(uow, admin).sendable == 0
    assert notifications.deliver_due(uow, twilio).sent == [] and providers.sms == []


def test_a_held_sms_whose_message_went_by_email_is_never_sent_too(uow, engine, admin, receptionist, doctor,
                                                                   providers, smtp):
    patient = a_patient(uow, receptionist)
    message_channels.set_message_preferences(uow, receptionist, patient, Channel.SMS, {})
    a_booking(uow, admin, receptionist, doctor, patient)
    senders = {Channel.SMS: TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url),
               Channel.EMAIL: SmtpEmail("127.0.0.1", smtp.port, "desk@clinic.example", user=fm.SMTP_USER,
                                        password=fm.SMTP_PASSWORD, ssl_context=smtp.client_context, timeout=5)}
    notifications.deliver_due(uow, senders)
    notifications.deliver_due(uow, senders)
    dlt_registered(engine)
    assert sms_dlt.load_dlt_setup(uow, admin).sendable == 0
    assert sms_dlt.send_held_messages(uow, admin) == 0
    held, mailed = rows_of(engine)
    assert (held["status"], held["last_error"], mailed["status"]) == ("failed", HELD_WENT_OTHERWISE, "sent")


def test_only_an_admin_decides_about_held_sms(uow, engine, admin, receptionist, doctor, twilio):
    held_back(uow, engine, admin, receptionist, doctor, twilio)
    dlt_registered(engine)
    for decide in (sms_dlt.send_held_messages, sms_dlt.leave_held_messages):
        with pytest.raises(PermissionDenied):
            decide(uow, receptionist)
    assert {r["status"] for r in held_rows(engine).values()} == {"not_set_up"}


def test_a_patient_who_opted_out_while_the_sms_was_held_gets_nothing(uow, engine, admin, receptionist, twilio,
                                                                      providers):
    patient = a_patient(uow, receptionist, email=None)
    billing.record_payment(uow, receptionist, a_bill(uow, receptionist, patient).id, amount="500", method="cash")
    notifications.deliver_due(uow, twilio)
    message_channels.set_message_preferences(uow, receptionist, patient, None, {Channel.SMS: False})
    dlt_registered(engine)
    assert sms_dlt.load_dlt_setup(uow, admin).sendable == 0
    assert sms_dlt.send_held_messages(uow, admin) == 0
    (row,) = held_rows(engine).values()
    assert (row["status"], row["last_error"]) == ("failed", HELD_OPTED_OUT) and providers.sms == []


def test_two_admins_clicking_send_at_once_queue_each_held_sms_once(uow, engine, admin, receptionist, doctor, twilio,
                                                                   providers):
    held_back(uow, engine, admin, receptionist, doctor, twilio)
    dlt_registered(engine)
    barrier = threading.Barrier(2)
    queued: list[int] = []

    def click() -> None:
        barrier.wait()
        queued.append(sms_dlt.send_held_messages(UnitOfWork(engine), admin))

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sum(queued) == 3
    assert len(notifications.deliver_due(uow, twilio).sent) == 3 and len(providers.sms) == 3
