"""Close of day, reconciled: the gateway's captured payments against the desk's UPI payments, and the counted cash
drawer against the desk's cash.

Matching is by the gateway's payment id, which the desk stores as the payment's transaction id. A gateway payment
the desk has no record of is *unrecorded* (the service holds it for review); a desk UPI payment of the day the
gateway does not list is *desk only*; the same payment with two amounts is *amount differs*.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from homa_desk.domain.billing import PaymentState
from homa_desk.domain.errors import ValidationError
from homa_desk.domain.money import format_inr
from homa_desk.domain.payments import GatewayPayment
from homa_desk.domain.validation import storable

ZERO = Decimal("0.00")
MAX_REASON = 500

UNRECORDED = "captured at the gateway but never recorded by the desk"
GATEWAY_LABELS = {"razorpay": "Razorpay", "simulator": "The simulator", "static_upi": "Static UPI"}
NOT_ON_A_DESK_QR = "captured at the gateway on no QR of this desk"


class Finding(enum.StrEnum):
    HELD = "held"  # money at the gateway the desk had not recorded: now held for review
    DESK_ONLY = "desk_only"  # the desk recorded it; the gateway does not know it
    AMOUNT_DIFFERS = "amount_differs"

    @property
    def label(self) -> str:
        return {"held": "Held for review", "desk_only": "Not at the gateway",
                "amount_differs": "Amounts differ"}[self.value]


@dataclass(frozen=True)
class DeskUpiPayment:
    """A desk payment the gateway should know: a UPI payment of the day, or one carrying a gateway payment id."""

    id: int
    transaction_id: str | None
    reference: str | None  # what the history shows: the UTR, else the transaction id
    amount: Decimal
    state: PaymentState
    bill_number: str | None


@dataclass(frozen=True)
class ReconciliationLine:
    finding: Finding
    reference: str
    gateway_amount: Decimal | None
    desk_amount: Decimal | None
    bill_number: str | None = None
    note: str = ""


@dataclass(frozen=True)
class GatewayReconciliation:
    """What one run of the gateway check found for one clinic day."""

    day: date
    gateway: str
    supported: bool
    gateway_count: int = 0
    gateway_total: Decimal = ZERO
    matched_count: int = 0
    matched_total: Decimal = ZERO
    lines: tuple[ReconciliationLine, ...] = ()
    checked_at: datetime | None = field(default=None, compare=False)
    held_now: int = 0  # payments this run held for review (the others in HELD were held before)

    @property
    def gateway_label(self) -> str:
        return GATEWAY_LABELS.get(self.gateway, self.gateway)

    def of(self, finding: Finding) -> tuple[ReconciliationLine, ...]:
        return tuple(line for line in self.lines if line.finding is finding)

    @property
    def clean(self) -> bool:
        return self.supported and not self.lines


@dataclass(frozen=True)
class Comparison:
    matched: list[tuple[GatewayPayment, DeskUpiPayment]]
    unrecorded: list[GatewayPayment]
    desk_only: list[DeskUpiPayment]
    amount_differs: list[tuple[GatewayPayment, DeskUpiPayment]]


def compare(gateway: Iterable[GatewayPayment], desk: Iterable[DeskUpiPayment]) -> Comparison:
    """Pair gateway payments with desk payments by payment id. Failed desk payments are no claim on the gateway."""
    desk = list(desk)
    by_id = {p.transaction_id: p for p in desk if p.transaction_id and p.state is not PaymentState.FAILED}
    seen: set[str] = set()
    matched, unrecorded, differs = [], [], []
    for payment in gateway:
        if payment.payment_id in seen:
            continue  # a page boundary that moved while paging lists a payment twice
        seen.add(payment.payment_id)
        mine = by_id.get(payment.payment_id)
        if mine is None:
            unrecorded.append(payment)
        elif mine.amount != payment.amount:
            differs.append((payment, mine))
        else:
            matched.append((payment, mine))
    desk_only = [p for p in desk if p.state is not PaymentState.FAILED and p.transaction_id not in seen]
    return Comparison(matched, unrecorded, desk_only, differs)


def desk_only_note(payment: DeskUpiPayment) -> str:
    if payment.transaction_id and payment.transaction_id.startswith("UTR:"):
        return "confirmed by UTR (static UPI): check the bank statement"
    if not payment.transaction_id:
        return "entered at the desk with a UPI reference: check the bank statement"
    return "the gateway lists no such payment on this day"


# --- the cash drawer ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CashCount:
    """One count of the drawer for a clinic day. Counts are appended: the latest is the day's, earlier ones stay."""

    id: int
    day: date
    counted: Decimal
    expected: Decimal
    reason: str | None
    counted_by: str | None
    counted_at: datetime

    @property
    def difference(self) -> Decimal:
        return self.counted - self.expected

    @property
    def difference_text(self) -> str:
        if self.difference == 0:
            return "matches"
        return f"{'over' if self.difference > 0 else 'short'} by {format_inr(abs(self.difference))}"


def cash_reason(reason: str | None, difference: Decimal) -> str | None:
    """The reason for a count: required when the drawer differs from the desk's cash, kept (trimmed) when given."""
    text = " ".join((reason or "").split())
    if difference != 0 and not text:
        side = "more" if difference > 0 else "less"
        raise ValidationError("reason", "The drawer holds {amount} {side} than the desk recorded: say why.",
                              amount=format_inr(abs(difference)), side=side)
    if len(text) > MAX_REASON:
        raise ValidationError("reason", "Keep the reason under {limit} characters.", limit=MAX_REASON)
    return storable(text, "reason", "The reason") or None
