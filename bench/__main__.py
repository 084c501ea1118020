"""Every performance figure of the desk in one run: `python -m bench` (full) or `python -m bench --quick`.

One database is filled once (1,000,000 patients, ~5,000,000 paid appointments; `--quick`: 2,000 and ~5,000) and
every figure is measured on it: cold start against a bare PySide6 window, patient search against an unindexed scan,
round trips and open time of each view through a proxy adding 100 ms, the longest UI-thread stall, UPI
paid-to-shown latency and gateway calls, the daily collection report, and the owner's reports (each report of the
Reports page and the audit log's pages; `--only owner`).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import random
import statistics
import time
from datetime import UTC, date, datetime

from sqlalchemy import Engine, text

from bench import cold_start, owner_reports, patient_search, payments_report, round_trips, upi_latency, view_opens
from bench.common import bench_database, cpu_name
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.billing import LineInput
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.staff import NewStaff
from homa_desk.services import billing, reports, staff

FULL = {"patients": 1_000_000, "appointments": 6_600_000, "cold_rounds": 7, "search_rounds": 5, "view_rounds": 3,
        "report_rounds": 30, "upi": {"interval": 2.0, "sessions": 40, "concurrent": 8, "idle_seconds": 30.0}}
QUICK = {"patients": 2_000, "appointments": 6_600, "cold_rounds": 2, "search_rounds": 1, "view_rounds": 1,
         "report_rounds": 3, "upi": {"interval": 0.5, "sessions": 4, "concurrent": 4, "idle_seconds": 3.0}}
ACTIVE_DOCTORS = 10  # a clinic's grid has a handful of columns, not the demo's thousand doctors
SEARCH_TARGET_MS, SEARCH_RATIO_TARGET = 30.0, 50.0
COLD_TARGET, STALL_TARGET_MS, REPORT_TARGET_MS = 1.3, 50.0, 200.0
PASSWORD = "Bench-Desk-Pass-1"
FIGURES = ("cold", "search", "views", "roundtrips", "upi", "collection", "owner")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small data, a smoke test of every figure")
    parser.add_argument("--database-url", help="an existing, migrated database (default: a throwaway one)")
    parser.add_argument("--latency-ms", type=float, default=100.0, help="added round-trip latency for the views")
    parser.add_argument("--only", type=lambda text: set(text.split(",")), default=set(FIGURES), metavar="LIST",
                        help=f"measure only these, comma-separated, of: {','.join(FIGURES)}")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")  # never the user's secrets
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    plan = QUICK if args.quick else FULL
    started = time.perf_counter()
    print(f"Homa Desk benchmark ({'quick' if args.quick else 'full'}), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {cpu_name()}, nproc {os.cpu_count()}, Python {platform.python_version()}, "
          f"Qt platform {os.environ.get('QT_QPA_PLATFORM', 'default')}")
    with bench_database(args.database_url, pool_size=10) as engine:
        with engine.connect() as conn:
            print(f"PostgreSQL {conn.exec_driver_sql('SHOW server_version').scalar()}")
        _fill(engine, plan)
        cast, email, counts = _prepare(engine)
        print(f"data: {counts['patients']:,} patients, {counts['appointments']:,} appointments, "
              f"{counts['payments']:,} payments; {ACTIVE_DOCTORS} doctors active "
              f"(setup {time.perf_counter() - started:.0f} s)\n")
        url = engine.url.render_as_string(hide_password=False)
        if "cold" in args.only:
            _cold_start(url, email, plan)
        if "search" in args.only:
            _search(engine, plan)
        if "views" in args.only:
            _views(url, cast, plan, args.latency_ms)
        if "roundtrips" in args.only:
            _round_trips(engine, url, cast, plan, args.latency_ms)
        if "upi" in args.only:
            _upi(engine, cast, plan)
        if "collection" in args.only:
            _daily_collection(engine, cast, plan, counts["payments"])
        if "owner" in args.only:
            _owner(engine, cast, plan, counts["payments"])
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return 0


def _fill(engine: Engine, plan: dict) -> None:  # type: ignore[type-arg]
    filled = time.perf_counter()
    payments_report.fill(engine, plan["patients"], plan["appointments"])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    print(f"filled in {time.perf_counter() - filled:.0f} s")


def _prepare(engine: Engine) -> tuple[round_trips.Cast, str, dict[str, int]]:
    """The clinic's 10 busiest doctors active; an admin, a receptionist with a known password; who to open."""
    with engine.begin() as conn:
        conn.execute(text("""UPDATE users SET is_active = (id IN (
            SELECT doctor_id FROM appointments GROUP BY doctor_id ORDER BY count(*) DESC, doctor_id LIMIT :n))
            WHERE role = 'doctor'"""), {"n": ACTIVE_DOCTORS})
        doctor = conn.execute(text(
            "SELECT u.id, u.full_name, u.email FROM users u WHERE u.role = 'doctor' AND u.is_active"
            " ORDER BY u.id LIMIT 1")).one()
        patient_id = conn.execute(text("SELECT patient_id FROM appointments GROUP BY patient_id"
                                       " ORDER BY count(*) DESC LIMIT 1")).scalar_one()
        busy_day = conn.execute(text(
            "SELECT (payment_date AT TIME ZONE 'Asia/Kolkata')::date AS d FROM payments"
            " GROUP BY d ORDER BY count(*) DESC LIMIT 1")).scalar_one()
        # the bulk fill numbered its bills itself; the desk's next bill takes the next serial of its year
        conn.execute(text("""INSERT INTO bill_counters (financial_year, last_serial)
            SELECT financial_year, max(serial) FROM bills GROUP BY financial_year
            ON CONFLICT (financial_year) DO UPDATE SET last_serial = greatest(bill_counters.last_serial,
                                                                             excluded.last_serial)"""))
        counts = {name: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for name, table in
                  (("patients", "patient_profiles"), ("appointments", "appointments"), ("payments", "payments"))}
    if staff.needs_first_admin(UnitOfWork(engine)):
        admin = staff.create_first_admin(UnitOfWork(engine), NewStaff(
            "admin@bench.example", "Bench Admin", _mobile(), Role.ADMIN, "Monsoon-Ledger-Tide-42"), "Bench Clinic")
        admin_actor = admin.as_actor()
    else:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT id, full_name, email FROM users WHERE role = 'admin' AND is_active"
                                    " ORDER BY id LIMIT 1")).one()
        admin_actor = Actor(row[0], Role.ADMIN, row[1], row[2])
    email = f"desk{int(time.time())}@bench.example"
    desk = staff.add_staff(UnitOfWork(engine), admin_actor, NewStaff(
        email, "Bench Desk", _mobile(), Role.RECEPTIONIST, PASSWORD)).as_actor()
    cast = round_trips.Cast(desk, Actor(doctor[0], Role.DOCTOR, doctor[1], doctor[2]), admin_actor, patient_id,
                            busy_day)
    return cast, email, counts


