"""The message channels against local providers: credentials checked, answers mapped to retry-safe or final."""

from __future__ import annotations

import pytest

from homa_desk.config import Settings
from homa_desk.domain.notifications import Channel
from homa_desk.gateways import messaging
from homa_desk.gateways.email_smtp import SmtpEmail
from homa_desk.gateways.messaging import Outgoing, SendError
from homa_desk.gateways.senders import senders_from_settings
from homa_desk.gateways.sms_twilio import TwilioSms
from homa_desk.gateways.telegram import TelegramBot
from homa_desk.secret_store import set_secret
from tests import fake_messaging as fm

HELLO = Outgoing("+919876543210", "Hello", "नमस्ते from the clinic")


def test_twilio_posts_the_form_with_basic_auth(providers):
    sms = TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url)
    sid = sms.send(HELLO)
    assert sid.startswith("SM")
    assert providers.sms == [{"To": "+919876543210", "From": fm.TWILIO_FROM, "Body": "नमस्ते from the clinic",
                              "sid": sid}]


def test_twilio_wrong_token_and_bad_number_are_final_a_500_is_retried(providers):
    with pytest.raises(SendError) as wrong:
        TwilioSms(fm.TWILIO_SID, "wrong", fm.TWILIO_FROM, base_url=providers.base_url).send(HELLO)
    assert not wrong.value.retry_safe and "401" in wrong.value.message and "wrong" not in wrong.value.message
    sms = TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url)
    with pytest.raises(SendError) as bad:
        sms.send(Outgoing("12345", "", "x"))
    assert not bad.value.retry_safe and "21211" in bad.value.message
    providers.fail_next(1, 500)
    with pytest.raises(SendError) as down:
        sms.send(HELLO)
    assert down.value.retry_safe


def test_telegram_token_in_the_path_and_refusals(providers):
    bot = TelegramBot(fm.BOT_TOKEN, base_url=providers.base_url)
    assert bot.send(Outgoing(fm.CHAT_ID, "", "Collection ₹500")) == "1"
    assert providers.telegram[0]["chat_id"] == fm.CHAT_ID
    with pytest.raises(SendError) as refused:
        TelegramBot("999:wrong", base_url=providers.base_url).send(Outgoing(fm.CHAT_ID, "", "x"))
    assert not refused.value.retry_safe and "wrong" not in refused.value.message


def test_smtp_requires_starttls_and_the_password(tmp_path):
    with fm.FakeSmtp(tmp_path) as server:
        ok = SmtpEmail("127.0.0.1", server.port, "desk@clinic.example", user=fm.SMTP_USER,
                       password=fm.SMTP_PASSWORD, ssl_context=server.client_context)
        assert ok.send(Outgoing("p@patients.example", "Hello", "Body")).startswith("<")
        assert server.tls_used == [True]
        wrong = SmtpEmail("127.0.0.1", server.port, "desk@clinic.example", user=fm.SMTP_USER, password="nope",
                          ssl_context=server.client_context)
        with pytest.raises(SendError) as refused:
            wrong.send(Outgoing("p@patients.example", "Hello", "Body"))
        assert not refused.value.retry_safe and "535" in refused.value.message
        untrusted = SmtpEmail("127.0.0.1", server.port, "desk@clinic.example", user=fm.SMTP_USER,
                              password=fm.SMTP_PASSWORD)  # the system's CAs do not trust the test certificate
        with pytest.raises(SendError, match="TLS"):
            untrusted.send(Outgoing("p@patients.example", "Hello", "Body"))
    with pytest.raises(SendError) as down:
        ok.send(Outgoing("p@patients.example", "Hello", "Body"))
    assert down.value.retry_safe


def test_only_configured_channels_get_a_sender():
    assert senders_from_settings(Settings()) == {}
    set_secret(messaging.TWILIO_TOKEN, "t")
    set_secret(messaging.TELEGRAM_TOKEN, "b")
    settings = Settings(twilio_account_sid=fm.TWILIO_SID, twilio_from_number=fm.TWILIO_FROM, smtp_host="smtp.x",
                        smtp_from="desk@x.example")
    assert set(senders_from_settings(settings)) == {Channel.SMS, Channel.EMAIL, Channel.TELEGRAM}
