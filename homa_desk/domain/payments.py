"""What a payment gateway tells the desk, in the desk's own terms: Decimal rupees, aware datetimes, typed errors.

Gateways translate their wire formats (integer paise, unix timestamps, their own status words) into these values,
so the services and the polling logic never see a gateway's JSON.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from homa_desk.domain.errors import DomainError


class QrStatus(enum.StrEnum):
    ACTIVE = "active"
    PAID = "paid"
    CLOSED = "closed"  # closed by the desk (cancelled, switched to cash)
    EXPIRED = "expired"


class PaymentStatus(enum.StrEnum):
    CREATED = "created"
    AUTHORIZED = "authorized"  # money blocked, not yet captured: still pending for the desk
    CAPTURED = "captured"  # the only status that counts as received
    REFUNDED = "refunded"
    FAILED = "failed"


@dataclass(frozen=True)
class GatewayQr:
    """A QR the gateway created for one payment session.

    `upi_link` is the UPI intent the QR encodes when the gateway tells us (or we built it ourselves); when it is
    None the desk shows the image at `image_url` instead.
    """

    qr_id: str
    image_url: str | None
    upi_link: str | None
    amount: Decimal
    expires_at: datetime


@dataclass(frozen=True)
class GatewayPayment:
    """One payment attempt on a QR. `raw` keeps the gateway's record for the audit trail; never log it."""

    payment_id: str
    amount: Decimal
    currency: str
    status: PaymentStatus
    method: str
    vpa: str | None = None
    rrn: str | None = None  # the UTR/RRN the patient sees in their UPI app
    captured_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class PollResult:
    status: QrStatus
    payments: list[GatewayPayment] = field(default_factory=list)


class GatewayError(DomainError):
    """The gateway could not give an answer the desk can act on."""


class GatewayUnavailable(GatewayError):
    """Network down, timeout or a 5xx: worth trying again later."""

    def __init__(self, message: str = "The payment gateway cannot be reached; the desk keeps trying.") -> None:
        super().__init__(message)


class GatewayRateLimited(GatewayError):
    """429: the gateway asked us to wait `retry_after` seconds."""

    def __init__(self, retry_after: float, message: str = "The payment gateway asked the desk to slow down.") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class GatewayMalformed(GatewayError):
    """An answer that is not what the API promises (not JSON, fields missing); treated like an outage."""

    def __init__(self, message: str = "The payment gateway sent an answer the desk cannot read.") -> None:
        super().__init__(message)


class GatewayRejected(GatewayError):
    """A 4xx: wrong keys or a request the gateway refuses. Retrying the same request will not help."""


class CapabilityMissing(GatewayError):
    """A call the gateway's capabilities say it cannot answer; the desk checks them first, so this is a bug."""

    def __init__(self, message: str = "This payment gateway cannot do that.") -> None:
        super().__init__(message)


class ListingUnsupported(GatewayError):
    """The gateway cannot list the money it received (static UPI: no gateway sees it)."""

    def __init__(self, message: str = "Static UPI has no payment gateway that sees the money: check the UPI "
                                      "payments against the clinic's bank statement.") -> None:
        super().__init__(message)
