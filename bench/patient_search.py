"""Patient search and profile at scale: `python -m bench.patient_search --patients 1000000`.

Fills a throwaway embedded PostgreSQL with the demo generator (or reuses `--database-url`, generating only when it
holds fewer patients than asked), then times a fixed set of realistic searches through the real service and
repository, and in the same run the same searches as plain `ILIKE '%…%'` scans with index scans disabled, and
counts the statements that open a patient profile.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine, event, text

from bench.actors import active_staff
from bench.common import bench_database, cpu_name
from homa_desk.db import demo_data
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.patients import page_key
from homa_desk.domain.roles import Role
from homa_desk.services import patients

NAME_QUERIES = ("sharma", "priya", "kum", "reddy", "anil", "desai", "iyer", "patel", "nair", "gupta", "sunita",
                "venkat", "rao", "singh", "khan", "mehta", "deepa", "ram", "priya sh", "xyzq")
PHONE_QUERIES = ("98765", "4321", "99001", "7012", "88888", "6123456")
SHORT_QUERIES = ("pr", "ab", "zo", "sa", "k", "ve", "mo")
BASELINE_SQL = """
SELECT u.id, p.patient_number, u.full_name, u.phone
FROM users u JOIN patient_profiles p ON p.user_id = u.id
WHERE u.role = 'patient' AND (u.full_name ILIKE :pattern OR u.phone ILIKE :pattern OR p.patient_number::text = :q)
ORDER BY lower(u.full_name), u.id
LIMIT 50"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.patient_search", description=__doc__)
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--appointments", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds over the query set")
    parser.add_argument("--baseline-rounds", type=int, default=1)
    parser.add_argument("--database-url", help="an existing, migrated database (default: a throwaway one)")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each search")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print(f"machine: {cpu_name()}")
    with bench_database(args.database_url) as engine:
        _run(engine, args)
    return 0


def _run(engine: Engine, args: argparse.Namespace) -> None:
    with engine.connect() as conn:
        collation = conn.exec_driver_sql(
            "SELECT datcollate FROM pg_database WHERE datname = current_database()").scalar()
        print(f"server: {conn.exec_driver_sql('SHOW server_version').scalar()}, collation {collation}")
        have = conn.execute(text("SELECT count(*) FROM patient_profiles")).scalar_one()
    if have < args.patients:
        started = time.perf_counter()
        summary = demo_data.generate(engine, patients=args.patients - have, appointments=args.appointments,
                                     payments=False)
        print(f"generated {summary.patients:,} patients, {summary.appointments:,} appointments "
              f"in {time.perf_counter() - started:.1f} s")
        with engine.begin() as conn:
            conn.execute(text("ANALYZE users; ANALYZE patient_profiles; ANALYZE appointments"))
    figures = measure(engine, rounds=args.rounds, baseline_rounds=args.baseline_rounds)
    print(f"patients: {figures.patients:,}")
    print(f"\n{'query':<12} {'rows':>5} {'p50 ms':>8} {'max ms':>8} {'scan ms':>9}")
    for query in figures.queries:
        print(f"{query:<12} {figures.found[query]:>5} {statistics.median(figures.timings[query]):>8.1f} "
              f"{max(figures.timings[query]):>8.1f} {statistics.median(figures.baseline[query]):>9.1f}")
    print(f"\nsearch ({len(figures.queries)} queries x {args.rounds} rounds, first page of 50): "
          f"p50 {figures.p50:.1f} ms, p95 {figures.p95:.1f} ms, max {figures.max:.1f} ms")
    if figures.next_page:
        print(f"next page (keyset): p50 {_pct(figures.next_page, 50):.1f} ms, "
              f"p95 {_pct(figures.next_page, 95):.1f} ms")
    print(f"plain ILIKE scan without indexes: p50 {figures.scan_p50:.1f} ms, p95 {figures.scan_p95:.1f} ms")
    print(f"ratio scan/search: p50 {figures.scan_p50 / figures.p50:.0f}x, p95 {figures.scan_p95 / figures.p95:.0f}x")
    if figures.profile_statements is not None:
        print(f"open a profile ({figures.profile_appointments[0]} upcoming + {figures.profile_appointments[1]} "
              f"past appointments): {figures.profile_statements} statement(s), {figures.profile_ms:.1f} ms")

    if args.explain:
        for query in ("ram", "xyzq", "88888", "zo"):
            _explain(engine, query)


