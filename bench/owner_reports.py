"""The owner's reports at millions of payments: each report of the Reports page opened (its service call, as the
page's worker makes it) over the twelve months ending with the busiest month, and the first audit log page per
filter.

    python -m bench.owner_reports --database-url postgresql://…   # a filled database (python -m bench's fill)

Procedure and medicine lines are added once to every third bill (a pool of 300 procedures and 1,500 medicines,
written with the triggers on, so their monthly totals are kept as the desk keeps them) when the bills have none.
"""

from __future__ import annotations

import argparse
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
SELECT b.id, 2, k.kind::bill_line_kind, k.name, k.quantity, k.price, 0, k.quantity * k.price
FROM bills b,
     LATERAL (SELECT CASE WHEN b.id % 2 = 0 THEN 'procedure' ELSE 'medicine' END AS kind,
                     CASE WHEN b.id % 2 = 0 THEN 'Procedure ' || (b.id / 3 % :procedures)
                          ELSE 'Medicine ' || (b.id / 3 % :medicines) END AS name,
                     CASE WHEN b.id % 2 = 0 THEN 1 ELSE 1 + b.id % 20 END AS quantity,
                     (50 + b.id % 40 * 25)::numeric(10, 2) AS price) k
WHERE b.id % 3 = 0 AND NOT EXISTS (SELECT 1 FROM bill_lines l WHERE l.bill_id = b.id AND l.position = 2)
"""


@dataclass(frozen=True)
class Figure:
    name: str
    p50: float
    p95: float
    rows: int


def fill_items(engine: Engine) -> str | None:
    """Procedure and medicine lines on every third bill, once; what was done, or None when already there."""
    with engine.connect() as conn:
        if conn.execute(text("SELECT EXISTS (SELECT 1 FROM bill_lines WHERE kind <> 'consultation')")).scalar_one():
            return None
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        added = conn.execute(text(_LINES), {"procedures": PROCEDURES, "medicines": MEDICINES}).rowcount
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE bill_lines, bill_item_month_totals"))
    return f"{added:,} procedure and medicine lines added (triggers on) in {time.perf_counter() - started:.1f} s"


def busiest_month(engine: Engine) -> date:
    with engine.connect() as conn:
        return conn.execute(text("SELECT month FROM payment_month_totals GROUP BY month"
                                 " ORDER BY sum(payments) DESC LIMIT 1")).scalar_one()


def _time(call: Callable[[], Any], rounds: int) -> tuple[float, float, Any]:
    call()  # warm
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
    return statistics.median(times), p95, result


def measure(engine: Engine, admin: Actor, *, rounds: int = 30) -> tuple[date, list[Figure]]:
    last = busiest_month(engine)
    with engine.connect() as conn:
        patient = conn.execute(text("SELECT patient_number FROM patient_profiles ORDER BY id LIMIT 1")).scalar()
    figures = []
    reports = (("collections (per month, method, doctor)", owner_reports.collections_report,
                lambda r: len(r.months) + len(r.doctors)),
               ("visits, new and returning patients", owner_reports.visits_report,
                lambda r: len(r.months) + len(r.doctors)),
               ("top 20 procedures and medicines", owner_reports.items_report,
                lambda r: len(r.procedures) + len(r.medicines)))
    for name, report, size in reports:
        p50, p95, result = _time(lambda report=report: report(UnitOfWork(engine), admin, last), rounds)
        figures.append(Figure(name, p50, p95, size(result)))
    since = last - timedelta(days=365)
    for name, filters in (("audit log, first page", AuditFilters()),
                          ("audit log, one person, a year", AuditFilters(since, last, actor_id=admin.user_id)),
                          ("audit log, one patient", AuditFilters(patient_number=patient)),
                          ("audit log, one action, a year", AuditFilters(since, last, action="payment_received"))):
        p50, p95, rows = _time(lambda f=filters: owner_reports.audit_log(UnitOfWork(engine), admin, f), rounds)
        figures.append(Figure(name, p50, p95, len(rows)))
    return last, figures


def report(figures: list[Figure], payments: int, last: date) -> list[str]:
    lines = [f"owner's reports over {payments:,} payments, twelve months to {last:%m/%Y} (service call as the page "
             f"makes it; target <= {TARGET_MS:.0f} ms):"]
    for figure in figures:
        verdict = "met" if figure.p95 <= TARGET_MS else "MISSED"
        lines.append(f"  {figure.name}: p50 {figure.p50:.1f} ms, p95 {figure.p95:.1f} ms ({verdict}); "
                     f"{figure.rows} rows")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.owner_reports", description=__doc__)
    parser.add_argument("--database-url", required=True, help="a filled database (python -m bench's fill)")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    print(f"machine: {cpu_name()}")
    with bench_database(args.database_url) as engine:
        done = fill_items(engine)
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
