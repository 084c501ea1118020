"""Payment history and the daily collection over 5,000,000 payments: `python -m bench.payments_report`.

Fills a throwaway embedded PostgreSQL (or `--database-url`): the demo generator makes patients, doctors and
appointments (without its payments), then one INSERT … SELECT per table gives every completed appointment a bill
(financial-year numbers, the doctor's fee) and a payment against it (cash/UPI/card/wallet/net banking, received by
a receptionist, paid 20 minutes after the slot), with a few pending review and a few refunded. Generation is timed
separately. Then it times, through the real services (a unit of work per call, as the desk does), the first page of
the payment history for typical filters, the totals of the same filters, a page deep into a month, and the daily
collection of the busiest day: p50/p95 over `--rounds` runs. `--explain` prints each query's plan.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, event, text

from bench.common import bench_database, cpu_name
from homa_desk.db import demo_data
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.billing import PaymentMethod
from homa_desk.domain.errors import ValidationError
from homa_desk.domain.reports import HistoryFilters
from homa_desk.domain.roles import Actor, Role
from homa_desk.services import reports

# every completed appointment gets a bill and a payment; ids, methods and oddities follow from the ids alone
_BILLS = """
INSERT INTO bills (id, bill_number, financial_year, serial, patient_id, appointment_id, doctor_id, status, total,
                   created_by, created_at, updated_at)
SELECT a.id, fy || '/' || CASE WHEN serial < 1000000 THEN lpad(serial::text, 6, '0') ELSE serial::text END,
       fy, serial, a.patient_id, a.id, a.doctor_id, 'paid',
       coalesce(dp.consultation_fee, 500), :receptionist,
       a.appointment_date + interval '5 minutes', a.appointment_date + interval '20 minutes'
FROM (SELECT a.*, fy, row_number() OVER (PARTITION BY fy ORDER BY a.appointment_date, a.id) AS serial
      FROM (SELECT a.*, CASE WHEN extract(month FROM a.appointment_date AT TIME ZONE 'Asia/Kolkata') >= 4
                             THEN extract(year FROM a.appointment_date AT TIME ZONE 'Asia/Kolkata')::int
                             ELSE extract(year FROM a.appointment_date AT TIME ZONE 'Asia/Kolkata')::int - 1 END AS y
            FROM appointments a WHERE a.status = 'completed') a,
           LATERAL (SELECT y || '-' || lpad(((y + 1) % 100)::text, 2, '0') AS fy) f) a
LEFT JOIN doctor_profiles dp ON dp.user_id = a.doctor_id
"""
_PAYMENTS = """
INSERT INTO payments (id, patient_id, appointment_id, amount, currency, payment_method, status, transaction_id,
                      upi_transaction_id, payment_date, created_at, bill_id, received_by, review_reason,
                      refunded_amount, doctor_id)
SELECT b.id, b.patient_id, NULL, b.total, 'INR', m.method::payment_method,
       CASE WHEN b.id % 1000 = 7 THEN 'pending' WHEN b.id % 500 = 3 THEN 'refunded' ELSE 'completed' END
           ::payment_status,
       CASE m.method WHEN 'upi' THEN 'pay_' || b.id WHEN 'card' THEN 'CARD' || b.id END,
       CASE WHEN m.method = 'upi' THEN lpad((b.id::bigint * 7919 % 1000000000000)::text, 12, '0') END,
       b.updated_at, b.updated_at, b.id,
       (CAST(:receptionists AS integer[]))[1 + b.id % :n_receptionists],
       CASE WHEN b.id % 1000 = 7 THEN 'Paid a different amount than asked' END,
       CASE WHEN b.id % 500 = 3 THEN b.total ELSE 0 END, b.doctor_id
FROM bills b
CROSS JOIN LATERAL (SELECT CASE WHEN b.id * 37 % 100 < 55 THEN 'upi' WHEN b.id * 37 % 100 < 88 THEN 'cash'
                                WHEN b.id * 37 % 100 < 97 THEN 'card' WHEN b.id * 37 % 100 < 99 THEN 'wallet'
                                ELSE 'netbanking' END AS method) m
WHERE b.appointment_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.bill_id = b.id)
"""
_REFUNDS = """
INSERT INTO refunds (payment_id, amount, reason, refunded_by, created_at)
SELECT p.id, p.amount, 'Treatment not given', :receptionist,
       p.payment_date + interval '3 hours'
