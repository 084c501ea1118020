"""The message channels a desk's settings configure, each with its secret from the keyring."""

from __future__ import annotations

from homa_desk.config import Settings
from homa_desk.domain.notifications import Channel
from homa_desk.gateways.email_smtp import SmtpEmail
from homa_desk.gateways.messaging import EXOTEL_TOKEN, SMTP_PASSWORD, TELEGRAM_TOKEN, TWILIO_TOKEN, MessageSender
from homa_desk.gateways.sms_exotel import ExotelSms
from homa_desk.gateways.sms_twilio import TwilioSms
from homa_desk.gateways.telegram import TelegramBot
from homa_desk.secret_store import get_secret


def senders_from_settings(settings: Settings) -> dict[Channel, MessageSender]:
    """The channels this clinic has set up (the others' messages wait in the outbox until they are)."""
    senders: dict[Channel, MessageSender] = {}
    sms = _exotel(settings) if settings.sms_provider == "exotel" else _twilio(settings)
    if sms is not None:
        senders[Channel.SMS] = sms
    if settings.smtp_host and settings.smtp_from:
        password = get_secret(SMTP_PASSWORD) if settings.smtp_user else None
        senders[Channel.EMAIL] = SmtpEmail(settings.smtp_host, settings.smtp_port, settings.smtp_from,
                                           user=settings.smtp_user or None, password=password,
                                           starttls=settings.smtp_starttls)
    bot = get_secret(TELEGRAM_TOKEN)
    if bot:
        senders[Channel.TELEGRAM] = TelegramBot(bot, base_url=settings.telegram_base_url)
    return senders


def _twilio(settings: Settings) -> MessageSender | None:
    token = get_secret(TWILIO_TOKEN)
    if settings.twilio_account_sid and settings.twilio_from_number and token:
        return TwilioSms(settings.twilio_account_sid, token, settings.twilio_from_number,
                         base_url=settings.twilio_base_url)
    return None


def _exotel(settings: Settings) -> MessageSender | None:
    token = get_secret(EXOTEL_TOKEN)
    if settings.exotel_account_sid and settings.exotel_api_key and token:
        return ExotelSms(settings.exotel_account_sid, settings.exotel_api_key, token,
                         base_url=settings.exotel_base_url)
    return None
