"""Bills: lines, discounts, totals, balance due and the financial-year bill numbers (April to March)."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

from homa_desk.domain.errors import Conflict, FormErrors, ValidationError
from homa_desk.domain.money import PAISE, format_inr
from homa_desk.domain.validation import MAX_AMOUNT, storable, utr
from homa_desk.domain.validation import amount as valid_amount

if TYPE_CHECKING:
    from homa_desk.domain.advances import AdvanceUse

MAX_LINES = 100
MAX_DESCRIPTION = 200
MAX_QUANTITY = Decimal("9999")


class LineKind(enum.StrEnum):
    CONSULTATION = "consultation"
    PROCEDURE = "procedure"
    MEDICINE = "medicine"
    LAB_TEST = "lab_test"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"lab_test": "Lab test"}.get(self.value, self.value.capitalize())


class BillStatus(enum.StrEnum):
    OPEN = "open"  # balance due
    PAID = "paid"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class BillLine:
    kind: LineKind
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = Decimal("0.00")
    gst_rate: Decimal = Decimal("0")  # per cent, inside the amount (the rate includes GST); 0 = exempt
    sac_hsn: str = ""  # as the price list had it when the line was billed
    price_item_id: int | None = None  # the price-list item the line was filled from, if any

    @property
    def gross(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(PAISE, rounding=ROUND_HALF_UP)

    @property
    def total(self) -> Decimal:
        return self.gross - self.discount


@dataclass(frozen=True)
class BillTotals:
    gross: Decimal
    discount: Decimal
    total: Decimal
    paid: Decimal = Decimal("0.00")
    refunded: Decimal = Decimal("0.00")
    from_advance: Decimal = Decimal("0.00")  # advances applied to the bill (and not returned): no new money

    @property
    def net_paid(self) -> Decimal:
        """Money paid on the bill itself, less its refunds (advances applied are not in it)."""
        return self.paid - self.refunded

    @property
    def balance_due(self) -> Decimal:
        return self.total - self.net_paid - self.from_advance


def totals(lines: Iterable[BillLine], *, paid: Decimal = Decimal("0.00"), refunded: Decimal = Decimal("0.00"),
           from_advance: Decimal = Decimal("0.00")) -> BillTotals:
    lines = list(lines)
    gross = sum((line.gross for line in lines), Decimal("0.00"))
    discount = sum((line.discount for line in lines), Decimal("0.00"))
    return BillTotals(gross=gross, discount=discount, total=gross - discount, paid=paid, refunded=refunded,
                      from_advance=from_advance)


@dataclass(frozen=True)
class LineInput:
    """What the bill form hands over, as typed."""

    kind: str
    description: str
    quantity: str | Decimal
    unit_price: str | Decimal
    discount: str | Decimal = "0"
    price_item_id: int | None = None  # picked from the price list: the service takes its GST and SAC/HSN from there


@dataclass
class _Collector:
    errors: list[ValidationError] = field(default_factory=list)

    def run(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return fn(*args, **kwargs)
        except ValidationError as error:
            self.errors.append(error)
            return None


def validate_lines(inputs: Iterable[LineInput]) -> list[BillLine]:
    """Every line checked; errors name the field as `lines.<row>.<field>` so the form can mark the cell."""
    inputs = list(inputs)
    collector = _Collector()
    if not inputs:
        raise FormErrors([ValidationError("lines", "Add at least one line to the bill.")])
    if len(inputs) > MAX_LINES:
        raise FormErrors([ValidationError("lines", "A bill has at most {limit} lines.", limit=MAX_LINES)])
    lines = []
    for row, item in enumerate(inputs):
        prefix = f"lines.{row}"
        kind = collector.run(_kind, item.kind, f"{prefix}.kind")
        description = collector.run(_description, item.description, f"{prefix}.description")
        quantity = collector.run(_quantity, item.quantity, f"{prefix}.quantity")
        price = collector.run(valid_amount, item.unit_price, f"{prefix}.unit_price", allow_zero=True)
        discount = collector.run(valid_amount, item.discount or "0", f"{prefix}.discount", allow_zero=True)
        if None in (kind, description, quantity, price, discount):
            continue
        line = BillLine(kind, description, quantity, price, discount, price_item_id=_item_id(item.price_item_id))
        if discount > line.gross:
            collector.errors.append(ValidationError(f"{prefix}.discount", "The discount is more than the line."))
            continue
        if line.total > MAX_AMOUNT:
            collector.errors.append(ValidationError(f"{prefix}.total", (
                "Quantity × rate comes to {total}; a line can be at most {limit}."), total=format_inr(line.total),
                limit=format_inr(MAX_AMOUNT)))
            continue
        lines.append(line)
    if not collector.errors and totals(lines).total > MAX_AMOUNT:
        collector.errors.append(ValidationError("lines", (
            "The bill comes to {total}; a bill can be at most {limit}. Split it into two bills."),
            total=format_inr(totals(lines).total), limit=format_inr(MAX_AMOUNT)))
    if collector.errors:
        raise FormErrors(collector.errors)
    return lines


def _item_id(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _kind(value: str, field_name: str) -> LineKind:
    try:
        return LineKind(value)
    except ValueError:
        raise ValidationError(field_name, "Choose what the line is for.") from None


def _description(value: str, field_name: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError(field_name, "Describe the line.")
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError(field_name, "At most {limit} characters.", limit=MAX_DESCRIPTION)
    return storable(text, field_name, "The description")


def _quantity(value: str | Decimal, field_name: str) -> Decimal:
    if isinstance(value, float):
        raise ValidationError(field_name, "Quantities are never floating point.")
    try:
        number = Decimal(str(value).strip() or "x")
    except (InvalidOperation, ValueError):
        raise ValidationError(field_name, "Enter a quantity such as 1 or 2.5.") from None
    if not number.is_finite() or number <= 0:
        raise ValidationError(field_name, "The quantity must be more than zero.")
    if number > MAX_QUANTITY or number.as_tuple().exponent < -3:  # type: ignore[operator]
        raise ValidationError(field_name, "Enter a quantity such as 1 or 2.5.")
    return number


def financial_year(day: date) -> str:
    """Indian financial year April–March: 2026-11-25 → '2026-27'; 2027-03-31 → '2026-27'."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def bill_number(fy: str, serial: int) -> str:
    """'2026-27/000123': running per financial year, restarting at 1 each April."""
    return f"{fy}/{serial:06d}"


