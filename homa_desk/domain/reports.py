"""Payment history and the daily collection: filters, rows, totals and the close-of-day figures.

Days are clinic days (Asia/Kolkata): a payment at 23:50 IST belongs to that day, one at 00:10 IST to the next,
whatever the UTC date says. Money is Decimal rupees throughout; CSV writes plain decimals ("1500.00").

What counts:
- *Collected* is the amount of every payment that was received (status completed, or refunded later).
- *Refunded* in the history is what has been refunded of the listed payments, whenever that happened.
- In the daily collection, collections are payments whose payment date falls on the day; refunds are refunds
  *made* on the day (refunds.created_at), whichever day the payment was. Net = collected − refunds made that day,
  so the day's net matches the cash drawer and the bank.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from homa_desk.domain.billing import PaymentMethod, PaymentState
from homa_desk.domain.errors import ValidationError
from homa_desk.domain.reconciliation import CashCount
from homa_desk.domain.timeutil import CLINIC_TZ, to_local
from homa_desk.domain.validation import ascii_digits, search_text

ZERO = Decimal("0.00")
MAX_PAGE = 1000
MAX_RANGE_DAYS = 3660


class HistoryStatus(enum.StrEnum):
    """The status filter of the history, in the receptionist's words."""

    COMPLETED = "completed"  # received and kept (part refunds included)
    PENDING_REVIEW = "pending-review"  # money arrived but not as asked, or not yet confirmed: a person must look
    REFUNDED = "refunded"  # all or part refunded
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"pending-review": "Pending review"}.get(self.value, self.value.capitalize())


def day_bounds(first: date, last: date | None = None) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the clinic days first..last (inclusive)."""
    last = first if last is None else last
    start = datetime.combine(first, time(0), CLINIC_TZ)
    end = datetime.combine(last + timedelta(days=1), time(0), CLINIC_TZ)
    return start, end


@dataclass(frozen=True)
class HistoryFilters:
    """What the Payments page asks for. Empty fields do not filter.

    `patient` is a patient's user id (int), or text: digits are a patient number, anything else a name fragment.
    `doctor_id` matches the bill's doctor, or the appointment's doctor when the payment has no bill.
    """

    date_from: date | None = None
    date_to: date | None = None
    method: PaymentMethod | None = None
    status: HistoryStatus | None = None
    patient: int | str | None = None
    doctor_id: int | None = None

    def checked(self) -> HistoryFilters:
        """The same filters, normalised; ValidationError (naming the field) when they cannot be right."""
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValidationError("date_to", "The end date is before the start date.")
        if self.date_from and self.date_to and (self.date_to - self.date_from).days > MAX_RANGE_DAYS:
            raise ValidationError("date_to", "Choose at most ten years.")
        method = None if self.method is None else _enum(PaymentMethod, self.method, "method")
        status = None if self.status is None else _enum(HistoryStatus, self.status, "status")
        patient = self.patient
        if isinstance(patient, str):
            patient = search_text(patient) or None
        return HistoryFilters(self.date_from, self.date_to, method, status, patient, self.doctor_id)

    @property
    def utc_range(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) in UTC; None where the range is open."""
        start = day_bounds(self.date_from)[0] if self.date_from else None
        end = day_bounds(self.date_to)[1] if self.date_to else None
        return start, end

    @property
    def patient_id(self) -> int | None:
        return self.patient if isinstance(self.patient, int) else None

    @property
    def patient_number(self) -> int | None:
        text = self.patient if isinstance(self.patient, str) else ""
        return int(text) if ascii_digits(text) and len(text) <= 15 else None

    @property
    def patient_name(self) -> str | None:
        text = self.patient if isinstance(self.patient, str) else ""
        return text.lower() if text and not ascii_digits(text) else None


def _enum(kind: type[enum.StrEnum], value: object, field_name: str):  # type: ignore[no-untyped-def]
    try:
        return kind(value)
    except ValueError:
        raise ValidationError(field_name, "Choose one of the listed values.") from None


HistoryKey = tuple[datetime, int]  # (payment date, payment id): where the next page continues


@dataclass(frozen=True)
class HistoryRow:
    """One payment as the history shows it."""

    id: int
    paid_at: datetime
    bill_id: int | None
    bill_number: str | None
    patient_id: int | None  # None: gateway money on no QR of the desk, held for review
    patient_name: str
    patient_number: int | None
    doctor_name: str | None
    method: PaymentMethod
    amount: Decimal
    refunded: Decimal
    state: PaymentState
    reference: str | None
    review_reason: str | None = None

    @property
    def key(self) -> HistoryKey:
        return (self.paid_at, self.id)

    @property
    def net(self) -> Decimal:
        return self.amount - self.refunded if self.state in (PaymentState.COMPLETED, PaymentState.REFUNDED) else ZERO

    @property
    def status_label(self) -> str:
        if self.state is PaymentState.PENDING:
            return "Pending review"
        if self.state is PaymentState.COMPLETED and self.refunded > 0:
            return "Part refunded"
        return self.state.value.capitalize()

    @property
    def openable(self) -> bool:
        """Payments made before bills existed (and the demo clinic's) have no bill to open."""
        return self.bill_id is not None


