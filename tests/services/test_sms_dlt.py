"""SMS to India under DLT, through the outbox: held back when not set up, refused before sending when the text
could not match, delivered through Exotel with the DLT IDs, and never twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.dlt import suggested_text
from homa_desk.domain.errors import FormErrors, PermissionDenied
from homa_desk.domain.message_routing import delivery_state
from homa_desk.domain.notifications import LEASE, UNKNOWN_OUTCOME, Channel, Language, NewMessage, Template
from homa_desk.domain.timeutil import utcnow
from homa_desk.gateways.sms_exotel import ExotelSms
from homa_desk.gateways.sms_twilio import TwilioSms
from homa_desk.services import billing, message_channels, notifications, sms_dlt
from homa_desk.services.sms_dlt import DltForm, id_field, text_field
from tests import fake_messaging as fm
from tests.gateways import fake_exotel as fx
from tests.services.billing_helpers import a_bill
from tests.services.notification_helpers import (
    a_booking,
    a_patient,
    dlt_registered,
    outbox_rows,
    rows_of,
    speaks_hindi,
)


@pytest.fixture
def exotel(engine):
    """A local Exotel that knows the clinic's templates, and the clinic registered on DLT with them."""
    with fx.FakeExotel() as server:
        for (kind, language), template_id in dlt_registered(engine).items():
            server.register(template_id, suggested_text(Template(kind), Language(language)))
        yield server


def exotel_sms(server, timeout=(2, 1)) -> dict:
    return {Channel.SMS: ExotelSms(fx.ACCOUNT_SID, fx.API_KEY, fx.API_TOKEN, base_url=server.base_url,
                                   timeout=timeout)}


def paid(uow, receptionist, *, hindi_in=None, **patient) -> int:
    patient_id = a_patient(uow, receptionist, email=None, **patient)
    if hindi_in is not None:
        speaks_hindi(hindi_in, patient_id)
    bill = a_bill(uow, receptionist, patient_id)
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    return patient_id


def sms_row(engine) -> dict:
    (row,) = [r for r in outbox_rows(engine) if r["channel"] == "sms"]
    return row


def test_a_kind_without_a_template_is_not_sent_and_says_where_to_set_it_up(uow, engine, receptionist, providers):
    paid(uow, receptionist)
    twilio = TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url)
    report = notifications.deliver_due(uow, {Channel.SMS: twilio})
    row = sms_row(engine)
    assert report.not_set_up == [row["id"]] and report.failed == report.retrying == []
    assert row["status"] == "not_set_up"
    assert row["last_error"] == ("not set up: no DLT template for payment received (English); an admin adds it in"
                                 " Settings → Messages")
    assert providers.requests == 0
    assert notifications.deliver_due(uow, {Channel.SMS: twilio}, now=utcnow() + timedelta(days=1)).sent == []
    assert providers.requests == 0 and sms_row(engine)["status"] == "not_set_up"


def test_a_template_without_the_entity_id_and_header_is_not_set_up_either(uow, engine, receptionist, exotel):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM clinic_settings WHERE key IN ('dlt_entity_id', 'dlt_header')"))
    paid(uow, receptionist)
    assert len(notifications.deliver_due(uow, exotel_sms(exotel)).not_set_up) == 1
    assert exotel.requests == 0


def test_through_exotel_the_registered_text_goes_with_its_ids_and_is_delivered(uow, engine, receptionist, exotel):
    paid(uow, receptionist)
    assert len(notifications.deliver_due(uow, exotel_sms(exotel)).sent) == 1
    assert exotel.blocked == []
    (sent,) = exotel.delivered
    assert (sent["DltEntityId"], sent["From"], sent["EncodingType"]) == (fx.ENTITY_ID, fx.HEADER, "plain")
    assert sent["DltTemplateId"] == dlt_registered(engine)[("payment_received", "en")]
    assert "Rs.500.00" in sent["Body"] and "₹" not in sent["Body"]
    assert sms_row(engine)["provider_message_id"] == sent["Sid"]


def test_a_hindi_speaker_gets_the_hindi_template_as_unicode(uow, engine, receptionist, exotel):
    paid(uow, receptionist, hindi_in=engine)
    notifications.deliver_due(uow, exotel_sms(exotel))
    (sent,) = exotel.delivered
    assert sent["EncodingType"] == "unicode" and "प्राप्त" in sent["Body"] and "₹500.00" in sent["Body"]