@dataclass
class SearchFigures:
    """What one measurement found: timings in ms per query (ours and the unindexed scan's), and the profile."""

    patients: int
    queries: tuple[str, ...]
    timings: dict[str, list[float]]
    baseline: dict[str, list[float]]
    found: dict[str, int]
    next_page: list[float] = field(default_factory=list)
    profile_statements: int | None = None
    profile_ms: float = 0.0
    profile_appointments: tuple[int, int] = (0, 0)

    @property
    def ours(self) -> list[float]:
        return [t for ts in self.timings.values() for t in ts]

    @property
    def scan(self) -> list[float]:
        return [t for ts in self.baseline.values() for t in ts]

    @property
    def p50(self) -> float:
        return _pct(self.ours, 50)

    @property
    def p95(self) -> float:
        return _pct(self.ours, 95)

    @property
    def max(self) -> float:
        return max(self.ours)

    @property
    def scan_p50(self) -> float:
        return _pct(self.scan, 50)

    @property
    def scan_p95(self) -> float:
        return _pct(self.scan, 95)


def measure(engine: Engine, *, rounds: int = 5, baseline_rounds: int = 1) -> SearchFigures:
    """Time the query set through the service, the same queries as unindexed scans, and a profile's statements."""
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM patient_profiles")).scalar_one()
        numbers = conn.execute(text(
            "SELECT min(patient_number), max(patient_number) FROM patient_profiles")).one()
        some = conn.execute(text("SELECT patient_id FROM appointments GROUP BY patient_id "
                                 "ORDER BY count(*) DESC LIMIT 1")).scalar()
    number_queries = tuple(str(n) for n in (numbers[0], (numbers[0] + numbers[1]) // 2, numbers[1] - 7))
    queries = NAME_QUERIES + PHONE_QUERIES + number_queries + SHORT_QUERIES
    actor = active_staff(engine, Role.RECEPTIONIST)
    uow = UnitOfWork(engine)

    for query in queries:  # warm the caches as a desk in use would have them
        patients.search_patients(uow, actor, query)
    timings: dict[str, list[float]] = {q: [] for q in queries}
    found: dict[str, int] = {}
    for _ in range(rounds):
        for query in queries:
            started = time.perf_counter()
            rows = patients.search_patients(uow, actor, query)
            timings[query].append((time.perf_counter() - started) * 1000)
            found[query] = len(rows)
    second: list[float] = []  # the next page, as scrolling asks for it
    for query in queries:
        first = patients.search_patients(uow, actor, query)
        if len(first) == patients.PAGE_SIZE:
            for _ in range(rounds):
                started = time.perf_counter()
                patients.search_patients(uow, actor, query, after=page_key(first[-1]))
                second.append((time.perf_counter() - started) * 1000)

    baseline: dict[str, list[float]] = {q: [] for q in queries}
    with engine.connect() as conn:
        conn.execute(text("SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off"))
        for _ in range(baseline_rounds):
            for query in queries:
                started = time.perf_counter()
                conn.execute(text(BASELINE_SQL), {"pattern": f"%{query}%", "q": query}).all()
                baseline[query].append((time.perf_counter() - started) * 1000)
        conn.rollback()
    figures = SearchFigures(total, queries, timings, baseline, found, second)

    if some is not None:
        doctor = active_staff(engine, Role.DOCTOR)
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
            statements.append(statement)

        patients.get_patient_profile(uow, doctor, some)
        event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        profile = patients.get_patient_profile(uow, doctor, some)
        figures.profile_ms = (time.perf_counter() - started) * 1000
        event.remove(engine, "before_cursor_execute", count)
        figures.profile_statements = len(statements)
        figures.profile_appointments = (len(profile.upcoming), len(profile.past))
    return figures


def _explain(engine: Engine, query: str) -> None:
    from homa_desk.db import patient_repository

    captured: list[tuple[str, object]] = []

    def grab(_conn, _cursor, statement, parameters, *_args) -> None:  # type: ignore[no-untyped-def]
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    with UnitOfWork(engine) as uow:
        uow.patients.search(query)
    event.remove(engine, "before_cursor_execute", grab)
    statement, parameters = captured[-1]
    with engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars().all()  # type: ignore[arg-type]
    print(f"\nEXPLAIN {query!r}:\n" + "\n".join(plan))
    del patient_repository


def _pct(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


if __name__ == "__main__":
    raise SystemExit(main())
