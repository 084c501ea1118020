"""Which channel a message goes by, without I/O: consent rules, the preferred channel, the clinic's order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from homa_desk.domain.errors import ValidationError
from homa_desk.domain.message_routing import (
    DEFAULT_FALLBACK,
    Consent,
    check_choice,
    delivery_state,
    next_status_check,
    parse_rule,
    route,
    whatsapp_variables,
)
from homa_desk.domain.notifications import Channel, Language, OutboxEntry, OutboxStatus, Template
from homa_desk.domain.timeutil import utcnow

W, S, E = Channel.WHATSAPP, Channel.SMS, Channel.EMAIL
PHONE, MAIL = "98765 43210", "p@patients.example"


def test_whatsapp_needs_a_yes_sms_and_email_only_need_no_opt_out():
    assert route(W, DEFAULT_FALLBACK, {}, PHONE, MAIL) == [S, E]
    assert route(W, DEFAULT_FALLBACK, {W: Consent.GRANTED}, PHONE, MAIL) == [W, S, E]
    assert route(None, DEFAULT_FALLBACK, {W: Consent.GRANTED, S: Consent.OPTED_OUT}, PHONE, MAIL) == [W, E]


def test_the_preferred_channel_comes_first_then_the_clinics_order():
    consents = {W: Consent.GRANTED}
    assert route(E, (W, S), consents, PHONE, MAIL) == [E, W, S]
    assert route(S, (W, S, E), consents, PHONE, None) == [S, W]
    assert route(S, (W, S, E), consents, "12345", None) == []  # no mobile, no address


def test_the_clinics_order_is_checked():
    assert parse_rule(None) == DEFAULT_FALLBACK
    assert parse_rule("sms, whatsapp,sms") == (S, W)
    for bad in ("telegram", "", "fax"):
        with pytest.raises(ValidationError):
            parse_rule(bad)


def test_the_form_refuses_a_channel_without_its_yes():
    check_choice(W, {W: True})
    check_choice(None, {})
    with pytest.raises(ValidationError, match="consent"):
        check_choice(W, {W: False})
    with pytest.raises(ValidationError, match="opted out"):
        check_choice(S, {S: False})


def test_template_variables_in_order_and_never_empty():
    payload = {"patient_name": "Priya", "doctor_name": "", "clinic_name": "Sunrise", "when": "05 Dec 10:00"}
    assert whatsapp_variables(Template.BOOKED, payload) == ("Priya", "-", "Sunrise", "05 Dec 10:00")


def test_status_questions_back_off_to_an_hour():
    assert [next_status_check(n) for n in (0, 1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert next_status_check(20) == timedelta(hours=1)


def entry(status: OutboxStatus, **kw) -> OutboxEntry:
    return OutboxEntry(1, S, "+919876543210", Template.BOOKED, Language.ENGLISH, {}, status, 1, utcnow(), "k", **kw)


def test_what_the_messages_tab_says():
    assert delivery_state(entry(OutboxStatus.PENDING)) == ("Waiting to send", "")
    assert delivery_state(entry(OutboxStatus.PENDING, last_error="Twilio answered 503")) == (
        "Will retry", "Twilio answered 503")
    assert delivery_state(entry(OutboxStatus.FAILED, last_error="gave up")) == ("Failed", "gave up")
    assert delivery_state(entry(OutboxStatus.SENT)) == ("Sent", "")
    assert delivery_state(entry(OutboxStatus.SENT, delivery_status="delivered")) == ("Delivered", "")
    assert delivery_state(entry(OutboxStatus.SENT, delivery_status="undelivered", delivery_error="30003 x")) == (
        "Not delivered", "30003 x")
