"""Contact verification: a six-digit code through the outbox, hashed, 10 minutes, 5 tries, then is_verified."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from homa_desk.domain import verification as rules
from homa_desk.domain.errors import ValidationError
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import verification
from tests.services.notification_helpers import a_patient, dlt_registered, outbox_rows


def sent_code(engine) -> str:  # type: ignore[no-untyped-def]
    return outbox_rows(engine)[-1]["payload"]["code"]


def is_verified(engine, user_id: int) -> bool:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(text("SELECT is_verified FROM users WHERE id = :u"), {"u": user_id}).scalar_one()


def test_a_code_by_sms_verifies_the_contact(uow, engine, receptionist):
    patient = a_patient(uow, receptionist)
    sent = verification.send_code(uow, receptionist, patient, "sms")
    (row,) = outbox_rows(engine)
    assert (row["channel"], row["recipient"], row["template"]) == ("sms", "+919876543210", "verification_code")
    code = row["payload"]["code"]
    assert len(code) == 6 and code.isdigit()
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT code_hash, salt FROM verification_codes")).one()
    assert code not in stored.code_hash and rules.code_matches(code, stored.salt, stored.code_hash)
    assert sent.expires_at - utcnow() <= timedelta(minutes=10)
    assert verification.check_code(uow, receptionist, patient, code)
    assert is_verified(engine, patient)
    with pytest.raises(ValidationError, match="No code"):
        verification.check_code(uow, receptionist, patient, code)  # used once only


def test_five_wrong_tries_use_up_the_code(uow, engine, receptionist):
    patient = a_patient(uow, receptionist)
    verification.send_code(uow, receptionist, patient, "email")
    code = sent_code(engine)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationError, match=f"{left} tries left"):
            verification.check_code(uow, receptionist, patient, wrong)
    with pytest.raises(ValidationError, match="Too many"):
        verification.check_code(uow, receptionist, patient, wrong)
    with pytest.raises(ValidationError, match="Too many"):
        verification.check_code(uow, receptionist, patient, code)
    assert not is_verified(engine, patient)


def test_an_expired_code_and_a_replaced_code_do_not_work(uow, engine, receptionist):
    patient = a_patient(uow, receptionist)
    verification.send_code(uow, receptionist, patient, "sms", now=utcnow() - timedelta(minutes=11))
    old = sent_code(engine)
    with pytest.raises(ValidationError, match="expired"):
        verification.check_code(uow, receptionist, patient, old)
    verification.send_code(uow, receptionist, patient, "sms")
    new = sent_code(engine)
    if new != old:
        with pytest.raises(ValidationError):
            verification.check_code(uow, receptionist, patient, old)
    assert verification.check_code(uow, receptionist, patient, new)


def test_no_address_no_code(uow, receptionist):
    patient = a_patient(uow, receptionist, email=None)
    with pytest.raises(ValidationError) as refused:
        verification.send_code(uow, receptionist, patient, "email")
    assert refused.value.field == "email"


def test_the_code_leaves_the_outbox_once_its_message_is_sent(uow, engine, receptionist):
    from homa_desk.domain.notifications import Channel
    from homa_desk.gateways.sms_twilio import TwilioSms
    from homa_desk.services import notifications
    from tests import fake_messaging as fm

    patient = a_patient(uow, receptionist)
    verification.send_code(uow, receptionist, patient, "sms")
    assert "code" in outbox_rows(engine)[-1]["payload"]
    dlt_registered(engine)
    with fm.FakeProviders() as providers:
        sms = TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url, timeout=(2, 1))
        assert len(notifications.deliver_due(uow, {Channel.SMS: sms}).sent) == 1
    assert "code" not in outbox_rows(engine)[-1]["payload"]


def test_staff_see_that_a_code_was_sent_never_the_code(uow, engine, admin, receptionist):
    from homa_desk.db.outbox_repository import CODE_HIDDEN
    from homa_desk.domain.notifications import Template
    from homa_desk.services import notifications

    patient = a_patient(uow, receptionist)
    verification.send_code(uow, receptionist, patient, "sms")
    code = sent_code(engine)  # waiting to be sent: the row must still carry it
    for actor in (admin, receptionist):
        (entry,) = [e for e in notifications.recent_messages(uow, actor) if e.template is Template.VERIFICATION]
        shown = repr(entry) + entry.render().body + entry.render().subject
        assert code not in shown
        assert CODE_HIDDEN in entry.render().body


def test_a_failed_code_message_is_not_sent_again_without_its_code(uow, engine, admin, receptionist):
    from homa_desk.services import notifications

    patient = a_patient(uow, receptionist)
    verification.send_code(uow, receptionist, patient, "sms")
    message_id = outbox_rows(engine)[-1]["id"]
    with uow:
        uow.outbox.mark_failed(message_id, "the provider refused it")
        uow.commit()
    with pytest.raises(ValidationError, match="send a new code"):
        notifications.send_again(uow, admin, message_id)
