"""Money held for review: a payment that reached the clinic but not as asked (wrong amount, paid twice, paid after
the QR closed, found only at the gateway). It is kept as a pending payment with a review reason and counts toward no
bill until an admin resolves it: accept it toward its bill, refund it (all or part), or move it to another open
bill of the same patient.

One held payment is one gateway payment, and one row: it is never split, so the gateway's amount stays the
payment's amount. Accepting more than the bill's balance therefore refunds the excess in the same step (with the
refund's reference); spreading one payment over two bills is not possible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from homa_desk.domain import validation
from homa_desk.domain.billing import BillStatus, BillView, PaymentMethod, PaymentRecord, PaymentState
from homa_desk.domain.errors import ValidationError

MAX_REFUND_REFERENCE = 64
MAX_REASON = 500
ZERO = Decimal("0.00")


def is_held(payment: PaymentRecord) -> bool:
    return payment.state is PaymentState.PENDING and bool(payment.review_reason)


def held_on(bill: BillView) -> Decimal:
    """How much money is held for review on the bill (not counted as paid)."""
    return sum((p.amount - p.refunded_amount for p in bill.payments if is_held(p)), ZERO)


@dataclass(frozen=True)
class HeldPayment:
    """One held payment with what an admin needs to decide: who paid, on which bill, how much, why it is held, and
    the ids to find it at the gateway or the bank."""

    id: int
    patient_id: int | None  # None: the gateway captured it on no QR of the desk (close-of-day check)
    patient_name: str
    patient_number: int | None
    bill_id: int | None
    bill_number: str | None
    bill_status: BillStatus | None
    amount: Decimal
    refunded_amount: Decimal
    method: PaymentMethod
    reason: str
    paid_at: datetime | None
    gateway_payment_id: str | None
    utr: str | None
    gateway: str | None = None
    gateway_qr_id: str | None = None

    @property
    def held(self) -> Decimal:
        """What is still held: the amount less what was already refunded."""
        return self.amount - self.refunded_amount


@dataclass(frozen=True)
class OpenBill:
    """A bill held money can be moved to."""

    id: int
    bill_number: str
    created_at: datetime
    total: Decimal
    paid: Decimal

    @property
    def balance_due(self) -> Decimal:
        return self.total - self.paid


@dataclass(frozen=True)
class RefundDetails:
    """A refund made at the gateway (its refund id) or by bank transfer (its reference), and why."""

    reference: str
    reason: str


def refund_details(reference: str, reason: str) -> RefundDetails:
    """The reference and reason as typed, checked; errors name the field so the dialog marks it."""
    reference = validation.storable(" ".join((reference or "").split()), "reference", "The reference")
    if not reference:
        raise ValidationError("reference", "Enter the refund's reference: the gateway refund id or the bank "
                                           "transfer's reference.")
    if len(reference) > MAX_REFUND_REFERENCE:
        raise ValidationError("reference", "At most {limit} characters.", limit=MAX_REFUND_REFERENCE)
    reason = validation.storable(" ".join((reason or "").split()), "reason", "The reason")
    if not reason:
        raise ValidationError("reason", "Say why the money is refunded.")
    if len(reason) > MAX_REASON:
        raise ValidationError("reason", "At most {limit} characters.", limit=MAX_REASON)
    return RefundDetails(reference, reason)
