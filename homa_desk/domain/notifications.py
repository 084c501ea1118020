"""Messages to patients and the clinic's owner: channels, languages, rendering, and the sender's retry rule.

No I/O here: the outbox rows are written by the services in the event's own transaction, and the gateways send.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from homa_desk.domain.errors import ValidationError
from homa_desk.domain.notification_templates import TEMPLATES

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
LEASE = timedelta(minutes=10)  # a `sending` row older than this was left by a desk that stopped mid-send
UNKNOWN_OUTCOME = "unknown outcome after crash: not resent, so the recipient never gets it twice"


class Channel(enum.StrEnum):
    SMS = "sms"
    EMAIL = "email"
    TELEGRAM = "telegram"


class Language(enum.StrEnum):
    ENGLISH = "en"
    HINDI = "hi"

    @property
    def label(self) -> str:
        return {"en": "English", "hi": "हिन्दी (Hindi)"}[self.value]


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    NOT_SET_UP = "not_set_up"  # an SMS with no registered DLT template: held back, never retried by itself


class Template(enum.StrEnum):
    BOOKED = "appointment_booked"
    RESCHEDULED = "appointment_rescheduled"
    CANCELLED = "appointment_cancelled"
    REMINDER = "appointment_reminder"
    PAYMENT = "payment_received"
    VERIFICATION = "verification_code"
    DAILY_COLLECTION = "daily_collection"


@dataclass(frozen=True)
class NewMessage:
    """One message for the outbox; `key` makes it idempotent (a second add with the same key is ignored)."""

    channel: Channel
    recipient: str
    template: Template
    language: Language
    payload: dict[str, Any]
    key: str
    attachment_bill_id: int | None = None


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


@dataclass(frozen=True)
class OutboxEntry:
    """An outbox row as the sender and the admin see it."""

    id: int
    channel: Channel
    recipient: str
    template: Template
    language: Language
    payload: dict[str, Any]
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    key: str
    attachment_bill_id: int | None = None
    last_error: str | None = None
    provider_message_id: str | None = None
    sent_at: datetime | None = None
    created_at: datetime | None = field(default=None, compare=False)

    def render(self) -> Rendered:
        return render(self.template, self.language, self.payload)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def render(template: Template | str, language: Language | str, payload: dict[str, Any]) -> Rendered:
    texts = TEMPLATES[Template(template).value]
    subject, body = texts.get(Language(language).value) or texts["en"]
    values = _Blank({k: "" if v is None else str(v) for k, v in payload.items()})
    return Rendered(subject.format_map(values), body.format_map(values))


def language_of(value: str | None) -> Language:
    try:
        return Language(value or "en")
    except ValueError:
        return Language.ENGLISH


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the `attempts`-th failed try: 30 s, 1 min, 2 min, … at most an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def should_give_up(attempts: int, max_attempts: int = MAX_ATTEMPTS) -> bool:
    return attempts >= max_attempts


_PHONE = re.compile(r"^\+?[0-9]{10,15}$")


def sms_number(phone: str | None) -> str | None:
    """The phone in E.164 for SMS (+91 for ten-digit Indian numbers); None when it cannot be an SMS number."""
    digits = re.sub(r"[\s()-]", "", phone or "")
    if not _PHONE.match(digits):
        return None
    if digits.startswith("+"):
        return digits
    if len(digits) == 10 and digits[0] in "6789":
        return "+91" + digits
    if len(digits) == 12 and digits.startswith("91"):
        return "+" + digits
    return None


def check_sms_number(phone: str, field_name: str = "phone") -> str:
    number = sms_number(phone)
    if number is None:
        raise ValidationError(field_name, "Enter a mobile number such as +919876543210.")
    return number
