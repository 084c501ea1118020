"""Payment history and the daily collection for the front desk (receptionists and admins).

Each call is one read-only transaction. The CSV export reads page by page (each page its own short transaction),
so exporting a year of payments never holds a snapshot open or all rows in memory.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TextIO

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.errors import ValidationError
from homa_desk.domain.reports import (
    CSV_HEADER,
    MAX_PAGE,
    NO_DOCTOR,
    NOT_RECORDED,
    ZERO,
    DailyCollection,
    HistoryFilters,
    HistoryKey,
    HistoryRow,
    HistoryTotals,
    csv_fields,
    day_bounds,
    history_totals,
    method_lines,
    named_lines,
)
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.timeutil import utcnow

FRONT_DESK = (Role.ADMIN, Role.RECEPTIONIST)
PAGE_SIZE = 100
EXPORT_PAGE = 1000


def payment_history(uow: UnitOfWork, actor: Actor, filters: HistoryFilters, *, after: HistoryKey | None = None,
                    limit: int = PAGE_SIZE) -> list[HistoryRow]:
    """Payments matching `filters`, newest first; pass the last row's `key` as `after` for the next page."""
    filters = filters.checked()
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", "Ask for 1 to {limit} rows at a time.", limit=MAX_PAGE)
    with uow.reading(actor, *FRONT_DESK):
        return uow.reports.history(filters, after=after, limit=limit)


def payment_history_totals(uow: UnitOfWork, actor: Actor, filters: HistoryFilters) -> HistoryTotals:
    """Count, collected, refunded and net of everything the filter matches, and the same per method."""
    filters = filters.checked()
    with uow.reading(actor, *FRONT_DESK):
        count, methods = uow.reports.history_totals(filters)
    totals = history_totals(count, methods)
    assert totals.count == count
    return totals


def write_history_csv(uow: UnitOfWork, actor: Actor, filters: HistoryFilters, out: TextIO, *,
                      page_size: int = EXPORT_PAGE, progress: Callable[[int], None] | None = None) -> int:
    """Every payment matching `filters` as CSV lines on `out` (header first); returns the number of rows.

    Open `out` with encoding "utf-8-sig" and newline="" so Excel reads Hindi and Tamil names right.
    """
    actor.require(*FRONT_DESK)
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    written, after = 0, None
    while True:
        page = payment_history(uow, actor, filters, after=after, limit=page_size)
        writer.writerows(csv_fields(row) for row in page)
        written += len(page)
        if progress is not None:
            progress(written)
        if len(page) < page_size:
            return written
        after = page[-1].key


def daily_collection(uow: UnitOfWork, actor: Actor, day: date, *, now: datetime | None = None) -> DailyCollection:
    """The close-of-day summary of one clinic day (Asia/Kolkata): money received that day by method, doctor and
    receptionist, refunds made that day netted by method and doctor, bills created, payments pending review, and the
    counts of the cash drawer."""
    start, end = day_bounds(day)
    with uow.reading(actor, *FRONT_DESK):
        figures = uow.reports.day_figures(start, end)
    payments = figures.payments
    by_method = method_lines({m: (n, s) for m, n, s, _pn, _ps in payments["method"]}, figures.refunds_by_method)
    by_doctor = named_lines({(i, name): (n, s) for i, name, n, s in payments["doctor"]}, figures.refunds_by_doctor,
                            NO_DOCTOR)
    by_receiver = named_lines({(i, name): (n, s) for i, name, n, s in payments["receiver"]}, {}, NOT_RECORDED)
    pending = sum(pn for *_rest, pn, _ps in payments["method"])
    pending_amount = sum((ps for *_rest, ps in payments["method"]), ZERO)
    return DailyCollection(day=day, by_method=by_method, by_doctor=by_doctor, by_receiver=by_receiver,
                           bills_created=figures.bills_created, pending_review=pending,
                           pending_review_amount=pending_amount,
                           refund_count=figures.refund_count, generated_at=now or utcnow(),
                           cash_counts=tuple(sorted(figures.cash_counts, key=lambda count: count.id)),
                           advances_received=Decimal(figures.advances_received),
                           advances_applied=Decimal(figures.advances_applied),
                           advances_refunded=Decimal(figures.advances_refunded))