@dataclass(frozen=True)
class MethodTotal:
    method: PaymentMethod
    count: int
    collected: Decimal
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.collected - self.refunded


@dataclass(frozen=True)
class HistoryTotals:
    """Totals of everything the filter matches (not just the loaded pages)."""

    count: int
    collected: Decimal
    refunded: Decimal
    by_method: tuple[MethodTotal, ...] = ()

    @property
    def net(self) -> Decimal:
        return self.collected - self.refunded


def history_totals(count: int, by_method: Iterable[MethodTotal]) -> HistoryTotals:
    methods = tuple(sorted(by_method, key=lambda m: list(PaymentMethod).index(m.method)))
    return HistoryTotals(count=count, collected=sum((m.collected for m in methods), ZERO),
                         refunded=sum((m.refunded for m in methods), ZERO), by_method=methods)


CSV_HEADER = ("Date", "Time", "Bill number", "Patient", "Patient number", "Doctor", "Method", "Amount", "Refunded",
              "Net", "Status", "Reference", "Payment id")


def csv_fields(row: HistoryRow) -> list[str]:
    """One CSV line: IST date and time, amounts as plain decimals (Excel reads them as numbers)."""
    local = to_local(row.paid_at)
    return [local.strftime("%Y-%m-%d"), local.strftime("%H:%M"), row.bill_number or "", row.patient_name,
            "" if row.patient_number is None else str(row.patient_number), row.doctor_name or "", row.method.label,
            f"{row.amount:.2f}", f"{row.refunded:.2f}", f"{row.net:.2f}", row.status_label, row.reference or "",
            str(row.id)]


# --- the daily collection ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CollectionLine:
    """Collected and refunded for one method, doctor or receptionist on the day."""

    label: str
    count: int
    collected: Decimal
    refunded: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.collected - self.refunded


@dataclass(frozen=True)
class DailyCollection:
    """The close-of-day summary of one clinic day."""

    day: date
    by_method: tuple[CollectionLine, ...]
    by_doctor: tuple[CollectionLine, ...]
    by_receiver: tuple[CollectionLine, ...]  # who received the money (refunds are not split by receptionist)
    bills_created: int
    pending_review: int
    pending_review_amount: Decimal
    refund_count: int = 0
    generated_at: datetime | None = field(default=None, compare=False)
    cash_counts: tuple[CashCount, ...] = ()  # the drawer's counts of the day, oldest first
    advances_received: Decimal = ZERO  # advances paid that day: already in the day's collection, by method
    advances_applied: Decimal = ZERO  # advances used on bills that day: no money moved, not collected again
    advances_refunded: Decimal = ZERO  # refunds of advances made that day: already in the day's refunds

    @property
    def cash_expected(self) -> Decimal:
        """The desk's cash of the day net of cash refunds made that day: what the drawer should hold."""
        return sum((line.net for line in self.by_method if line.label == PaymentMethod.CASH.label), ZERO)

    @property
    def cash_count(self) -> CashCount | None:
        """The day's count: the latest (a recount supersedes, the earlier ones stay on record)."""
        return self.cash_counts[-1] if self.cash_counts else None

    @property
    def payments(self) -> int:
        return sum(line.count for line in self.by_method)

    @property
    def collected(self) -> Decimal:
        return sum((line.collected for line in self.by_method), ZERO)

    @property
    def refunded(self) -> Decimal:
        return sum((line.refunded for line in self.by_method), ZERO)

    @property
    def net(self) -> Decimal:
        return self.collected - self.refunded


NO_DOCTOR = "No doctor"
NO_PATIENT = "Not identified"
NOT_RECORDED = "Not recorded"


def method_lines(collected: dict[str, tuple[int, Decimal]], refunded: dict[str, Decimal]
                 ) -> tuple[CollectionLine, ...]:
    """Every method that had money in or out on the day, in the desk's order."""
    lines = []
    for method in PaymentMethod:
        count, amount = collected.get(method.value, (0, ZERO))
        back = refunded.get(method.value, ZERO)
        if count or back:
            lines.append(CollectionLine(method.label, count, amount, back))
    return tuple(lines)


def named_lines(collected: dict[tuple[int | None, str | None], tuple[int, Decimal]],
                refunded: dict[tuple[int | None, str | None], Decimal], missing: str) -> tuple[CollectionLine, ...]:
    """Lines per person (keyed by (user id, name), so two doctors of one name stay apart), biggest net first;
    `missing` labels the money without a person."""
    keys = set(collected) | set(refunded)
    lines = [CollectionLine(key[1] or missing, collected.get(key, (0, ZERO))[0], collected.get(key, (0, ZERO))[1],
                            refunded.get(key, ZERO)) for key in keys]
    return tuple(sorted(lines, key=lambda line: (-line.net, line.label)))
