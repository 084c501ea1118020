"""The owner's view (admins only): twelve months of collections, visits and patients, the procedures and
medicines billed most, and the audit log, read-only.

Each report is one read of the monthly totals tables (schema 0030), whatever the number of payments. The audit log
is read in keyset pages; its CSV export reads page by page, each page its own short read.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TextIO

from homa_desk.db.owner_report_repository import as_decimal, as_month
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.audit_view import MAX_PAGE, AuditFilters, AuditKey, AuditRow
from homa_desk.domain.billing import PaymentMethod
from homa_desk.domain.errors import ValidationError
from homa_desk.domain.owner_reports import (
    MONTHS,
    TOP_ITEMS,
    CollectionsMonth,
    CollectionsReport,
    DoctorVisits,
    DoctorYear,
    ItemLine,
    ItemsReport,
    Money,
    VisitsMonth,
    VisitsReport,
    last_months,
)
from homa_desk.domain.roles import Actor, Role

OWNER = (Role.ADMIN,)
PAGE_SIZE = 100
EXPORT_PAGE = 500
NO_DOCTOR = "No doctor"


def collections_report(uow: UnitOfWork, actor: Actor, last: date, *, months: int = MONTHS) -> CollectionsReport:
    """Money received per month and method over the `months` months ending with the month of `last`, and per
    doctor over all of them (biggest net first; money of no doctor as one line)."""
    span = last_months(last, months)
    with uow.reading(actor, *OWNER):
        rows = uow.owner_reports.collections(span[0], span[-1])
    by_month: dict[date, dict[PaymentMethod, Money]] = {month: {} for month in span}
    doctors = []
    for kind, month, method, doctor_id, name, payments, collected, refunded in rows:
        money = Money(int(payments or 0), as_decimal(collected), as_decimal(refunded))
        if kind == "month":
            by_month[as_month(month)][PaymentMethod(method)] = money
        else:
            doctors.append(DoctorYear(doctor_id, name or NO_DOCTOR, money))
    result = tuple(CollectionsMonth(month, _sum(methods.values()), methods) for month, methods in by_month.items())
    unassigned = _sum(m.total for m in result) + Money(-sum(d.money.payments for d in doctors),
                                                        -sum((d.money.collected for d in doctors), Decimal(0)),
                                                        -sum((d.money.refunded for d in doctors), Decimal(0)))
    if unassigned.payments:
        doctors.append(DoctorYear(None, NO_DOCTOR, unassigned))
    doctors.sort(key=lambda d: (-d.money.net, d.name))
    return CollectionsReport(result, tuple(doctors))


def visits_report(uow: UnitOfWork, actor: Actor, last: date, *, months: int = MONTHS) -> VisitsReport:
    """Completed visits, patients seen, new and returning patients per month; visits per doctor."""
    span = last_months(last, months)
    with uow.reading(actor, *OWNER):
        rows = uow.owner_reports.visits(span[0], span[-1])
    by_month = {month: VisitsMonth(month, 0, 0, 0) for month in span}
    doctors = []
    for kind, month, doctor_id, name, visits, patients, new in rows:
        if kind == "month":
            by_month[as_month(month)] = VisitsMonth(as_month(month), int(visits), int(patients), int(new))
        else:
            doctors.append(DoctorVisits(doctor_id or None, name or NO_DOCTOR, int(visits)))
    doctors.sort(key=lambda d: (-d.visits, d.name))
    return VisitsReport(tuple(by_month.values()), tuple(doctors))


def items_report(uow: UnitOfWork, actor: Actor, last: date, *, months: int = MONTHS,
                 top: int = TOP_ITEMS) -> ItemsReport:
    """The `top` procedures and medicines by amount billed (bills not cancelled, by the bill's month)."""
    if not 1 <= top <= 100:
        raise ValidationError("top", "Ask for 1 to {limit} rows at a time.", limit=100)
    span = last_months(last, months)
    with uow.reading(actor, *OWNER):
        rows = uow.owner_reports.top_items(span[0], span[-1], ("procedure", "medicine"), top)
    lines: dict[str, list[ItemLine]] = {"procedure": [], "medicine": []}
    for kind, name, count, quantity, amount in rows:
        lines[kind].append(ItemLine(name, int(count), Decimal(quantity), Decimal(amount)))
    return ItemsReport(span[0], span[-1], tuple(lines["procedure"]), tuple(lines["medicine"]))


def _sum(values: object) -> Money:
    total = Money()
    for money in values:  # type: ignore[attr-defined]
        total = total + money
    return total


# -- the audit log ---------------------------------------------------------------------------------------------

def audit_log(uow: UnitOfWork, actor: Actor, filters: AuditFilters, *, after: AuditKey | None = None,
              limit: int = PAGE_SIZE) -> list[AuditRow]:
    """Entries matching `filters`, newest first; pass the last row's `key` as `after` for the next page."""
    filters = filters.checked()
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", "Ask for 1 to {limit} rows at a time.", limit=MAX_PAGE)
    with uow.reading(actor, *OWNER):
        return uow.owner_reports.audit_page(filters, after=after, limit=limit)


def audit_people(uow: UnitOfWork, actor: Actor) -> list[tuple[int, str, str]]:
    """The staff the person filter offers: (id, name, role)."""
    with uow.reading(actor, *OWNER):
        return uow.owner_reports.audit_people()


def write_audit_csv(uow: UnitOfWork, actor: Actor, filters: AuditFilters, out: TextIO,
                    header: list[str], fields: Callable[[AuditRow], list[str]], *,
                    page_size: int = EXPORT_PAGE) -> int:
    """Every entry matching `filters` as CSV lines on `out` (`header` first, `fields` of each row, in the desk's
    language); returns the number of rows. Open `out` with encoding "utf-8-sig" and newline=""."""
    actor.require(*OWNER)
    writer = csv.writer(out)
    writer.writerow(header)
    written, after = 0, None
    while True:
        page = audit_log(uow, actor, filters, after=after, limit=page_size)
        writer.writerows(fields(row) for row in page)
        written += len(page)
        if len(page) < page_size:
            return written
        after = page[-1].key