_GATEWAY_PAYMENT_ID = re.compile(r"pay_[A-Za-z0-9_]{6,40}")


def looks_like_gateway_payment_id(reference: str) -> bool:
    """A Razorpay-style payment id (pay_…) typed at the desk: stored where the gateway's own ids are, so the same
    payment cannot be recorded by the desk and by the gateway's QR."""
    return bool(_GATEWAY_PAYMENT_ID.fullmatch(reference or ""))


MAX_REFERENCE = 64


def payment_method_and_reference(method: PaymentMethod | str, reference: str | None
                                 ) -> tuple[PaymentMethod, str, str | None]:
    """How the money came and its reference as typed, checked: (method, reference, gateway payment id or None).

    UPI needs its UTR (6 to 35 letters and digits); a Razorpay-style id (pay_…) is returned as the gateway id, so the
    unique indexes see it where the gateway's own ids are.
    """
    try:
        method = PaymentMethod(method)
    except ValueError:
        raise ValidationError("method", "Choose how the patient paid.") from None
    reference = storable(" ".join((reference or "").split()), "reference", "The reference")
    if len(reference) > MAX_REFERENCE:
        raise ValidationError("reference", "The reference is too long (at most {limit} characters).",
                              limit=MAX_REFERENCE)
    if method is PaymentMethod.UPI:
        if not reference:
            raise ValidationError("reference", "Enter the UPI reference (UTR) shown in the patient's app.")
        utr(reference, "reference")
    return method, reference, reference if looks_like_gateway_payment_id(reference) else None


class ReferenceTaken(Conflict):
    """A UPI reference (UTR/RRN) or gateway payment id that already settles another payment; `bill_number` is that
    payment's bill (None when it has none)."""

    def __init__(self, bill_number: str | None) -> None:
        where = f"bill {bill_number}" if bill_number else "another payment"
        super().__init__("This reference is already recorded on {where}: one UTR settles one payment.", where=where)
        self.bill_number = bill_number

    def on(self, field: str) -> ValidationError:
        """The same message next to the form's reference field."""
        return ValidationError(field, self.message)


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    UPI = "upi"
    CARD = "card"
    NETBANKING = "netbanking"
    WALLET = "wallet"

    @property
    def label(self) -> str:
        return {"upi": "UPI", "netbanking": "Net banking"}.get(self.value, self.value.capitalize())


class PaymentState(enum.StrEnum):
    """The design's payments.status."""

    PENDING = "pending"  # also: received but held for review (review_reason set)
    COMPLETED = "completed"
    FAILED = "failed"
    REFUNDED = "refunded"  # fully refunded; part refunds keep `completed` with refunded_amount > 0

    @property
    def label(self) -> str:
        """As a receipt or the bill screen shows it ("Completed"); the stored value stays lower case."""
        return self.value.capitalize()


@dataclass(frozen=True)
class PaymentRecord:
    id: int
    bill_id: int | None
    amount: Decimal
    method: PaymentMethod
    state: PaymentState
    paid_at: datetime | None
    reference: str | None  # UTR / card slip / gateway payment id
    refunded_amount: Decimal = Decimal("0.00")
    review_reason: str | None = None
    received_by: str | None = None

    @property
    def counts(self) -> bool:
        """Money that counts towards the bill: completed, or refunded (whose refund is subtracted separately)."""
        return self.state in (PaymentState.COMPLETED, PaymentState.REFUNDED)

    @property
    def refundable(self) -> Decimal:
        return self.amount - self.refunded_amount if self.counts else Decimal("0.00")