def _mobile() -> str:
    return f"+9198{random.randint(0, 99_999_999):08d}"


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _cold_start(url: str, email: str, plan: dict) -> None:  # type: ignore[type-arg]
    figures = cold_start.measure(url, email, PASSWORD, rounds=plan["cold_rounds"])
    phases = figures.phases_ms
    met = _verdict(figures.ratio <= COLD_TARGET)
    print(f"cold start to the first interactive window (sign-in painted, e-mail focused, idle): desk "
          f"{figures.window:.0f} ms / bare QMainWindow {figures.bare:.0f} ms = {figures.ratio:.2f}x "
          f"(target <= {COLD_TARGET}x: {met}); medians of {len(figures.desk_ms)} fresh processes each")
    print(f"  signed in, main window's first view loaded and idle: {figures.desk:.0f} ms = "
          f"{figures.signed_in_ratio:.1f}x bare; phases from spawn: sign-in window {phases['window']:.0f} ms, "
          f"database open {phases['connected']:.0f} ms, signed in (bcrypt) {phases['signed_in']:.0f} ms, "
          f"main window shown {phases['shown']:.0f} ms, first view loaded and idle {phases['idle']:.0f} ms")


def _search(engine: Engine, plan: dict) -> None:  # type: ignore[type-arg]
    figures = patient_search.measure(engine, rounds=plan["search_rounds"])
    ratio95, ratio50 = figures.scan_p95 / figures.p95, figures.scan_p50 / figures.p50
    print(f"patient search over {figures.patients:,} patients: p95 {figures.p95:.1f} ms (target <= "
          f"{SEARCH_TARGET_MS:.0f} ms: {_verdict(figures.p95 <= SEARCH_TARGET_MS)}), p50 {figures.p50:.1f} ms; "
          f"{len(figures.queries)} queries x {plan['search_rounds']} rounds")
    print(f"patient search vs unindexed ILIKE scan: p95 {figures.scan_p95:.0f} ms = {ratio95:.0f}x, "
          f"p50 {figures.scan_p50:.0f} ms = {ratio50:.0f}x (target {SEARCH_RATIO_TARGET:.0f}x: "
          f"{_verdict(ratio95 >= SEARCH_RATIO_TARGET)} at p95, {_verdict(ratio50 >= SEARCH_RATIO_TARGET)} at p50)")


def _views(url: str, cast: round_trips.Cast, plan: dict, latency_ms: float) -> None:  # type: ignore[type-arg]
    figures = round_trips.measure(url, cast, latency_ms=latency_ms, rounds=plan["view_rounds"])
    print(f"view opens (warm pool; medians of {plan['view_rounds']}): statements, network round trips, open time "
          f"straight / with +{latency_ms:.0f} ms per round trip (target <= 3 round trips' worth + local time)")
    for view in figures.views:
        target = figures.target_ms(view)
        print(f"  view {view.name}: {view.statements} statements, {view.round_trips} round trips; "
              f"{view.local:.0f} ms / {view.proxied:.0f} ms (target <= {target:.0f} ms: "
              f"{_verdict(view.proxied <= target)}); longest stall {view.stall_ms:.0f} ms "
              f"(UI thread busy {view.stall_busy_ms:.0f} ms of it); "
              f"widgets built in {view.build_ms:.0f} ms")
    print(f"longest UI-thread stall while views load at +{latency_ms:.0f} ms: {figures.stall_loading_ms:.0f} ms; "
          f"with {figures.polls} UPI polls meanwhile: {figures.stall_polling_ms:.0f} ms "
          f"(target <= {STALL_TARGET_MS:.0f} ms: "
          f"{_verdict(max(figures.stall_loading_ms, figures.stall_polling_ms) <= STALL_TARGET_MS)})")