FROM payments p WHERE p.status = 'refunded' AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.payments_report", description=__doc__)
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--appointments", type=int, default=6_600_000, help="~77%% of them end up paid")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--explain", action="store_true", help="print the plan of each timed query")
    parser.add_argument("--database-url", help="an existing, migrated database (default: a throwaway one)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print(f"machine: {cpu_name()}")
    with bench_database(args.database_url) as engine:
        _run(engine, args)
    return 0


def fill(engine: Engine, patients: int, appointments: int) -> None:
    with engine.connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM appointments")).scalar_one()
    if have < appointments:
        started = time.perf_counter()
        summary = demo_data.generate(engine, patients=patients, appointments=appointments - have, payments=False)
        print(f"demo generator: {summary.patients:,} patients, {summary.appointments:,} appointments, "
              f"{summary.doctors:,} doctors in {time.perf_counter() - started:.1f} s")
    with engine.connect() as conn:
        staff = list(conn.scalars(text("SELECT id FROM users WHERE role = 'receptionist' ORDER BY id")))
    params = {"receptionist": staff[0], "receptionists": staff, "n_receptionists": len(staff)}
    added_any = False
    for name, sql in (("bills", _BILLS), ("payments", _PAYMENTS), ("refunds", _REFUNDS)):
        with engine.begin() as conn:  # one transaction per table, so a rerun continues where one stopped
            if conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {name})")).scalar_one():
                continue
            conn.execute(text("SET LOCAL statement_timeout = 0"))
            conn.execute(text("SET LOCAL synchronous_commit = off"))
            # a throwaway database: rows reference what they should by construction; skip per-row FK triggers
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("SET LOCAL enable_nestloop = off"))  # bulk statements: hash joins, never loops
            # plans see the sources' sizes; never the empty target's, or its NOT EXISTS becomes a nested loop
            # over a table growing under it (quadratic: 16 minutes for the first 100,000 payments)
            sources = [t for t in ("users", "appointments", "doctor_profiles", "bills", "payments") if t != name]
            conn.execute(text(f"ANALYZE {', '.join(sources)}"))
            started = time.perf_counter()
            added = conn.execute(text(sql), params).rowcount
            added_any = added_any or name == "payments"
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"
                              f" (SELECT coalesce(max(id), 0) + 1 FROM {name}))"))
            print(f"{name}: {added:,} rows in {time.perf_counter() - started:.1f} s")
    with engine.begin() as conn:  # the fill skipped the triggers that keep the per-day totals
        if added_any or not conn.execute(text("SELECT EXISTS (SELECT 1 FROM payment_day_totals)")).scalar_one():
            conn.execute(text("SET LOCAL statement_timeout = 0"))
            started = time.perf_counter()
            conn.execute(text("SELECT homa_payment_totals_rebuild()"))
            print(f"per-day totals recounted in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            conn.execute(text("SELECT homa_owner_totals_rebuild()"))  # 0030's monthly totals
            print(f"monthly totals recounted in {time.perf_counter() - started:.1f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        started = time.perf_counter()
        conn.execute(text("VACUUM ANALYZE bills, payments, refunds, payment_day_totals, payment_doctor_day_totals"))
        print(f"vacuum analyze: {time.perf_counter() - started:.1f} s")


def _run(engine: Engine, args: argparse.Namespace) -> None:
    fill(engine, args.patients, args.appointments)
    with engine.connect() as conn:
        payments = conn.execute(text("SELECT count(*) FROM payments")).scalar_one()
        bills = conn.execute(text("SELECT count(*) FROM bills")).scalar_one()
        busy_day, busy_count = conn.execute(text(
            "SELECT (payment_date AT TIME ZONE 'Asia/Kolkata')::date AS d, count(*) FROM payments"
            " GROUP BY d ORDER BY count(*) DESC LIMIT 1")).one()
        patient_id = conn.execute(text(
            "SELECT patient_id FROM payments GROUP BY patient_id ORDER BY count(*) DESC LIMIT 1")).scalar_one()
        doctor_id = conn.execute(text("SELECT doctor_id FROM bills WHERE doctor_id IS NOT NULL LIMIT 1")).scalar_one()
        patient_name, patient_number = conn.execute(text(
            "SELECT u.full_name, p.patient_number FROM users u JOIN patient_profiles p ON p.user_id = u.id"
            " WHERE u.id = :id"), {"id": patient_id}).one()
        receptionist = conn.execute(text("SELECT id, full_name, email FROM users WHERE role = 'receptionist'"
                                         " ORDER BY id LIMIT 1")).one()
        size = conn.execute(text("SELECT pg_size_pretty(pg_total_relation_size('payments'))")).scalar_one()
    print(f"{payments:,} payments ({size} with indexes), {bills:,} bills; busiest day {busy_day} "
          f"with {busy_count:,} payments")
    actor = Actor(receptionist[0], Role.RECEPTIONIST, receptionist[1], receptionist[2])
    month = {"date_from": busy_day - timedelta(days=29), "date_to": busy_day}
    cases: list[tuple[str, HistoryFilters]] = [
        ("a day (the busiest)", HistoryFilters(date_from=busy_day, date_to=busy_day)),
        ("a month (30 days)", HistoryFilters(**month)),
        ("everything, no filter", HistoryFilters()),
        ("a method, no dates (wallet, 2%)", HistoryFilters(method=PaymentMethod.WALLET)),
        ("a method in a month (card)", HistoryFilters(**month, method=PaymentMethod.CARD)),
        ("a patient (id)", HistoryFilters(patient=patient_id)),
        ("a patient number", HistoryFilters(patient=str(patient_number))),
        ("a common name fragment in a month (sharma)", HistoryFilters(**month, patient="sharma")),
        ("a common name fragment, no dates (sharma)", HistoryFilters(patient="sharma")),
        ("a full name in a month", HistoryFilters(**month, patient=patient_name)),
        ("two letters in a month (ra)", HistoryFilters(**month, patient="ra")),
        ("pending review, no dates", HistoryFilters(status="pending-review")),
        ("refunded in a month", HistoryFilters(**month, status="refunded")),
        ("failed, no dates (there are none)", HistoryFilters(status="failed")),
        ("a doctor in a month", HistoryFilters(**month, doctor_id=doctor_id)),
        ("a doctor, no dates", HistoryFilters(doctor_id=doctor_id)),
        ("a doctor and a method in a month (cash)", HistoryFilters(**month, doctor_id=doctor_id,
                                                                   method=PaymentMethod.CASH)),
    ]
    rows = []
    for label, filters in cases:
        first = _time(args.rounds, lambda f=filters: reports.payment_history(UnitOfWork(engine), actor, f))
        refused = _refused(lambda f=filters: reports.payment_history_totals(UnitOfWork(engine), actor, f))
        totals = _time(max(3, args.rounds // 3), lambda f=filters: _refused(
            lambda: reports.payment_history_totals(UnitOfWork(engine), actor, f)))
        rows.append((label, first, totals, refused))
        if args.explain:
            _explain(engine, lambda f=filters: reports.payment_history(UnitOfWork(engine), actor, f))
            _explain(engine, lambda f=filters: reports.payment_history_totals(UnitOfWork(engine), actor, f))
    deep = [(f"{cases[i][0]}, page {pages + 1}",
             _page_after(engine, actor, cases[i][1], pages=pages, rounds=args.rounds))
            for i, pages in ((1, 20), (7, 5), (15, 5))]  # a month, a common name in a month, a doctor
    report = _time(args.rounds, lambda: reports.daily_collection(UnitOfWork(engine), actor, busy_day))
    if args.explain:
        _explain(engine, lambda: reports.daily_collection(UnitOfWork(engine), actor, busy_day))
    print("\n| payment history, filter | first page of 100: p50 / p95 | totals of the filter: p50 / p95 |")
    print("|---|---|---|")
    for label, first, totals, refused in rows:
        print(f"| {label} | {_fmt(first)} | {_fmt(totals)}{' (refused: type more)' if refused else ''} |")
    for label, times in deep:
        print(f"| {label} (keyset) | {_fmt(times)} | |")
    print(f"\ndaily collection of the busiest day ({busy_count:,} payments): {_fmt(report)}")


def _refused(call: Callable[[], Any]) -> bool:
    """Run `call`; True when it refused the filter (totals of a fragment matching too many patients)."""
    try:
        call()
    except ValidationError:
        return True
    return False


def _page_after(engine: Engine, actor: Actor, filters: HistoryFilters, *, pages: int, rounds: int) -> list[float]:
    after = None
    for _ in range(pages):
        page = reports.payment_history(UnitOfWork(engine), actor, filters, after=after)
        if not page:
            break  # a small database has fewer pages: time the last one there is
        after = page[-1].key
    return _time(rounds, lambda: reports.payment_history(UnitOfWork(engine), actor, filters, after=after))


def _time(rounds: int, call: Callable[[], Any]) -> list[float]:
    call()  # warm: plans, caches
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _fmt(times: list[float]) -> str:
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
    return f"{statistics.median(times):,.1f} / {p95:,.1f} ms"


def _explain(engine: Engine, call: Callable[[], Any]) -> None:
    """Capture the SELECTs `call` issues and print EXPLAIN ANALYZE of each."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        for statement, parameters in seen:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, BUFFERS OFF) " + statement, parameters)
            print("\n".join(row[0] for row in cursor.fetchall()))
            print("-" * 80)


if __name__ == "__main__":
    raise SystemExit(main())
