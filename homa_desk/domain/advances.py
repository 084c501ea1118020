"""Advances: money a patient pays ahead (a procedure deposit, a package) that sits on the patient's account until it
is applied to later bills (part or whole) or refunded.

The money itself is a payment on no bill (`payments` row), so it is collected on the day it was received, by its
method; applying it to a bill moves no money and is never counted as collected again. What is left of an advance is
its amount less what is applied (and not returned) and less what is refunded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from homa_desk.domain import validation
from homa_desk.domain.billing import PaymentMethod, PaymentRecord
from homa_desk.domain.errors import ValidationError

ZERO = Decimal("0.00")
MAX_PURPOSE = 200
ADVANCE_METHODS = (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.UPI, PaymentMethod.NETBANKING,
                   PaymentMethod.WALLET)
RETURNED_ON_CANCEL = "Bill cancelled"


def advance_number(advance_id: int) -> str:
    """'ADV-000012': printed on the advance receipt and encoded in its QR."""
    return f"ADV-{advance_id:06d}"


def purpose_text(value: str | None) -> str:
    """What the advance is for, tidied; 'Advance' when nothing was typed."""
    text = validation.storable(" ".join((value or "").split()), "purpose", "The purpose")
    if len(text) > MAX_PURPOSE:
        raise ValidationError("purpose", "At most {limit} characters.", limit=MAX_PURPOSE)
    return text or "Advance"


@dataclass(frozen=True)
class AdvanceUse:
    """Part of an advance used on a bill; `returned_at` set when the bill was cancelled and it went back."""

    id: int
    advance_id: int
    bill_id: int
    bill_number: str
    amount: Decimal
    applied_at: datetime
    applied_by: str | None = None
    returned_at: datetime | None = None
    return_reason: str | None = None

    @property
    def live(self) -> bool:
        return self.returned_at is None

    @property
    def advance_number(self) -> str:
        return advance_number(self.advance_id)


@dataclass(frozen=True)
class AdvanceRefund:
    id: int
    amount: Decimal
    reason: str
    reference: str | None
    refunded_at: datetime
    refunded_by: str | None = None


@dataclass(frozen=True)
class Advance:
    """One advance with the payment that received it, where it was applied and what was refunded."""

    id: int
    patient_id: int
    patient_name: str
    patient_number: int | None
    purpose: str
    payment: PaymentRecord
    uses: tuple[AdvanceUse, ...] = ()
    refunds: tuple[AdvanceRefund, ...] = ()

    @property
    def number(self) -> str:
        return advance_number(self.id)

    @property
    def amount(self) -> Decimal:
        return self.payment.amount

    @property
    def applied(self) -> Decimal:
        return sum((use.amount for use in self.uses if use.live), ZERO)

    @property
    def refunded(self) -> Decimal:
        return self.payment.refunded_amount

    @property
    def available(self) -> Decimal:
        return self.amount - self.applied - self.refunded


@dataclass(frozen=True)
class PatientAdvances:
    """A patient's advances, newest first, and what is left of them all."""

    advances: tuple[Advance, ...]

    @property
    def available(self) -> Decimal:
        return sum((a.available for a in self.advances), ZERO)

    def usable(self) -> tuple[Advance, ...]:
        """The advances with money left, oldest first: what applying uses up first."""
        return tuple(sorted((a for a in self.advances if a.available > 0), key=lambda a: a.id))
