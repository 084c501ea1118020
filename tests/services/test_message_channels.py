"""WhatsApp, consent, preferred channel and fallback through the outbox, against local providers and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from homa_desk.domain.errors import PermissionDenied, ValidationError
from homa_desk.domain.message_routing import Consent
from homa_desk.domain.notifications import LEASE, MAX_ATTEMPTS, UNKNOWN_OUTCOME, Channel
from homa_desk.domain.timeutil import utcnow
from homa_desk.gateways.email_smtp import SmtpEmail
from homa_desk.gateways.messaging import Attachment
from homa_desk.gateways.sms_twilio import TwilioSms
from homa_desk.gateways.whatsapp_cloud import WhatsAppCloud
from homa_desk.services import billing, message_channels, notifications, verification
from tests import fake_messaging as fm
from tests.gateways import fake_whatsapp as fw
from tests.services.billing_helpers import a_bill
from tests.services.notification_helpers import a_booking, a_patient, dlt_registered, rows_of

PDF = b"%PDF-1.4 receipt"


@pytest.fixture
def senders(providers, whatsapp, engine):
    """SMS and WhatsApp on local providers, the clinic registered on DLT with the desk's own wording."""
    dlt_registered(engine)
    return {
        Channel.SMS: TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url,
                               timeout=(2, 1)),
        Channel.WHATSAPP: WhatsAppCloud(fw.PHONE_NUMBER_ID, fw.ACCESS_TOKEN, base_url=whatsapp.base_url,
                                        api_version=fw.VERSION, timeout=(2, 1)),
    }


def receipt(bill_id: int) -> Attachment:
    return Attachment(f"receipt-{bill_id}.pdf", PDF)


def on_whatsapp(uow, actor, patient_id: int) -> None:
    message_channels.set_message_preferences(uow, actor, patient_id, Channel.WHATSAPP, {Channel.WHATSAPP: True})


# -- consent and preferred channel --------------------------------------------------------------------------------


def test_consent_is_recorded_with_who_and_when_and_audited(uow, engine, receptionist):
    patient = a_patient(uow, receptionist)
    before = utcnow()
    prefs = message_channels.set_message_preferences(uow, receptionist, patient, Channel.WHATSAPP,
                                                     {Channel.WHATSAPP: True, Channel.EMAIL: False})
    assert prefs.preferred is Channel.WHATSAPP
    whatsapp = prefs.consents[Channel.WHATSAPP]
    assert whatsapp.consent is Consent.GRANTED and whatsapp.recorded_by == receptionist.full_name
    assert whatsapp.recorded_at >= before
    assert prefs.consent(Channel.EMAIL) is Consent.OPTED_OUT and prefs.consent(Channel.SMS) is Consent.NOT_ASKED
    with engine.connect() as conn:
        audit = conn.execute(text("SELECT action, after FROM audit_log WHERE action IN"
                                  " ('message_consent_set', 'patient_channel_set') ORDER BY id")).all()
    assert [(a, after.get("channel"), after.get("consent")) for a, after in audit] == [
        ("message_consent_set", "whatsapp", "granted"), ("message_consent_set", "email", "opted_out"),
        ("patient_channel_set", "whatsapp", None)]
    again = message_channels.message_preferences(uow, receptionist, patient)
    assert again == prefs


def test_whatsapp_cannot_be_the_channel_without_consent(uow, engine, receptionist):
    patient = a_patient(uow, receptionist)
    with pytest.raises(ValidationError, match="consent"):
        message_channels.set_message_preferences(uow, receptionist, patient, Channel.WHATSAPP, {})
    with pytest.raises(ValidationError, match="opted out"):
        message_channels.set_message_preferences(uow, receptionist, patient, Channel.SMS, {Channel.SMS: False})
    assert message_channels.message_preferences(uow, receptionist, patient).preferred is None
    assert message_channels.message_preferences(uow, receptionist, patient).consents == {}


def test_an_opted_out_channel_gets_nothing(uow, engine, admin, receptionist, doctor):
    patient = a_patient(uow, receptionist)
    message_channels.set_message_preferences(uow, receptionist, patient, None, {Channel.SMS: False})
    a_booking(uow, admin, receptionist, doctor, patient)
    assert [r["channel"] for r in rows_of(engine)] == ["email"]