@pytest.mark.parametrize(("name", "reason"), [
    ("Venkata Lakshmi Narasimha Raju Prasad", "variable 1 is 37 characters; DLT allows at most 30"),
    ("प्रिया शर्मा", "variable 1 has characters a plain-text (English) template cannot carry"),
])
def test_a_text_that_would_not_match_is_refused_before_sending(uow, engine, receptionist, exotel, name, reason):
    paid(uow, receptionist, name=name)
    report = notifications.deliver_due(uow, exotel_sms(exotel))
    row = sms_row(engine)
    assert report.failed == [row["id"]] and row["status"] == "failed"
    assert row["last_error"].startswith("refused before sending: ") and reason in row["last_error"]
    assert exotel.requests == 0


def test_a_number_abroad_is_not_under_dlt_and_keeps_the_desks_text(uow, engine, receptionist, providers):
    payload = {"patient_name": "Priya", "amount": "₹500.00", "method": "Cash", "bill_number": "B-1",
               "clinic_name": "Homa Clinic"}
    with uow:
        notifications.queue_message(uow, NewMessage(Channel.SMS, "+447700900123", Template.PAYMENT,
                                                    Language.ENGLISH, payload, "abroad:sms"))
        uow.commit()
    twilio = TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url)
    assert len(notifications.deliver_due(uow, {Channel.SMS: twilio}).sent) == 1
    assert providers.sms[0]["To"] == "+447700900123" and "₹500.00" in providers.sms[0]["Body"]


def test_twilio_sends_the_registered_text_to_india(uow, engine, admin, receptionist, doctor, providers):
    ids = dlt_registered(engine)
    patient = a_patient(uow, receptionist, email=None)
    a_booking(uow, admin, receptionist, doctor, patient)
    twilio = TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url)
    notifications.deliver_due(uow, {Channel.SMS: twilio})
    (sent,) = providers.sms
    assert set(sent) == {"To", "From", "Body", "sid"}  # Twilio's API takes no DLT ids: it matches the content
    assert sent["Body"].startswith("Dear Priya Sharma, your appointment with") and ids


# -- never twice ------------------------------------------------------------------------------------------------


def test_exotel_429_and_5xx_are_retried_and_the_sms_arrives_once(uow, engine, receptionist, exotel):
    paid(uow, receptionist)
    exotel.fail_next(1, 429)
    assert len(notifications.deliver_due(uow, exotel_sms(exotel)).retrying) == 1
    exotel.fail_next(1, 503)
    assert len(notifications.deliver_due(uow, exotel_sms(exotel), now=utcnow() + timedelta(minutes=1)).retrying) == 1
    report = notifications.deliver_due(uow, exotel_sms(exotel), now=utcnow() + timedelta(minutes=5))
    assert len(report.sent) == 1 and len(exotel.delivered) == 1
    assert notifications.deliver_due(uow, exotel_sms(exotel), now=utcnow() + timedelta(hours=2)).sent == []
    assert len(exotel.delivered) == 1


def test_an_exotel_timeout_after_sending_is_never_retried(uow, engine, receptionist, exotel):
    paid(uow, receptionist)
    exotel.stall_next(1, 2)
    assert len(notifications.deliver_due(uow, exotel_sms(exotel, timeout=(2, 0.5))).failed) == 1
    assert "may have gone" in sms_row(engine)["last_error"]
    assert notifications.deliver_due(uow, exotel_sms(exotel), now=utcnow() + timedelta(hours=2)).sent == []
    assert exotel.requests == 1


def test_an_exotel_sms_left_sending_by_a_crash_is_failed_not_resent(uow, engine, receptionist, exotel):
    paid(uow, receptionist)
    now = utcnow()
    with uow:
        (claimed,) = uow.outbox.claim_due(now, now + LEASE, 10, channels=[Channel.SMS])
        uow.commit()
    report = notifications.deliver_due(uow, exotel_sms(exotel), now=now + LEASE + timedelta(seconds=1))
    assert report.abandoned == [claimed.id] and report.sent == []
    assert sms_row(engine)["last_error"] == UNKNOWN_OUTCOME and exotel.requests == 0


# -- Settings → Messages ------------------------------------------------------------------------------------------


def a_form(**templates: tuple[str, str]) -> DltForm:
    return DltForm("1201159100000000001", "homacl",
                   {(Template(k.split("__")[0]), Language(k.split("__")[1])): v for k, v in templates.items()})