@dataclass(frozen=True)
class BillView:
    """A bill with everything the bill screen and the receipt show."""

    id: int
    bill_number: str
    status: BillStatus
    patient_id: int
    patient_name: str
    patient_phone: str
    patient_number: int | None
    doctor_id: int | None
    doctor_name: str | None
    appointment_id: int | None
    created_at: datetime
    lines: tuple[BillLine, ...]
    payments: tuple[PaymentRecord, ...]
    notes: str | None = None
    cancellation_reason: str | None = None
    patient_old_file_number: str | None = None  # the paper records' file number, printed beside the patient number
    place_of_supply: str | None = None  # GST state code the bill was made out for (None: the clinic's own state)
    advance_uses: tuple[AdvanceUse, ...] = ()  # "Paid from advance", returned ones included (marked)
    advance_available: Decimal = Decimal("0.00")  # what is left of the patient's advances, to use on this bill

    @property
    def totals(self) -> BillTotals:
        paid = sum((p.amount for p in self.payments if p.counts), Decimal("0.00"))
        refunded = sum((p.refunded_amount for p in self.payments if p.counts), Decimal("0.00"))
        from_advance = sum((u.amount for u in self.advance_uses if u.live), Decimal("0.00"))
        return totals(self.lines, paid=paid, refunded=refunded, from_advance=from_advance)


class SessionStatus(enum.StrEnum):
    """payment_sessions.status: the design's three, plus `cancelled` (desk closed it) and `review` (money arrived
    but not as asked: wrong amount, wrong currency or paid twice; a person must look)."""

    ACTIVE = "active"
    COMPLETED = "completed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REVIEW = "review"

    @property
    def final(self) -> bool:
        return self is not SessionStatus.ACTIVE


@dataclass(frozen=True)
class UpiSession:
    id: int
    session_id: str  # the desk's reference, also the UPI `tr`
    bill_id: int | None
    bill_number: str | None
    patient_id: int
    patient_first_name: str
    amount: Decimal
    currency: str
    upi_link: str
    status: SessionStatus
    expires_at: datetime
    gateway: str
    gateway_qr_id: str | None
    review_reason: str | None = None
    payment_id: int | None = None
    created_at: datetime | None = None
    created_by: int | None = None  # the receptionist who started the QR


# --- read models of the billing page and the patient profile ---------------------------------------------------

BILL_READY = "Bill ready, unpaid"
VISIT_STAGES = {"waiting": "Waiting", "in_consultation": "With the doctor", "done": "Seen", "left": "Left"}


@dataclass(frozen=True)
class UnbilledVisit:
    """A visit of today with no bill yet: a booked patient who arrived (in the queue), a walk-in, or a visit the
    doctor completed. `queue_state` is None for a visit completed without passing through the queue. `bill_id`: the
    bill the doctor's Complete visit made, ready and unpaid (nothing paid on it yet), for the desk to open."""

    appointment_id: int
    starts_at: datetime
    patient_id: int
    patient_name: str
    patient_number: int | None
    doctor_id: int | None
    doctor_name: str | None
    consultation_fee: Decimal
    is_walk_in: bool
    completed: bool
    token: int | None = None
    queue_state: str | None = None
    bill_id: int | None = None
    bill_total: Decimal | None = None

    @property
    def stage(self) -> str:
        if self.bill_id is not None:
            return BILL_READY
        if self.completed:
            return "Seen"
        return VISIT_STAGES.get(self.queue_state or "", "Arrived")


@dataclass(frozen=True)
class PatientBill:
    """One row of a patient's bills; `paid` is net of refunds."""

    id: int
    bill_number: str
    created_at: datetime
    doctor_name: str | None
    total: Decimal
    paid: Decimal
    status: BillStatus

    @property
    def balance_due(self) -> Decimal:
        return Decimal("0.00") if self.status is BillStatus.CANCELLED else self.total - self.paid


@dataclass(frozen=True)
class PatientPayment:
    """One of a patient's payments; `when` is the payment's date, or when it was asked for if it never completed."""

    payment: PaymentRecord
    bill_number: str | None
    when: datetime


@dataclass(frozen=True)
class PatientAccount:
    """The newest bills and payments of a patient (at most the number asked for), how many there are in all, and
    the totals over all of them: billed and paid (cancelled bills left out) and the balance due."""

    bills: tuple[PatientBill, ...]
    payments: tuple[PatientPayment, ...]
    bill_count: int
    payment_count: int
    billed: Decimal
    paid: Decimal
    due: Decimal

    @property
    def complete(self) -> bool:
        return self.bill_count <= len(self.bills) and self.payment_count <= len(self.payments)


def change_to_give(amount: str | Decimal, handed_over: str | Decimal | None) -> Decimal | None:
    """The change a cash payment gives back: what the patient handed over less the amount paid.

    None while nothing is handed over (the field is optional). A ValidationError on `handed_over` when it is not an
    amount or is less than the amount paid; on `amount` when the amount itself is not one.
    """
    if not str(handed_over or "").strip():
        return None
    given = valid_amount(handed_over or "", "handed_over")
    paid = valid_amount(amount)
    if given < paid:
        raise ValidationError("handed_over", "Less than the amount: {more} more is needed.",
                              more=format_inr(paid - given))
    return given - paid
