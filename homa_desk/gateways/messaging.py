"""The small interface every message channel implements (the channels a desk's settings configure are made by
homa_desk.gateways.senders).

A sender either returns the provider's message id or raises SendError. `retry_safe` says whether trying again can
never deliver the message twice: true when the provider certainly did not accept it (connection refused, 5xx,
429), false when it may have (a timeout after the request went out). The outbox retries only retry-safe errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from homa_desk.domain.dlt import DltRoute
from homa_desk.domain.notifications import Channel

TWILIO_TOKEN = "twilio:auth_token"
SMTP_PASSWORD = "smtp:password"
TELEGRAM_TOKEN = "telegram:bot_token"
EXOTEL_TOKEN = "exotel:api_token"
SEND_TIMEOUT = (5.0, 15.0)  # connect, read (seconds)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes = field(repr=False)
    mime_type: str = "application/pdf"


@dataclass(frozen=True)
class Outgoing:
    recipient: str
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()
    dlt: DltRoute | None = None  # an SMS to India: the registered template's ids, for providers that take them


class SendError(Exception):
    """The provider did not take the message. The text is the provider's answer, without credentials."""

    def __init__(self, message: str, *, retry_safe: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retry_safe = retry_safe


class MessageSender(Protocol):
    channel: Channel

    def send(self, message: Outgoing) -> str | None:
        """Deliver one message; the provider's id for it, or SendError."""


def http_error(provider: str, status: int, detail: str) -> SendError:
    """A provider's HTTP refusal: 5xx and 429 are retried, other 4xx (bad number, bad credentials) are final."""
    retry = status >= 500 or status == 429
    return SendError(f"{provider} answered {status}: {detail[:300]}", retry_safe=retry)