def test_an_admin_saves_the_registration_audited_and_each_bad_field_is_named(uow, engine, admin, receptionist):
    with pytest.raises(PermissionDenied):
        sms_dlt.save_dlt_setup(uow, receptionist, a_form())
    with pytest.raises(PermissionDenied):
        sms_dlt.load_dlt_setup(uow, receptionist)
    bad = DltForm("12-34", "HOMA1", {(Template.BOOKED, Language.ENGLISH): ("abc", "Hello {#var#}"),
                                     (Template.PAYMENT, Language.HINDI): ("1107160000000000001", "भुगतान {#var#}")})
    with pytest.raises(FormErrors) as refused:
        sms_dlt.save_dlt_setup(uow, admin, bad)
    fields = refused.value.by_field()
    assert set(fields) == {"dlt_entity_id", "dlt_header", id_field(Template.BOOKED, Language.ENGLISH),
                           text_field(Template.PAYMENT, Language.HINDI)}
    assert "in this order: patient's name, clinic, bill number, amount, payment method" in \
        fields[text_field(Template.PAYMENT, Language.HINDI)]
    english = suggested_text(Template.BOOKED, Language.ENGLISH)
    saved = sms_dlt.save_dlt_setup(uow, admin, a_form(appointment_booked__en=("1107160000000000011", english)))
    assert (saved.entity_id, saved.header) == ("1201159100000000001", "HOMACL")
    assert saved.templates[(Template.BOOKED, Language.ENGLISH)].text == english
    with engine.connect() as conn:
        after = conn.execute(text("SELECT after FROM audit_log WHERE action = 'sms_dlt_changed'")).scalar_one()
    assert after["templates"] == {"appointment_booked:en": ["1107160000000000011", english]}
    cleared = sms_dlt.save_dlt_setup(uow, admin, a_form(appointment_booked__en=("", "")))
    assert cleared.templates == {}


def test_the_settings_page_counts_the_sms_held_back(uow, engine, admin, receptionist, providers):
    paid(uow, receptionist)
    twilio = TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url)
    notifications.deliver_due(uow, {Channel.SMS: twilio})
    assert sms_dlt.load_dlt_setup(uow, admin).not_set_up == {(Template.PAYMENT, Language.ENGLISH): 1}
    dlt_registered(engine)
    notifications.send_again(uow, admin, sms_row(engine)["id"])  # set up now: an admin sends it after all
    assert len(notifications.deliver_due(uow, {Channel.SMS: twilio}).sent) == 1


@pytest.mark.parametrize(("key", "value"), [("dlt_entity_id", "12-34"), ("dlt_header", "homacl")])
def test_the_database_refuses_a_malformed_entity_id_or_header(engine, key, value):
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO clinic_settings (key, value) VALUES (:k, to_jsonb(CAST(:v AS text)))"),
                     {"k": key, "v": value})


def test_the_database_refuses_a_template_of_an_unknown_kind_or_a_bad_id(engine):
    for kind, template_id in (("daily_collection", "1107160000000000001"), ("appointment_booked", "12ab")):
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO sms_dlt_templates (template, language, dlt_template_id, body)"
                              " VALUES (:k, 'en', :i, 'Hello {#var#}')"), {"k": kind, "i": template_id})


# -- delivery status through Exotel's SMS Details API ---------------------------------------------------------------


def test_exotel_status_is_polled_with_twilios_backoff_and_shows_exotels_reason(uow, engine, receptionist, exotel):
    """Exotel's SMS, like Twilio's, is asked after 1, 2, 4 … minutes until final; the Messages tab then says
    delivered, or not delivered with Exotel's detailed status."""
    ids = dlt_registered(engine)
    exotel.register(ids[("payment_received", "en")], "Paid {#var#} {#var#} {#var#} {#var#} {#var#}")  # DLT drift
    first = paid(uow, receptionist, phone="9876543210")
    notifications.deliver_due(uow, exotel_sms(exotel))
    row = rows_of(engine)[0]
    assert row["status"] == "sent" and row["next_status_check_at"] is not None
    checkers = {Channel.SMS: exotel_sms(exotel)[Channel.SMS]}
    due = row["next_status_check_at"]
    assert message_channels.poll_delivery(uow, checkers, now=due - timedelta(seconds=1)) == 0
    assert message_channels.poll_delivery(uow, checkers, now=due) == 1
    row = rows_of(engine)[0]
    assert row["delivery_status"] == "submitted" and row["next_status_check_at"] == due + timedelta(minutes=2)
    exotel.settle()
    assert message_channels.poll_delivery(uow, checkers, now=row["next_status_check_at"]) == 1
    row = rows_of(engine)[0]
    assert (row["delivery_status"], row["delivery_error"], row["next_status_check_at"]) == (
        "undelivered", "23082 FAILED_DLT_TEMPLATE", None)
    (entry,) = message_channels.patient_messages(uow, receptionist, first)
    assert delivery_state(entry) == ("Not delivered", "23082 FAILED_DLT_TEMPLATE")