def _round_trips(engine: Engine, url: str, cast: round_trips.Cast, plan: dict,  # type: ignore[type-arg]
                 latency_ms: float) -> None:
    """Every view the desk opens (bench/view_opens.py), counted on the wire, timed at +latency and +2 ms."""
    with engine.connect() as conn:
        bill_id = conn.execute(text("SELECT id FROM bills WHERE patient_id = :p ORDER BY id DESC LIMIT 1"),
                               {"p": cast.patient_id}).scalar()
        visit = conn.execute(text("SELECT id FROM appointments WHERE doctor_id = :d"
                                  " ORDER BY appointment_date DESC LIMIT 1"), {"d": cast.doctor.user_id}).scalar()
    if bill_id is None:
        bill_id = billing.create_bill(UnitOfWork(engine), cast.receptionist, patient_id=cast.patient_id,
                                      lines=[LineInput("consultation", "Consultation", "1", "500")]).id
    everyone = view_opens.Cast(cast.receptionist, cast.doctor, cast.admin, cast.patient_id, cast.collection_day,
                               bill_id, visit)
    latencies = (latency_ms, 2.0)
    figures = view_opens.measure(url, everyone, latencies=latencies, rounds=plan["view_rounds"])
    limit = view_opens.ROUND_TRIP_LIMIT
    print(f"round trips per view open, counted on the wire (every statement, BEGIN/COMMIT, pipelined reads as "
          f"one); open time with +{latency_ms:.0f} ms / +2 ms per round trip (medians of {plan['view_rounds']}; "
          f"target <= {limit} round trips)")
    for figure in figures:
        print(f"  {figure.name:40} {figure.round_trips} round trips "
              f"({_verdict(figure.round_trips <= limit)}), {figure.statements} statements; "
              f"{figure.open_ms[latency_ms]:.0f} ms / {figure.open_ms[2.0]:.0f} ms")
    worst = max(figures, key=lambda f: f.round_trips)
    print(f"views over {limit} round trips: {sum(f.round_trips > limit for f in figures)} of {len(figures)} "
          f"(most: {worst.name}, {worst.round_trips})")


def _upi(engine: Engine, cast: round_trips.Cast, plan: dict) -> None:  # type: ignore[type-arg]
    options = plan["upi"]
    figures = upi_latency.measure(engine, desk=cast.receptionist, patient=cast.patient_id, **options)
    target = 60 / figures.interval
    worst = max(figures.latencies)
    print(f"UPI paid-to-shown over {len(figures.latencies)} sessions ({options['concurrent']} at once, poll every "
          f"{figures.interval:g} s): p50 {figures.p50:.2f} s, p95 {figures.p95:.2f} s, max {worst:.2f} s "
          f"(bound: interval + one round trip: {_verdict(worst <= figures.interval + 0.5)})")
    print(f"UPI gateway calls per active session per minute: {figures.calls_per_minute:.1f} "
          f"(target <= {target:.0f}: {_verdict(figures.calls_per_minute <= target + 0.5)})")


def _daily_collection(engine: Engine, cast: round_trips.Cast, plan: dict, payments: int) -> None:  # type: ignore[type-arg]
    day: date = cast.collection_day
    times = []
    reports.daily_collection(UnitOfWork(engine), cast.receptionist, day)  # warm
    for _ in range(plan["report_rounds"]):
        started = time.perf_counter()
        reports.daily_collection(UnitOfWork(engine), cast.receptionist, day)
        times.append((time.perf_counter() - started) * 1000)
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
    print(f"daily collection report over {payments:,} payments, busiest day {day}: "
          f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms (target <= {REPORT_TARGET_MS:.0f} ms: "
          f"{_verdict(p95 <= REPORT_TARGET_MS)}); {len(times)} rounds")


def _owner(engine: Engine, cast: round_trips.Cast, plan: dict, payments: int) -> None:  # type: ignore[type-arg]
    """The owner's group: time to open each report of the Reports page, and audit log pages."""
    for done in (owner_reports.fill_items(engine), owner_reports.fill_audit(engine)):
        if done:
            print(done)
    last, figures = owner_reports.measure(engine, cast.admin, rounds=plan["report_rounds"])
    print("\n".join(owner_reports.report(figures, payments, last)))


if __name__ == "__main__":
    raise SystemExit(main())
