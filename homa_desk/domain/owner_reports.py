"""The owner's reports: twelve clinic months of collections, visits, patients and what was billed.

Months are clinic months (Asia/Kolkata). Money collected in a month is what payments dated in that month received
(completed or refunded payments); refunded is what has since been refunded of those payments, so a month's figures
equal Payments → History's totals for that month. A visit is a completed appointment, in the month of the
appointment. A patient is new in the first month they had a visit, returning in any later month with a visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from homa_desk.domain.billing import PaymentMethod

MONTHS = 12
TOP_ITEMS = 20
ZERO = Decimal("0.00")


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def last_months(last: date, count: int = MONTHS) -> tuple[date, ...]:
    """The `count` months ending with the month of `last`, oldest first."""
    end = month_start(last)
    return tuple(add_months(end, n - count + 1) for n in range(count))


@dataclass(frozen=True)
class Money:
    payments: int = 0
    collected: Decimal = ZERO
    refunded: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.collected - self.refunded

    def __add__(self, other: Money) -> Money:
        return Money(self.payments + other.payments, self.collected + other.collected,
                     self.refunded + other.refunded)


@dataclass(frozen=True)
class CollectionsMonth:
    month: date
    total: Money
    by_method: dict[PaymentMethod, Money]


@dataclass(frozen=True)
class DoctorYear:
    doctor_id: int | None
    name: str
    money: Money


@dataclass(frozen=True)
class CollectionsReport:
    months: tuple[CollectionsMonth, ...]
    doctors: tuple[DoctorYear, ...]  # biggest net first

    @property
    def total(self) -> Money:
        result = Money()
        for month in self.months:
            result = result + month.total
        return result

    def method_total(self, method: PaymentMethod) -> Money:
        result = Money()
        for month in self.months:
            result = result + month.by_method.get(method, Money())
        return result


@dataclass(frozen=True)
class VisitsMonth:
    month: date
    visits: int
    patients: int
    new_patients: int

    @property
    def returning_patients(self) -> int:
        return self.patients - self.new_patients


@dataclass(frozen=True)
class DoctorVisits:
    doctor_id: int | None
    name: str
    visits: int


@dataclass(frozen=True)
class VisitsReport:
    months: tuple[VisitsMonth, ...]
    doctors: tuple[DoctorVisits, ...]  # most visits first


@dataclass(frozen=True)
class ItemLine:
    name: str
    lines: int
    quantity: Decimal
    amount: Decimal


@dataclass(frozen=True)
class ItemsReport:
    first_month: date
    last_month: date
    procedures: tuple[ItemLine, ...]
    medicines: tuple[ItemLine, ...]
