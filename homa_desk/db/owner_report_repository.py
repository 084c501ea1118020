"""The owner's reports and the audit log viewer: read-only queries.

The reports read only the monthly totals tables of schema 0030 (kept by triggers), never payments, appointments or
bill lines, so twelve months cost the same at 5,000,000 payments as at 5,000: each report is one statement over
at most a few rows per month, doctor and method (or per month and billed name).

The audit log is read in keyset pages ordered by (occurred_at, id) descending; each filter (person, patient,
action) has an index in that order (0030), so a page reads about as many rows as it shows, whatever the page.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select, text, tuple_
from sqlalchemy.orm import Session, aliased

from homa_desk.db.models import AuditEntry, PatientProfile, User
from homa_desk.domain.audit_view import AuditFilters, AuditKey, AuditRow

Row = tuple[Any, ...]


class OwnerReportRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def collections(self, first: date, last: date) -> list[Row]:
        """('month', month, method, None, None, payments, collected, refunded) per month and method of money
        received, and ('doctor', None, None, doctor id, name, payments, collected, refunded) per doctor."""
        return [tuple(r) for r in self._session.execute(text("""
            SELECT 'month', month, payment_method::text, NULL::integer, NULL::text,
                   sum(payments), sum(amount), sum(refunded_amount)
            FROM payment_month_totals
            WHERE month BETWEEN :first AND :last AND status IN ('completed', 'refunded')
            GROUP BY month, payment_method
            UNION ALL
            SELECT 'doctor', NULL, NULL, d.doctor_id, (SELECT u.full_name FROM users u WHERE u.id = d.doctor_id),
                   d.payments, d.amount, d.refunded_amount
            FROM (SELECT doctor_id, sum(payments) AS payments, sum(amount) AS amount,
                         sum(refunded_amount) AS refunded_amount
                  FROM payment_doctor_month_totals WHERE month BETWEEN :first AND :last
                  GROUP BY doctor_id) d
        """), {"first": first, "last": last})]

    def visits(self, first: date, last: date) -> list[Row]:
        """('month', month, None, None, visits, patients, new patients) per month and
        ('doctor', None, doctor id (0: none), name, visits, 0, 0) per doctor."""
        return [tuple(r) for r in self._session.execute(text("""
            SELECT 'month', coalesce(v.month, p.month), NULL::integer, NULL::text, coalesce(v.visits, 0),
                   coalesce(p.patients, 0), coalesce(p.new_patients, 0)
            FROM (SELECT month, sum(visits) AS visits FROM visit_month_totals
                  WHERE month BETWEEN :first AND :last GROUP BY month) v
            FULL JOIN (SELECT month, patients, new_patients FROM patient_month_totals
                       WHERE month BETWEEN :first AND :last) p ON p.month = v.month
            UNION ALL
            SELECT 'doctor', NULL, d.doctor_id, (SELECT u.full_name FROM users u WHERE u.id = d.doctor_id),
                   d.visits, 0, 0
            FROM (SELECT doctor_id, sum(visits) AS visits FROM visit_month_totals
                  WHERE month BETWEEN :first AND :last GROUP BY doctor_id HAVING sum(visits) <> 0) d
        """), {"first": first, "last": last})]

    def top_items(self, first: date, last: date, kinds: tuple[str, ...], top: int) -> list[Row]:
        """(kind, name, lines, quantity, amount): the `top` names of each kind by amount billed."""
        return [tuple(r) for r in self._session.execute(text("""
            SELECT kind, label, lines, quantity, amount FROM (
                SELECT kind::text AS kind, (array_agg(label ORDER BY month DESC))[1] AS label, sum(lines) AS lines,
                       sum(quantity) AS quantity, sum(amount) AS amount,
                       row_number() OVER (PARTITION BY kind ORDER BY sum(amount) DESC, sum(lines) DESC,
                                          name_key) AS rank
                FROM bill_item_month_totals
                WHERE month BETWEEN :first AND :last AND kind::text = ANY(:kinds)
                GROUP BY kind, name_key HAVING sum(lines) > 0
            ) ranked WHERE rank <= :top ORDER BY kind, rank
        """), {"first": first, "last": last, "kinds": list(kinds), "top": top})]

    # -- the audit log -----------------------------------------------------------------------------------------

    def audit_page(self, filters: AuditFilters, *, after: AuditKey | None, limit: int) -> list[AuditRow]:
        page = _audit_where(select(AuditEntry.id, AuditEntry.occurred_at), filters)
        if after is not None:
            page = page.where(tuple_(AuditEntry.occurred_at, AuditEntry.id) < tuple_(*after))
        top = page.order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc()).limit(limit).subquery("top")
        actor, patient = aliased(User), aliased(User)
        stmt = (
            select(AuditEntry.id, AuditEntry.occurred_at, actor.full_name, AuditEntry.actor_role, AuditEntry.action,
                   AuditEntry.entity, AuditEntry.entity_id, AuditEntry.patient_id, patient.full_name,
                   PatientProfile.patient_number, AuditEntry.before, AuditEntry.after)
            .select_from(top)
            .join(AuditEntry, AuditEntry.id == top.c.id)
            .outerjoin(actor, actor.id == AuditEntry.actor_id)
            .outerjoin(patient, patient.id == AuditEntry.patient_id)
            .outerjoin(PatientProfile, PatientProfile.user_id == AuditEntry.patient_id)
            .order_by(top.c.occurred_at.desc(), top.c.id.desc())
        )
        return [AuditRow(id=r[0], occurred_at=r[1], actor_name=r[2], actor_role=r[3], action=r[4], entity=r[5],
                         entity_id=r[6], patient_id=r[7], patient_name=r[8], patient_number=r[9],
                         before=r[10] if isinstance(r[10], dict) else None,
                         after=r[11] if isinstance(r[11], dict) else None)
                for r in self._session.execute(stmt)]

    def audit_people(self) -> list[tuple[int, str, str]]:
        """Staff who may have written the log: (id, name, role), by name."""
        rows = self._session.execute(select(User.id, User.full_name, User.role).where(User.role != "patient")
                                     .order_by(User.full_name, User.id))
        return [(r[0], r[1], r[2]) for r in rows]


def _audit_where(stmt: Select, filters: AuditFilters) -> Select:
    start, end = filters.utc_range
    if start is not None:
        stmt = stmt.where(AuditEntry.occurred_at >= start)
    if end is not None:
        stmt = stmt.where(AuditEntry.occurred_at < end)
    if filters.actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == filters.actor_id)
    if filters.patient_number is not None:
        stmt = stmt.where(AuditEntry.patient_id == (select(PatientProfile.user_id)
                                                    .where(PatientProfile.patient_number == filters.patient_number)
                                                    .scalar_subquery()))
    if filters.action is not None:
        stmt = stmt.where(AuditEntry.action == filters.action)
    return stmt


def as_decimal(value: Any) -> Decimal:
    return Decimal(value or 0)


def as_month(value: date | datetime) -> date:
    return value if not isinstance(value, datetime) else value.date()
