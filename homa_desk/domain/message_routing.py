"""Which channel a patient's message goes by: consent, the patient's preferred channel, the clinic's fallback rule.

Consent follows the channels' own rules. WhatsApp's Business Messaging Policy requires the person's opt-in before a
business messages them, so WhatsApp needs consent recorded as given. Appointment and payment SMS and e-mails are
transactional (under TRAI's DLT rules a service-implicit message needs no separate opt-in), so they go unless the
patient opted out. A message goes by ONE channel: the first that can take it; the rest are its fallbacks, tried in
order only after a delivery failed for good (never after a timeout, when the first may have arrived).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from homa_desk.domain.errors import ValidationError
from homa_desk.domain.notifications import Channel, OutboxEntry, OutboxStatus, Template, sms_number

PATIENT_CHANNELS = (Channel.WHATSAPP, Channel.SMS, Channel.EMAIL)
DEFAULT_FALLBACK = (Channel.WHATSAPP, Channel.SMS, Channel.EMAIL)
FALLBACK_SETTING = "message_fallback"  # clinic_settings key: the channels in the clinic's order, "whatsapp,sms"
NEEDS_OPT_IN = frozenset({Channel.WHATSAPP})

CHANNEL_LABELS = {Channel.WHATSAPP: "WhatsApp", Channel.SMS: "SMS", Channel.EMAIL: "E-mail",
                  Channel.TELEGRAM: "Telegram"}


class Consent(enum.StrEnum):
    GRANTED = "granted"
    OPTED_OUT = "opted_out"
    NOT_ASKED = "not_asked"


@dataclass(frozen=True)
class ConsentRecord:
    channel: Channel
    consent: Consent
    recorded_at: datetime | None = None
    recorded_by: str | None = None


def may_send(channel: Channel, consent: Consent) -> bool:
    if consent is Consent.OPTED_OUT:
        return False
    return consent is Consent.GRANTED or channel not in NEEDS_OPT_IN


def address_for(channel: Channel, phone: str | None, email: str | None) -> str | None:
    if channel in (Channel.SMS, Channel.WHATSAPP):
        return sms_number(phone)
    if channel is Channel.EMAIL:
        return (email or "").strip() or None
    return None


def route(preferred: Channel | None, rule: Sequence[Channel], consents: Mapping[Channel, Consent],
          phone: str | None, email: str | None) -> list[Channel]:
    """The channels to try in order: the preferred one first, then the clinic's rule; each only when the patient can
    be reached on it and allows it. Empty when none can take the message."""
    order = ([preferred] if preferred else []) + [c for c in rule if c != preferred]
    return [c for c in order
            if address_for(c, phone, email) and may_send(c, consents.get(c, Consent.NOT_ASKED))]


def parse_rule(text: str | Iterable[str] | None) -> tuple[Channel, ...]:
    """The clinic's fallback rule from its stored form; the default when unset."""
    if text is None:
        return DEFAULT_FALLBACK
    parts = text.split(",") if isinstance(text, str) else list(text)
    chosen: list[Channel] = []
    for part in parts:
        try:
            channel = Channel(part.strip())
        except ValueError:
            raise ValidationError("fallback", "Unknown channel: {name}", name=part.strip()) from None
        if channel not in PATIENT_CHANNELS:
            raise ValidationError("fallback", "Patients' messages go by WhatsApp, SMS or e-mail.")
        if channel not in chosen:
            chosen.append(channel)
    if not chosen:
        raise ValidationError("fallback", "Choose at least one channel.")
    return tuple(chosen)


def channel_list(channels: Iterable[Channel]) -> str:
    return ",".join(c.value for c in channels)


def channels_from(text: str | None) -> tuple[Channel, ...]:
    return tuple(Channel(c) for c in (text or "").split(",") if c)


# -- WhatsApp templates: the variables each approved template takes, in order ({{1}}, {{2}}, …) --------------------

WHATSAPP_VARIABLES: dict[Template, tuple[str, ...]] = {
    Template.BOOKED: ("patient_name", "doctor_name", "clinic_name", "when"),
    Template.RESCHEDULED: ("patient_name", "doctor_name", "clinic_name", "when"),
    Template.CANCELLED: ("patient_name", "doctor_name", "clinic_name", "when"),
    Template.REMINDER: ("patient_name", "doctor_name", "clinic_name", "when"),
    Template.PAYMENT: ("patient_name", "amount", "method", "bill_number", "clinic_name"),
}
WHATSAPP_LANGUAGE_CODES = {"en": "en", "hi": "hi"}


def whatsapp_variables(template: Template, payload: Mapping[str, object]) -> tuple[str, ...]:
    """The values for the template's {{n}} placeholders; WhatsApp refuses an empty parameter: blanks become "-"."""
    return tuple(str(payload.get(name) or "-") for name in WHATSAPP_VARIABLES[template])


# -- delivery status, as the desk asks the provider ----------------------------------------------------------------

FINAL_DELIVERY = frozenset({"delivered", "read", "undelivered", "failed", "canceled"})
FIRST_STATUS_CHECK = timedelta(minutes=1)
LONGEST_STATUS_CHECK = timedelta(hours=1)
STOP_CHECKING_AFTER = timedelta(hours=48)


def next_status_check(checks: int) -> timedelta:
    """Backoff between status questions: 1, 2, 4 … minutes, at most an hour."""
    return min(FIRST_STATUS_CHECK * (2 ** max(checks, 0)), LONGEST_STATUS_CHECK)


DELIVERY_WORDS = {"delivered": "Delivered", "read": "Read", "undelivered": "Not delivered", "failed": "Not delivered",
                  "canceled": "Not delivered"}


def delivery_state(entry: OutboxEntry) -> tuple[str, str]:
    """What the Messages tab says of one delivery: its state word and the reason, the provider's when it gave one."""
    if entry.status is OutboxStatus.FAILED:
        return "Failed", entry.last_error or ""
    if entry.status is OutboxStatus.NOT_SET_UP:
        return "Not set up", entry.last_error or ""
    if entry.status is OutboxStatus.PENDING:
        return ("Will retry", entry.last_error) if entry.last_error else ("Waiting to send", "")
    if entry.status is OutboxStatus.SENDING:
        return "Sending", ""
    word = DELIVERY_WORDS.get(entry.delivery_status or "", "Sent")
    return word, entry.delivery_error or ""


def check_choice(preferred: Channel | None, agreed: Mapping[Channel, bool]) -> None:
    """The form's rule before anything is saved: the chosen channel must be one the patient agrees to."""
    if preferred is not None and not agreed.get(preferred, False):
        raise ValidationError("preferred_channel", "WhatsApp needs the patient's consent first."
                              if preferred is Channel.WHATSAPP else "The patient opted out of this channel.")
