"""Payment history and the daily collection: read-only queries over payments, refunds and bills.

History pages are keyset pages ordered by (payment_date, id) descending, so the tenth page costs what the first
does. The doctor of a payment is `payments.doctor_id` (schema 0010: its bill's doctor, or its appointment's doctor
when it has no bill, kept by a trigger).

Why each query is shaped as it is, at 5,000,000 payments:
- every filter but a common name fragment has an index that gives its payments in date order: the date range
  (`ix_payments_date_id`), a method, a doctor, a patient (each `(x, payment_date, id)`), and the rare statuses
  (partial indexes), so a page reads about as many rows as it shows;
- a name fragment is first looked up in the narrow `patient_search` table. Matching at most NAME_PATIENTS_LISTED
  patients, their payments are read patient by patient (`ix_payments_patient_date`); matching more, the fragment
  is common (a few letters) and the page walks the date order checking each payment's patient, which finds a
  page within a few thousand rows;
- a page is chosen from payments alone, then only its rows are joined to names, bills and doctors;
- totals without a patient filter add up `payment_day_totals` / `payment_doctor_day_totals` (a few rows per
  day, kept by triggers) instead of every payment; with a patient they add up that patient's payments, and for
  a fragment matching more than NAME_PATIENTS_LISTED patients they are refused (ValidationError on `patient`):
  that sum would read hundreds of thousands of payments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ARRAY, Integer, Select, and_, any_, bindparam, exists, func, literal_column, select, text, tuple_
from sqlalchemy.orm import Session, aliased

from homa_desk.db.like import LIKE_ESCAPE, containing
from homa_desk.db.models import (
    Bill,
    PatientProfile,
    PatientSearchKey,
    Payment,
    PaymentDayTotal,
    PaymentDoctorDayTotal,
    User,
)
from homa_desk.domain.billing import PaymentMethod, PaymentState
from homa_desk.domain.errors import ValidationError
from homa_desk.domain.reconciliation import CashCount
from homa_desk.domain.reports import NO_PATIENT, HistoryFilters, HistoryKey, HistoryRow, HistoryStatus, MethodTotal
from homa_desk.domain.timeutil import to_local

NAME_PATIENTS_LISTED = 10_000  # up to this many patients matching a name fragment, read their payments one by one
_RECEIVED = (PaymentState.COMPLETED.value, PaymentState.REFUNDED.value)
_Key = tuple[int | None, str | None]


@dataclass(frozen=True)
class _Patients:
    """A patient filter resolved to a condition on payments; `few` when it names few enough patients to total."""

    condition: Any
    few: bool = True


_NOBODY = _Patients(Payment.id.is_(None))  # a name fragment that matches no patient


class ReportRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # -- payment history -----------------------------------------------------------------------------------------

    def history(self, filters: HistoryFilters, *, after: HistoryKey | None, limit: int) -> list[HistoryRow]:
        patients = self._patients(filters)
        if patients is _NOBODY:
            return []
        # the page's payments first (from payments alone, often from an index only), then the joins for just them
        page = _where(select(Payment.id, Payment.payment_date), filters, patients)
        if after is not None:
            page = page.where(tuple_(Payment.payment_date, Payment.id) < tuple_(*after))
        top = page.order_by(Payment.payment_date.desc(), Payment.id.desc()).limit(limit).subquery("top")
        doctor = aliased(User)
        stmt = (
            select(Payment.id, Payment.payment_date, Payment.bill_id, Bill.bill_number, Payment.patient_id,
                   User.full_name, PatientProfile.patient_number, doctor.full_name, Payment.payment_method,
                   Payment.amount, Payment.refunded_amount, Payment.status,
                   func.coalesce(Payment.upi_transaction_id, Payment.transaction_id), Payment.review_reason)
            .select_from(top)
            .join(Payment, Payment.id == top.c.id)
            .outerjoin(User, User.id == Payment.patient_id)  # gateway money on no desk QR has no patient (0019)
            .outerjoin(PatientProfile, PatientProfile.user_id == Payment.patient_id)
            .outerjoin(Bill, Bill.id == Payment.bill_id)
            .outerjoin(doctor, doctor.id == Payment.doctor_id)
            .order_by(top.c.payment_date.desc(), top.c.id.desc())
        )
        return [HistoryRow(id=r[0], paid_at=r[1], bill_id=r[2], bill_number=r[3], patient_id=r[4],
                           patient_name=r[5] or NO_PATIENT, patient_number=r[6], doctor_name=r[7],
                           method=PaymentMethod(r[8]), amount=r[9], refunded=r[10], state=PaymentState(r[11]),
                           reference=r[12], review_reason=r[13])
                for r in self._session.execute(stmt)]

    def history_totals(self, filters: HistoryFilters) -> tuple[int, list[MethodTotal]]:
        """(payments matched, per method: count, collected, refunded) in one aggregate over the filter."""
        patients = self._patients(filters)
        if patients is _NOBODY:
            return 0, []
        if patients is None:
            stmt = _summed_totals(filters)
        elif not patients.few:  # a few letters matching most patients: the sum would read most payments
            raise ValidationError("patient", "More than {count:,} patients match: type more of the name, or "
                                             "the patient number, to see totals.", count=NAME_PATIENTS_LISTED)
        else:
            received = Payment.status.in_(_RECEIVED)
            stmt = _where(select(Payment.payment_method, func.count(),
                                 func.coalesce(func.sum(Payment.amount).filter(received), 0),
                                 func.coalesce(func.sum(Payment.refunded_amount).filter(received), 0)),
                          filters, patients).group_by(Payment.payment_method)
        methods = [MethodTotal(PaymentMethod(m), count, Decimal(collected), Decimal(refunded))
                   for m, count, collected, refunded in self._session.execute(stmt)]
        return sum(m.count for m in methods), methods

    def _patients(self, filters: HistoryFilters) -> _Patients | None:
        """The patient filter resolved; None without one, _NOBODY when no patient matches."""
        if filters.patient_id is not None:
            return _Patients(Payment.patient_id == filters.patient_id)
        if filters.patient_number is not None:
            return _Patients(Payment.patient_id == (select(PatientProfile.user_id)
                                                    .where(PatientProfile.patient_number == filters.patient_number)
                                                    .scalar_subquery()))
        if filters.patient_name is None:
            return None
        named = PatientSearchKey.name_key.like(containing(filters.patient_name), escape=LIKE_ESCAPE)
        ids = list(self._session.scalars(select(PatientSearchKey.user_id).where(named)
                                         .limit(NAME_PATIENTS_LISTED + 1)))
        if not ids:
            return _NOBODY
        if len(ids) <= NAME_PATIENTS_LISTED:
            return _Patients(Payment.patient_id == any_(bindparam("patient_ids", ids, type_=ARRAY(Integer))))
        return _Patients(exists().where(PatientSearchKey.user_id == Payment.patient_id, named), few=False)

    # -- the daily collection ------------------------------------------------------------------------------------

    def day_figures(self, start: datetime, end: datetime) -> DayFigures:
        """Everything the daily collection needs of [start, end), in one statement (one round trip).

        The day's payments in one pass, grouped three ways; refunds made that day grouped by the payment's method
        and by its doctor; the count of bills created; the counts of the cash drawer (`start` is the clinic day's
        midnight).
        """
        rows = self._session.execute(text("""
            WITH day AS (
                SELECT p.payment_method::text AS method, p.doctor_id, p.received_by, p.amount,
                       p.status IN ('completed', 'refunded') AS received, p.status = 'pending' AS pending
                FROM payments p
                WHERE p.payment_date >= :start AND p.payment_date < :end
            ), grouped AS (
                SELECT method, doctor_id, received_by,
                       GROUPING(method) AS by_other, GROUPING(doctor_id) AS not_doctor,
                       count(*) FILTER (WHERE received) AS n, coalesce(sum(amount) FILTER (WHERE received), 0) AS s,
                       count(*) FILTER (WHERE pending) AS pn, coalesce(sum(amount) FILTER (WHERE pending), 0) AS ps
                FROM day GROUP BY GROUPING SETS ((method), (doctor_id), (received_by))
            ), refunded AS (
                SELECT GROUPING(p.payment_method) AS by_doctor, p.payment_method::text AS method, p.doctor_id,
                       count(*) AS n, sum(r.amount) AS s
                FROM refunds r
                JOIN payments p ON p.id = r.payment_id
                -- a refund of money still held for review: that money was never counted as collected
                WHERE r.created_at >= :start AND r.created_at < :end AND p.status IN ('completed', 'refunded')
                GROUP BY GROUPING SETS ((p.payment_method), (p.doctor_id))
            )
            -- a name lookup per group row (a few thousand at most) by primary key; a join let the planner
            -- hash all of users (1,000,000 patients) for a busy day
            SELECT 'paid', g.by_other, g.not_doctor, g.method, coalesce(g.doctor_id, g.received_by),
                   (SELECT u.full_name FROM users u WHERE u.id = coalesce(g.doctor_id, g.received_by)),
                   g.n, g.s, g.pn, g.ps
            FROM grouped g
            UNION ALL
            SELECT 'refund', r.by_doctor, 0, r.method, r.doctor_id,
                   (SELECT u.full_name FROM users u WHERE u.id = r.doctor_id), r.n, r.s, 0, 0
            FROM refunded r
            UNION ALL
            SELECT 'bills', 0, 0, NULL, NULL, NULL,
                   (SELECT count(*) FROM bills b WHERE b.created_at >= :start AND b.created_at < :end), 0, 0, 0
            UNION ALL
            -- advances (schema 0029): received that day (already in the payments above), applied that day (no
            -- money moved: never collected again), refunded that day (already in the refunds above)
            SELECT 'advances', 0, 0, NULL, NULL, NULL, 0,
                   (SELECT coalesce(sum(p.amount), 0) FROM payments p JOIN patient_advances a ON a.payment_id = p.id
                    WHERE p.payment_date >= :start AND p.payment_date < :end
                      AND p.status IN ('completed', 'refunded')),
                   0,
                   (SELECT coalesce(sum(x.amount), 0) FROM advance_applications x
                    WHERE x.applied_at >= :start AND x.applied_at < :end AND x.returned_at IS NULL)
            UNION ALL
            SELECT 'advance_refunds', 0, 0, NULL, NULL, NULL, 0,
                   (SELECT coalesce(sum(r.amount), 0) FROM refunds r
                    JOIN patient_advances a ON a.payment_id = r.payment_id
                    WHERE r.created_at >= :start AND r.created_at < :end), 0, 0
            UNION ALL
            -- the drawer's counts of the day (schema 0019): id, reason and time as JSON, counted and expected
            SELECT 'cash', c.id, 0, json_build_object('reason', c.reason, 'at', c.counted_at)::text, c.counted_by,
                   (SELECT u.full_name FROM users u WHERE u.id = c.counted_by), 0, c.counted, 0, c.expected
            FROM cash_counts c
            WHERE c.day = (CAST(:start AS timestamptz) AT TIME ZONE 'Asia/Kolkata')::date
        """), {"start": start, "end": end})
        figures = DayFigures({"method": [], "doctor": [], "receiver": []}, 0, {}, {}, 0)
        for kind, by_other, not_doctor, method, person, name, n, s, pn, ps in rows:
            if kind == "cash":
                figures.cash_counts.append(_cash_count(by_other, start, method, name, s, ps))
            elif kind == "bills":
                figures.bills_created = n
            elif kind == "advances":
                figures.advances_received, figures.advances_applied = s, ps
            elif kind == "advance_refunds":
                figures.advances_refunded = s
            elif kind == "refund":
                if by_other:
                    figures.refunds_by_doctor[(person, name)] = s
                else:
                    figures.refunds_by_method[method] = s
                    figures.refund_count += n
            elif not by_other:
                figures.payments["method"].append((method, n, s, pn, ps))
            elif n:
                figures.payments["receiver" if not_doctor else "doctor"].append((person, name, n, s))
        return figures


@dataclass
class DayFigures:
    """`payments`: {"method": [(method, received count, collected, pending count, pending amount)],
    "doctor": [(doctor id, name, count, collected)], "receiver": [(user id, name, count, collected)]}."""

    payments: dict[str, list[tuple[Any, ...]]]
    refund_count: int
    refunds_by_method: dict[str, Decimal]
    refunds_by_doctor: dict[_Key, Decimal]
    bills_created: int
    cash_counts: list[CashCount] = field(default_factory=list)
    advances_received: Decimal = Decimal("0.00")  # of the day's payments, the advances (schema 0029)
    advances_applied: Decimal = Decimal("0.00")  # used on bills that day: no money, not collected again
    advances_refunded: Decimal = Decimal("0.00")  # of the day's refunds, those of advances


def _cash_count(count_id: int, start: datetime, details: str, counted_by: str | None, counted: Decimal,
                expected: Decimal) -> CashCount:
    extra = json.loads(details)
    return CashCount(id=count_id, day=to_local(start).date(), counted=counted, expected=expected,
                     reason=extra["reason"], counted_by=counted_by, counted_at=datetime.fromisoformat(extra["at"]))


def _where(stmt: Select, filters: HistoryFilters, patients: _Patients | None) -> Select:
    """The filters on payments; `patients` is the patient filter resolved by ReportRepository._patients."""
    start, end = filters.utc_range
    stmt = stmt.where(Payment.payment_date.is_not(None))
    if start is not None:
        stmt = stmt.where(Payment.payment_date >= start)
    if end is not None:
        stmt = stmt.where(Payment.payment_date < end)
    if filters.method is not None:
        stmt = stmt.where(Payment.payment_method == filters.method.value)
    if filters.status is not None:
        stmt = stmt.where(_status(filters.status))
    if patients is not None:
        stmt = stmt.where(patients.condition)
    if filters.doctor_id is not None:
        stmt = stmt.where(Payment.doctor_id == filters.doctor_id)
    return stmt


def _summed_totals(filters: HistoryFilters) -> Select:
    """Totals per method from the per-day totals tables (no patient filter): a few rows per day matched."""
    table: Any = PaymentDayTotal if filters.doctor_id is None else PaymentDoctorDayTotal
    received = table.status.in_(_RECEIVED)
    stmt = (select(table.payment_method, func.sum(table.payments),
                   func.coalesce(func.sum(table.amount).filter(received), 0),
                   func.coalesce(func.sum(table.refunded_amount).filter(received), 0))
            .group_by(table.payment_method).having(func.sum(table.payments) > 0))
    if filters.doctor_id is not None:
        stmt = stmt.where(table.doctor_id == filters.doctor_id)
    if filters.date_from is not None:
        stmt = stmt.where(table.day >= filters.date_from)
    if filters.date_to is not None:
        stmt = stmt.where(table.day <= filters.date_to)
    if filters.method is not None:
        stmt = stmt.where(table.payment_method == filters.method.value)
    if filters.status is HistoryStatus.REFUNDED:
        stmt = stmt.where(received, table.refunded)
    elif filters.status is not None:
        stmt = stmt.where(table.status == _STATE_OF[filters.status].value)
    return stmt


_STATE_OF = {HistoryStatus.COMPLETED: PaymentState.COMPLETED, HistoryStatus.PENDING_REVIEW: PaymentState.PENDING,
             HistoryStatus.FAILED: PaymentState.FAILED}


def _status(status: HistoryStatus) -> Any:
    if status is HistoryStatus.REFUNDED:  # literal 0, so the partial index ix_payments_refunded applies
        return and_(Payment.status.in_(_RECEIVED), Payment.refunded_amount > literal_column("0"))
    return Payment.status == _STATE_OF[status].value
