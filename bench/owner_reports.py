"""The owner's reports at millions of payments: each report of the Reports page opened (its service call, as the
page's worker makes it) over the twelve months ending with the busiest month, and the first audit log page per
filter.

    python -m bench.owner_reports --database-url postgresql://…   # a filled database (python -m bench's fill)

Procedure and medicine lines are added once to every third bill (a pool of 300 procedures and 1,500 medicines)
when the bills have none, and an audit entry "payment received" for every fifth payment (by who received it, at its
time) when the audit log is nearly empty. Each fill is one set-based INSERT … SELECT in one transaction: the bill
lines' foreign key is dropped and re-added (one join checks every row, as pg_restore does, instead of a trigger per
row), their monthly totals are kept by the statement trigger the desk uses (one aggregate over the inserted rows);
the audit entries' patient is written from the payment, as the row trigger `audit_log_patient` would derive it,
with that trigger off inside the transaction (it looks each entity up one row at a time: ~0.5 ms a row, 8 minutes
for a million). 1.7 million lines and a million entries take minutes at 5 million payments, not half an hour.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, text

from bench.common import bench_database, cpu_name
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.audit_view import AuditFilters
from homa_desk.domain.roles import Actor
from homa_desk.services import owner_reports

TARGET_MS = 200.0
PROCEDURES, MEDICINES = 300, 1500

_LINES = """
INSERT INTO bill_lines (bill_id, position, kind, description, quantity, unit_price, discount, total)
SELECT b.id, coalesce(l.last, 0) + 1, k.kind::bill_line_kind, k.name, k.quantity, k.price, 0, k.quantity * k.price
FROM bills b
     LEFT JOIN (SELECT bill_id, max(position) AS last FROM bill_lines GROUP BY 1) l ON l.bill_id = b.id,
     LATERAL (SELECT CASE WHEN b.id % 2 = 0 THEN 'procedure' ELSE 'medicine' END AS kind,
                     CASE WHEN b.id % 2 = 0 THEN 'Procedure ' || (b.id / 3 % :procedures)
                          ELSE 'Medicine ' || (b.id / 3 % :medicines) END AS name,
                     CASE WHEN b.id % 2 = 0 THEN 1 ELSE 1 + b.id % 20 END AS quantity,
                     (50 + b.id % 40 * 25)::numeric(10, 2) AS price) k
WHERE b.id % 3 = 0
"""
_FOREIGN_KEYS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE contype = 'f' AND conrelid = 'bill_lines'::regclass ORDER BY conname
"""


_AUDIT = """
INSERT INTO audit_log (occurred_at, actor_id, actor_role, action, entity, entity_id, after, patient_id)
SELECT p.payment_date, p.received_by, CASE WHEN p.received_by IS NULL THEN NULL ELSE 'receptionist' END,
       'payment_received', 'payment', p.id::text,
       jsonb_build_object('amount', p.amount::text, 'method', p.payment_method::text), p.patient_id
FROM payments p WHERE p.id % 5 = 0 AND p.payment_date IS NOT NULL
"""


@dataclass(frozen=True)
class Figure:
    name: str
    p50: float
    p95: float
    rows: int
    cpu: float  # the bench process's own CPU per call (ms): the page's share, whatever else runs on the cores


def fill_items(engine: Engine) -> str | None:
    """Procedure and medicine lines on every third bill, once; what was done, or None when already there."""
    with engine.connect() as conn:
        if conn.execute(text("SELECT EXISTS (SELECT 1 FROM bill_lines WHERE kind <> 'consultation')")).scalar_one():
            return None
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        foreign_keys = conn.execute(text(_FOREIGN_KEYS)).all()
        for name, _ in foreign_keys:
            conn.execute(text(f'ALTER TABLE bill_lines DROP CONSTRAINT "{name}"'))
        added = conn.execute(text(_LINES), {"procedures": PROCEDURES, "medicines": MEDICINES}).rowcount
        for name, definition in foreign_keys:  # re-added: one join checks every line
            conn.execute(text(f'ALTER TABLE bill_lines ADD CONSTRAINT "{name}" {definition}'))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SET statement_timeout = 0"))
        conn.execute(text("VACUUM ANALYZE bill_lines, bill_item_month_totals"))
    return (f"{added:,} procedure and medicine lines added (totals by the statement trigger) in "
            f"{time.perf_counter() - started:.1f} s")


def fill_audit(engine: Engine) -> str | None:
    """One audit entry per fifth payment, once; what was done, or None when the log already has entries."""
    with engine.connect() as conn:
        if conn.execute(text("SELECT count(*) FROM (SELECT 1 FROM audit_log LIMIT 1000) a")).scalar_one() >= 1000:
            return None
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_patient"))  # this transaction only
        added = conn.execute(text(_AUDIT)).rowcount
        conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_patient"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SET statement_timeout = 0"))
        conn.execute(text("VACUUM ANALYZE audit_log"))
    return f"{added:,} audit entries added (patient from the payment) in {time.perf_counter() - started:.1f} s"