def test_only_an_admin_sets_the_clinics_fallback_rule(uow, admin, receptionist):
    with pytest.raises(PermissionDenied):
        message_channels.set_fallback_rule(uow, receptionist, [Channel.SMS])
    with pytest.raises(ValidationError):
        message_channels.set_fallback_rule(uow, admin, ["telegram"])
    assert message_channels.set_fallback_rule(uow, admin, [Channel.WHATSAPP, Channel.SMS]) == (
        Channel.WHATSAPP, Channel.SMS)
    assert message_channels.fallback_rule(uow, receptionist) == (Channel.WHATSAPP, Channel.SMS)


# -- one delivery per message --------------------------------------------------------------------------------------


def test_a_patient_on_whatsapp_gets_one_message_with_sms_then_email_as_fallbacks(uow, engine, admin, receptionist,
                                                                                  doctor):
    patient = a_patient(uow, receptionist)
    on_whatsapp(uow, receptionist, patient)
    booked = a_booking(uow, admin, receptionist, doctor, patient)
    (row,) = rows_of(engine)
    assert (row["channel"], row["message_key"], row["fallback_channels"], row["patient_id"]) == (
        "whatsapp", f"appointment:{booked.id}:booked", "sms,email", patient)


def test_the_database_keeps_one_live_delivery_per_message(uow, engine, admin, receptionist, doctor):
    patient = a_patient(uow, receptionist)
    on_whatsapp(uow, receptionist, patient)
    a_booking(uow, admin, receptionist, doctor, patient)
    (row,) = rows_of(engine)
    with pytest.raises(IntegrityError, match="ux_outbox_messages_one_delivery"), engine.begin() as conn:
        conn.execute(text("INSERT INTO outbox_messages (channel, recipient, template, message_key, idempotency_key)"
                          " VALUES ('sms', '+919876543210', 'appointment_booked', :k, 'another')"),
                     {"k": row["message_key"]})


def test_whatsapp_goes_as_the_template_and_the_receipt_as_an_uploaded_pdf(uow, engine, receptionist, senders,
                                                                         whatsapp, providers):
    patient = a_patient(uow, receptionist)
    on_whatsapp(uow, receptionist, patient)
    bill = a_bill(uow, receptionist, patient)
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    report = notifications.deliver_due(uow, senders, render_attachment=receipt)
    assert len(report.sent) == 1 and providers.sms == []
    (sent,) = whatsapp.messages
    assert sent["template"]["name"] == "payment_received" and sent["to"] == "919876543210"
    header, body = sent["template"]["components"]
    assert whatsapp.media[header["parameters"][0]["document"]["id"]]["content"] == PDF
    assert [p["text"] for p in body["parameters"]] == ["Priya Sharma", "₹500.00", "Cash", bill.bill_number,
                                                      "Sunrise Clinic"]
    assert notifications.deliver_due(uow, senders, render_attachment=receipt).sent == []
    assert len(whatsapp.messages) == 1


def test_the_patients_language_chooses_the_template_language_on_each_channel(uow, engine, admin, receptionist,
                                                                             doctor, senders, whatsapp, providers):
    """Set at the desk (notifications.set_preferred_language): Hindi goes as the WhatsApp template's `hi` version
    and, when WhatsApp refuses, as the Hindi DLT template by SMS; back to English, English."""
    patient = a_patient(uow, receptionist)
    on_whatsapp(uow, receptionist, patient)
    notifications.set_preferred_language(uow, receptionist, patient, "hi")
    a_booking(uow, admin, receptionist, doctor, patient, hour=10)
    notifications.deliver_due(uow, senders)
    assert [m["template"]["language"]["code"] for m in whatsapp.messages] == ["hi"]
    del whatsapp.templates[("appointment_booked", "hi")]  # the Hindi version not approved (yet): 132001
    a_booking(uow, admin, receptionist, doctor, patient, hour=11)
    notifications.deliver_due(uow, senders)
    notifications.deliver_due(uow, senders)
    (sms,) = providers.sms
    assert sms["Body"].startswith("प्रिय Priya Sharma")
    notifications.set_preferred_language(uow, receptionist, patient, "en")
    a_booking(uow, admin, receptionist, doctor, patient, hour=12)
    notifications.deliver_due(uow, senders)
    assert [m["template"]["language"]["code"] for m in whatsapp.messages] == ["hi", "en"]


