"""How fast the demo generator fills a database: `python -m bench.generate_demo --patients 1000000`.

By default a throwaway embedded PostgreSQL is started in a temporary folder, migrated, filled and deleted;
`--database-url` fills an existing, migrated database instead (it appends).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import time

from bench.common import bench_database, cpu_name
from homa_desk.db import demo_data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate_demo", description=__doc__)
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--appointments", type=int, help="default: 3 per patient")
    parser.add_argument("--doctors", type=int, help="default: enough for the appointments to fill 80%% of slots")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-payments", action="store_true")
    parser.add_argument("--database-url", help="an existing, migrated database (default: a throwaway one)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    print(f"machine: {cpu_name()}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}")
    with bench_database(args.database_url) as engine:
        _run(engine, args)
    return 0


def _run(engine, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        print(f"server: {conn.exec_driver_sql('SHOW server_version').scalar()}")
    started = time.perf_counter()
    summary = demo_data.generate(engine, seed=args.seed, patients=args.patients, doctors=args.doctors,
                                 appointments=args.appointments, payments=not args.no_payments)
    total = time.perf_counter() - started
    seconds = summary.seconds
    print(f"generated: {summary.as_dict()}")
    print(f"patients (users + patient_profiles): {summary.patients:,} in {seconds['patients']:.1f} s"
          f" = {_rate(summary.patients, seconds['patients'])} patients/s")
    print(f"appointments (+ {summary.payments:,} payments): {summary.appointments:,} in {seconds['appointments']:.1f} s"
          f" = {_rate(summary.appointments, seconds['appointments'])} appointments/s")
    if "foreign_keys" in seconds:
        print(f"foreign keys re-added and checked in {seconds['foreign_keys']:.1f} s")
    print(f"bcrypt hashes of the staff's unknown passwords: {seconds['password_hashes']:.1f} s")
    rows = summary.doctors + summary.receptionists + 2 * summary.patients + summary.appointments + summary.payments
    print(f"total: {rows:,} rows in {total:.1f} s (commit included) = {_rate(rows, total)} rows/s")
    print(f"database size: {demo_data.database_size(engine) / 2**20:,.0f} MiB")


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else "-"



if __name__ == "__main__":
    raise SystemExit(main())