def busiest_month(engine: Engine) -> date:
    with engine.connect() as conn:
        return conn.execute(text("SELECT month FROM payment_month_totals GROUP BY month"
                                 " ORDER BY sum(payments) DESC LIMIT 1")).scalar_one()


def _time(call: Callable[[], Any], rounds: int) -> tuple[float, float, float, Any]:
    """p50 and p95 wall time (ms), the process's CPU time per call (ms), and the last result."""
    call()  # warm
    times, result = [], None
    cpu_started = time.process_time()
    for _ in range(rounds):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    cpu = (time.process_time() - cpu_started) * 1000 / rounds
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
    return statistics.median(times), p95, cpu, result


def measure(engine: Engine, admin: Actor, *, rounds: int = 30) -> tuple[date, list[Figure]]:
    last = busiest_month(engine)
    with engine.connect() as conn:  # the busiest person and patient of the log (found once, not timed)
        person = conn.execute(text("SELECT actor_id FROM audit_log WHERE actor_id IS NOT NULL GROUP BY 1"
                                   " ORDER BY count(*) DESC LIMIT 1")).scalar() or admin.user_id
        patient = conn.execute(text(
            "SELECT pp.patient_number FROM (SELECT patient_id FROM audit_log WHERE patient_id IS NOT NULL"
            " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1) a JOIN patient_profiles pp ON pp.user_id = a.patient_id"
        )).scalar() or 1
    figures = []
    reports = (("collections (per month, method, doctor)", owner_reports.collections_report,
                lambda r: len(r.months) + len(r.doctors)),
               ("visits, new and returning patients", owner_reports.visits_report,
                lambda r: len(r.months) + len(r.doctors)),
               ("top 20 procedures and medicines", owner_reports.items_report,
                lambda r: len(r.procedures) + len(r.medicines)))
    for name, report, size in reports:
        p50, p95, cpu, result = _time(lambda report=report: report(UnitOfWork(engine), admin, last), rounds)
        figures.append(Figure(name, p50, p95, size(result), cpu))
    since = last - timedelta(days=365)
    until = last + timedelta(days=31)  # to the end of that month
    for name, filters in (("audit log, first page", AuditFilters()),
                          ("audit log, one person, a year", AuditFilters(since, until, actor_id=person)),
                          ("audit log, one patient", AuditFilters(patient_number=patient)),
                          ("audit log, one action, a year", AuditFilters(since, until, action="payment_received"))):
        p50, p95, cpu, rows = _time(lambda f=filters: owner_reports.audit_log(UnitOfWork(engine), admin, f), rounds)
        figures.append(Figure(name, p50, p95, len(rows), cpu))
        if filters.actor_id is None and filters.patient_number is None and rows:  # the page after (keyset)
            p50, p95, cpu, rows = _time(lambda f=filters, key=rows[-1].key: owner_reports.audit_log(
                UnitOfWork(engine), admin, f, after=key), rounds)
            figures.append(Figure(f"{name}, next page", p50, p95, len(rows), cpu))
    return last, figures


def report(figures: list[Figure], payments: int, last: date) -> list[str]:
    lines = [f"owner's reports over {payments:,} payments, twelve months to {last:%m/%Y} (service call as the page "
             f"makes it; target <= {TARGET_MS:.0f} ms):"]
    for figure in figures:
        verdict = "met" if figure.p95 <= TARGET_MS else "MISSED"
        lines.append(f"  {figure.name}: p50 {figure.p50:.1f} ms, p95 {figure.p95:.1f} ms ({verdict}); "
                     f"{figure.rows} rows, bench CPU {figure.cpu:.1f} ms a call")
    if hasattr(os, "getloadavg"):  # wall times on shared cores rise with the load; the CPU per call does not
        lines.append("  load average (1, 5, 15 min) at the end: {:.1f}, {:.1f}, {:.1f}".format(*os.getloadavg()))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.owner_reports", description=__doc__)
    parser.add_argument("--database-url", required=True, help="a filled database (python -m bench's fill)")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    print(f"machine: {cpu_name()}")
    with bench_database(args.database_url) as engine:
        for done in (fill_items(engine), fill_audit(engine)):
            if done:
                print(done)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT id, full_name, email FROM users WHERE role = 'admin' AND is_active"
                                    " ORDER BY id LIMIT 1")).one()
            payments = conn.execute(text("SELECT count(*) FROM payments")).scalar_one()
        from homa_desk.domain.roles import Role
        last, figures = measure(engine, Actor(row[0], Role.ADMIN, row[1], row[2]), rounds=args.rounds)
        print("\n".join(report(figures, payments, last)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