def test_a_refused_whatsapp_falls_back_to_sms_once_never_both(uow, engine, admin, receptionist, doctor, senders,
                                                             whatsapp, providers):
    patient = a_patient(uow, receptionist)
    on_whatsapp(uow, receptionist, patient)
    whatsapp.templates.clear()  # the clinic's templates are not approved yet: Meta answers 132001
    a_booking(uow, admin, receptionist, doctor, patient)
    report = notifications.deliver_due(uow, senders)
    assert len(report.failed) == 1 and report.sent == []
    first, fallback = rows_of(engine)
    assert (first["channel"], first["status"]) == ("whatsapp", "failed") and "132001" in first["last_error"]
    assert (fallback["channel"], fallback["status"], fallback["fallback_channels"]) == ("sms", "pending", "email")
    assert len(notifications.deliver_due(uow, senders).sent) == 1
    assert len(providers.sms) == 1 and whatsapp.messages == []
    assert notifications.deliver_due(uow, senders, now=utcnow() + timedelta(hours=2)).sent == []
    with pytest.raises(ValidationError):  # the message already went by SMS: the database refuses a second delivery
        notifications.send_again(uow, admin, first["id"])


def test_a_whatsapp_timeout_does_not_fall_back(uow, engine, admin, receptionist, doctor, senders, whatsapp,
                                               providers):
    patient = a_patient(uow, receptionist)
    on_whatsapp(uow, receptionist, patient)
    a_booking(uow, admin, receptionist, doctor, patient)
    whatsapp.stall_next(1, 2.0)
    assert len(notifications.deliver_due(uow, senders).failed) == 1
    (row,) = rows_of(engine)
    assert row["status"] == "failed" and "may have gone" in row["last_error"]
    assert notifications.deliver_due(uow, senders, now=utcnow() + timedelta(hours=2)).sent == []
    assert providers.sms == []


def test_whatsapp_rate_limited_is_retried_and_arrives_once(uow, engine, admin, receptionist, doctor, senders,
                                                          whatsapp, providers):
    patient = a_patient(uow, receptionist)
    on_whatsapp(uow, receptionist, patient)
    a_booking(uow, admin, receptionist, doctor, patient)
    whatsapp.rate_limit_next(1)
    assert len(notifications.deliver_due(uow, senders).retrying) == 1
    assert len(notifications.deliver_due(uow, senders, now=utcnow() + timedelta(minutes=1)).sent) == 1
    assert len(whatsapp.messages) == 1 and providers.sms == []


def test_whatsapp_down_every_try_then_sms(uow, engine, admin, receptionist, doctor, senders, whatsapp, providers):
    patient = a_patient(uow, receptionist)
    on_whatsapp(uow, receptionist, patient)
    a_booking(uow, admin, receptionist, doctor, patient)
    whatsapp.fail_next(100, 503)
    now = utcnow()
    for _ in range(MAX_ATTEMPTS):
        notifications.deliver_due(uow, senders, now=now)
        now += timedelta(hours=1)
    first, fallback = rows_of(engine)
    assert first["status"] == "failed" and fallback["channel"] == "sms"
    assert len(notifications.deliver_due(uow, senders, now=now).sent) == 1 and len(providers.sms) == 1


def test_a_whatsapp_message_left_sending_by_a_crash_is_not_resent_nor_sent_by_sms(uow, engine, admin, receptionist,
                                                                                  doctor, senders, whatsapp,
                                                                                  providers):
    patient = a_patient(uow, receptionist)
    on_whatsapp(uow, receptionist, patient)
    a_booking(uow, admin, receptionist, doctor, patient)
    now = utcnow()
    with uow:
        uow.outbox.claim_due(now, now + LEASE, 10)
        uow.commit()
    report = notifications.deliver_due(uow, senders, now=now + LEASE + timedelta(seconds=1))
    assert len(report.abandoned) == 1 and report.sent == []
    (row,) = rows_of(engine)
    assert (row["status"], row["last_error"]) == ("failed", UNKNOWN_OUTCOME)
    assert whatsapp.requests == 0 and providers.requests == 0


def test_consent_withdrawn_after_queueing_is_honoured_at_sending(uow, engine, admin, receptionist, doctor, senders,
                                                                whatsapp, providers):
    patient = a_patient(uow, receptionist)
    on_whatsapp(uow, receptionist, patient)
    a_booking(uow, admin, receptionist, doctor, patient)
    message_channels.set_message_preferences(uow, receptionist, patient, Channel.SMS, {Channel.WHATSAPP: False})
    notifications.deliver_due(uow, senders)
    notifications.deliver_due(uow, senders)
    assert whatsapp.requests == 0 and len(providers.sms) == 1
    first, fallback = rows_of(engine)
    assert "no consent for whatsapp" in first["last_error"] and fallback["status"] == "sent"


