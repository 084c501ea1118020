"""Day view at scale: `python -m bench.day_view --patients 1000000 --appointments 5000000`.

Fills a throwaway embedded PostgreSQL with the demo generator (or uses `--database-url`), keeps `--doctors` (10)
doctors active, as a clinic's desk sees them, and opens the day view through the real service: prints the
statements it issues (counted with SQLAlchemy's before_cursor_execute) and the open time p50/p95 over the days
of the demo window, plus one doctor's week.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from datetime import timedelta

from sqlalchemy import Engine, event, text

from bench.actors import active_staff
from bench.common import bench_database, cpu_name
from homa_desk.db import demo_data
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.roles import Role
from homa_desk.domain.timeutil import CLINIC_TZ
from homa_desk.services import appointments


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.day_view", description=__doc__)
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--appointments", type=int, default=5_000_000)
    parser.add_argument("--doctors", type=int, default=10, help="doctors left active (the columns of the grid)")
    parser.add_argument("--days", type=int, default=60, help="days opened (from 30 days back)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", help="an existing, migrated database (default: a throwaway one)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print(f"machine: {cpu_name()}")
    with bench_database(args.database_url) as engine:
        _run(engine, args)
    return 0


def _run(engine: Engine, args: argparse.Namespace) -> None:
    with engine.connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM appointments")).scalar_one()
    if have < args.appointments:
        started = time.perf_counter()
        summary = demo_data.generate(engine, patients=args.patients, appointments=args.appointments - have,
                                     payments=False)
        print(f"generated {summary.patients:,} patients, {summary.appointments:,} appointments, "
              f"{summary.doctors:,} doctors in {time.perf_counter() - started:.1f} s")
    with engine.begin() as conn:  # the clinic's active doctors: the busiest --doctors of them
        conn.execute(text("""UPDATE users SET is_active = (id IN (
            SELECT doctor_id FROM appointments GROUP BY doctor_id ORDER BY count(*) DESC, doctor_id LIMIT :n))
            WHERE role = 'doctor'"""), {"n": args.doctors})
        conn.execute(text("ANALYZE"))
        total = conn.execute(text("SELECT count(*) FROM appointments")).scalar_one()
        doctors = conn.execute(text("SELECT count(*) FROM users WHERE role = 'doctor'")).scalar_one()
        first_day = conn.execute(text("SELECT (min(appointment_date) AT TIME ZONE 'Asia/Kolkata')::date"
                                      " FROM appointments")).scalar_one()
    print(f"appointments: {total:,}; doctors: {doctors:,}, {args.doctors} active")
    actor = active_staff(engine, Role.RECEPTIONIST)
    uow = UnitOfWork(engine)
    start = first_day + timedelta(days=150)
    days = [start + timedelta(days=n) for n in range(args.days)]

    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    view = appointments.day_view(uow, actor, days[0])
    counted = list(statements)
    statements.clear()
    appointments.week_view(uow, actor, view.doctors[0].doctor.user_id, days[0])
    week_statements = len(statements)
    print(f"\nday view of {days[0]}: {len(view.doctors)} doctors, {sum(len(d.slots) for d in view.doctors)} slots, "
          f"{sum(len(d.appointments) for d in view.doctors)} appointments; statements: {len(counted)}")
    for sql in counted:
        print("   ", " ".join(sql.split())[:110], "…")
    print(f"week view of one doctor: {week_statements} statements")

    timings: list[float] = []
    for _ in range(args.rounds):
        for day in days:
            started = time.perf_counter()
            appointments.day_view(uow, actor, day)
            timings.append((time.perf_counter() - started) * 1000)
    week_timings = []
    for day in days[:: 7]:
        started = time.perf_counter()
        appointments.week_view(uow, actor, view.doctors[0].doctor.user_id, day)
        week_timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    print(f"\nday view open ({args.doctors} doctors, {len(days)} days x {args.rounds} rounds, {CLINIC_TZ}): "
          f"p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")
    print(f"week view open (one doctor): p50 {statistics.median(week_timings):.1f} ms")


if __name__ == "__main__":
    raise SystemExit(main())