def test_an_exotel_sms_confirmed_on_the_handset_shows_delivered(uow, engine, receptionist, exotel):
    patient = paid(uow, receptionist)
    notifications.deliver_due(uow, exotel_sms(exotel))
    exotel.settle()
    checkers = {Channel.SMS: exotel_sms(exotel)[Channel.SMS]}
    exotel.fail_next(1, 429)
    due = rows_of(engine)[0]["next_status_check_at"]
    assert message_channels.poll_delivery(uow, checkers, now=due) == 0
    assert message_channels.poll_delivery(uow, checkers, now=due + timedelta(minutes=2)) == 1
    (entry,) = message_channels.patient_messages(uow, receptionist, patient)
    assert delivery_state(entry) == ("Delivered", "") and rows_of(engine)[0]["next_status_check_at"] is None


def test_two_desks_sending_and_polling_at_once_send_and_ask_each_sms_once(uow, engine, receptionist, exotel):
    """Two desks' background senders run the same round at the same moment against a slow Exotel: the lease
    (FOR UPDATE SKIP LOCKED, committed before the provider is called) gives each SMS to one desk, and each status
    question is asked by one desk."""
    for number, name in enumerate(("Anil", "Bina", "Chetan", "Divya")):
        paid(uow, receptionist, name=f"{name} Rao", phone=f"98765000{number:02d}")
    exotel.stall_next(8, 0.3)
    barrier = threading.Barrier(2)
    reports: list = []

    def desk(work) -> None:
        barrier.wait()
        reports.append(work())

    def run_both(make_work) -> None:
        threads = [threading.Thread(target=desk, args=(make_work(UnitOfWork(engine)),)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)

    run_both(lambda own: lambda: notifications.deliver_due(own, exotel_sms(exotel, timeout=(2, 5))))
    sent = [i for report in reports for i in report.sent]
    assert len(sent) == len(set(sent)) == 4 and len(exotel.delivered) == 4
    assert len({m["To"] for m in exotel.delivered}) == 4
    exotel.settle()
    requests_before = exotel.requests
    later = utcnow() + timedelta(minutes=2)
    reports.clear()
    run_both(lambda own: lambda: message_channels.poll_delivery(own, {Channel.SMS: exotel_sms(exotel)[Channel.SMS]},
                                                                now=later))
    assert sum(reports) == 4 and exotel.requests - requests_before == 4
    assert {r["delivery_status"] for r in rows_of(engine)} == {"delivered"}


def test_an_opt_out_recorded_while_the_sms_waits_is_honoured_at_sending(uow, engine, receptionist, exotel):
    """A patient who chose no channel gets SMS by default; saying no at the desk before the sender's round stops
    the SMS already queued, before any provider call."""
    patient = paid(uow, receptionist)
    message_channels.set_message_preferences(uow, receptionist, patient, None, {Channel.SMS: False})
    report = notifications.deliver_due(uow, exotel_sms(exotel))
    row = sms_row(engine)
    assert report.failed == [row["id"]] and row["status"] == "failed"
    assert row["last_error"].startswith("not sent: the patient has no consent for sms")
    assert exotel.requests == 0


def test_an_sms_taken_without_an_id_is_sent_and_never_asked_about(uow, engine, receptionist, exotel):
    """Without the provider's id there is nothing to ask: no status question is scheduled (it would be a 404 every
    hour for two days)."""
    paid(uow, receptionist)
    exotel.fail_next(1, 200)
    assert len(notifications.deliver_due(uow, exotel_sms(exotel)).sent) == 1
    (row,) = rows_of(engine)
    assert row["status"] == "sent" and row["next_status_check_at"] is None