def test_no_channel_that_may_take_it_queues_nothing(uow, engine, admin, receptionist, doctor):
    patient = a_patient(uow, receptionist, email=None)
    message_channels.set_message_preferences(uow, receptionist, patient, None, {Channel.SMS: False})
    with engine.begin() as conn:  # SMS chosen on a form before the opt-out was recorded
        conn.execute(text("UPDATE patient_profiles SET preferred_channel = 'sms'"))
    a_booking(uow, admin, receptionist, doctor, patient)
    assert rows_of(engine) == []


# -- delivery status -----------------------------------------------------------------------------------------------


def test_twilio_status_is_polled_with_backoff_until_final(uow, engine, admin, receptionist, doctor, senders,
                                                          providers):
    patient = a_patient(uow, receptionist, email=None)
    message_channels.set_message_preferences(uow, receptionist, patient, Channel.SMS, {})
    a_booking(uow, admin, receptionist, doctor, patient)
    notifications.deliver_due(uow, senders)
    (row,) = rows_of(engine)
    first_check = row["next_status_check_at"]
    assert first_check is not None
    checkers = {Channel.SMS: senders[Channel.SMS]}
    assert message_channels.poll_delivery(uow, checkers, now=first_check - timedelta(seconds=1)) == 0
    assert message_channels.poll_delivery(uow, checkers, now=first_check) == 1
    (row,) = rows_of(engine)
    assert row["delivery_status"] == "sent" and row["next_status_check_at"] == first_check + timedelta(minutes=2)
    providers.statuses[providers.sms[0]["sid"]] = ("undelivered", 30003, "Unreachable destination handset")
    assert message_channels.poll_delivery(uow, checkers, now=row["next_status_check_at"]) == 1
    (row,) = rows_of(engine)
    assert (row["delivery_status"], row["delivery_error"], row["next_status_check_at"]) == (
        "undelivered", "30003 Unreachable destination handset", None)


def test_a_provider_that_cannot_answer_now_is_asked_again_later(uow, engine, admin, receptionist, doctor, senders,
                                                                providers):
    patient = a_patient(uow, receptionist, email=None)
    a_booking(uow, admin, receptionist, doctor, patient)
    notifications.deliver_due(uow, senders)
    (row,) = rows_of(engine)
    providers.fail_next(1, 500)
    checkers = {Channel.SMS: senders[Channel.SMS]}
    assert message_channels.poll_delivery(uow, checkers, now=row["next_status_check_at"]) == 0
    (later,) = rows_of(engine)
    assert later["next_status_check_at"] > row["next_status_check_at"] and later["status_checks"] == 1


def test_whatsapp_messages_are_not_polled_meta_reports_status_only_by_webhook(uow, engine, receptionist, senders,
                                                                             whatsapp):
    patient = a_patient(uow, receptionist)
    on_whatsapp(uow, receptionist, patient)
    bill = a_bill(uow, receptionist, patient)
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    notifications.deliver_due(uow, senders, render_attachment=receipt)
    (row,) = rows_of(engine)
    assert row["status"] == "sent" and row["next_status_check_at"] is None


def test_the_messages_tab_never_shows_a_verification_code(uow, engine, receptionist):
    patient = a_patient(uow, receptionist)
    verification.send_code(uow, receptionist, patient, Channel.SMS)
    (entry,) = message_channels.patient_messages(uow, receptionist, patient)
    assert entry.template.value == "verification_code" and entry.payload["code"] == "••••••"
    assert entry.render().body.count("••••••") == 1


def test_an_sms_not_set_up_on_dlt_hands_the_message_to_email(uow, engine, admin, receptionist, doctor, providers,
                                                             smtp):
    patient = a_patient(uow, receptionist)
    message_channels.set_message_preferences(uow, receptionist, patient, Channel.SMS, {})
    a_booking(uow, admin, receptionist, doctor, patient)
    senders = {Channel.SMS: TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url),
               Channel.EMAIL: SmtpEmail("127.0.0.1", smtp.port, "desk@clinic.example", user=fm.SMTP_USER,
                                        password=fm.SMTP_PASSWORD, ssl_context=smtp.client_context, timeout=5)}
    notifications.deliver_due(uow, senders)  # no DLT template registered: the SMS is held back
    notifications.deliver_due(uow, senders)
    held, mailed = rows_of(engine)
    assert (held["channel"], held["status"]) == ("sms", "not_set_up")
    assert (mailed["channel"], mailed["status"]) == ("email", "sent")
    assert providers.requests == 0 and len(smtp.received) == 1
