"""Paid-to-shown latency and gateway calls per session: `python -m bench.upi_latency`.

Runs the desk's confirmation loop (services.upi_payments.check_upi_payment, scheduled by
gateways.polling.PollSchedule exactly as ui/billing/upi_poller.py schedules it) against the local Razorpay of the tests
(a real HTTP server on 127.0.0.1) on a throwaway embedded PostgreSQL:

- latency: sessions are opened, the "patient" pays each at a random moment, and the time from that payment to the
  moment the desk has recorded it as Paid is measured (the UI adds one queued signal to show it);
- calls: sessions left unpaid are polled for a while, and the gateway's request log gives the calls per active
  session per minute (target ≤ 30 at the default 2 s interval).
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta

from bench.common import bench_database, cpu_name
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.billing import LineInput, SessionStatus
from homa_desk.domain.patients import validate_patient
from homa_desk.domain.payments import GatewayError
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.staff import NewStaff
from homa_desk.gateways.polling import PollSchedule
from homa_desk.gateways.razorpay import RazorpayGateway
from homa_desk.services import billing, staff
from homa_desk.services import upi_payments as upi
from homa_desk.services.patients import register_patient
from tests.gateways.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.upi_latency", description=__doc__)
    parser.add_argument("--interval", type=float, default=2.0, help="poll interval in seconds (the desk's default)")
    parser.add_argument("--sessions", type=int, default=40, help="paid sessions measured")
    parser.add_argument("--concurrent", type=int, default=8, help="sessions open at once")
    parser.add_argument("--idle-seconds", type=float, default=30.0, help="how long unpaid sessions are polled")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print(f"machine: {cpu_name()}; poll interval {args.interval} s")
    with bench_database(None, pool_size=args.concurrent + 2) as engine:
        _run(engine, args)
    return 0


@dataclass(frozen=True)
class UpiFigures:
    latencies: list[float]  # seconds from the payment to the desk having it recorded as Paid
    calls_per_minute: float  # gateway calls per active (unpaid) session per minute
    interval: float

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p95(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _run(engine, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    figures = measure(engine, interval=args.interval, sessions=args.sessions, concurrent=args.concurrent,
                      idle_seconds=args.idle_seconds)
    print(f"paid-to-shown over {len(figures.latencies)} sessions: p50 {figures.p50:.2f} s, "
          f"p95 {figures.p95:.2f} s, max {max(figures.latencies):.2f} s (bound: interval + one round trip)")
    print(f"gateway calls per active session per minute: {figures.calls_per_minute:.1f} (target <= 30)")


def measure(engine, *, interval: float = 2.0, sessions: int = 40, concurrent: int = 8,  # type: ignore[no-untyped-def]
            idle_seconds: float = 30.0, desk: Actor | None = None, patient: int | None = None) -> UpiFigures:
    """Run both measurements against a local Razorpay. Without `desk`/`patient` (an empty database) it creates an
    admin, a receptionist and a patient; a filled database passes its own receptionist and patient."""
    if desk is None:
        admin = staff.create_first_admin(UnitOfWork(engine), NewStaff(
            "admin@bench.example", "Bench Admin", "+919876543210", Role.ADMIN, "Monsoon-Ledger-Tide-42"),
            "Bench Clinic")
        desk = staff.add_staff(UnitOfWork(engine), admin.as_actor(), NewStaff(
            "desk@bench.example", "Bench Desk", "+919876543211", Role.RECEPTIONIST, "Harbour-Lantern-Cove-17"),
        ).as_actor()
    if patient is None:
        details = validate_patient(full_name="Kavya Nair", phone="9812345670", today=date(2026, 11, 26),
                                   age_years="34")
        patient = register_patient(UnitOfWork(engine), desk, details).user_id
    args = argparse.Namespace(interval=interval, sessions=sessions, concurrent=concurrent, idle_seconds=idle_seconds)

    def new_bill() -> int:
        lines = [LineInput("consultation", "Consultation", "1", str(random.randint(300, 1500)))]
        return billing.create_bill(UnitOfWork(engine), desk, patient_id=patient, lines=lines).id

    with FakeRazorpay() as fake:
        gateway = RazorpayGateway(KEY_ID, KEY_SECRET, base_url=fake.base_url)
        latencies = _paid_to_shown(engine, gateway, fake, desk, new_bill, args)
        calls = _calls_per_minute(engine, gateway, fake, desk, new_bill, args)
        gateway.close()
    return UpiFigures(latencies, calls, interval)


def _poll_until_final(engine, gateway, session_id: int, interval: float) -> float:  # type: ignore[no-untyped-def]
    """The desk's loop: poll, wait what PollSchedule says; returns the moment the session was seen final."""
    schedule = PollSchedule(interval)
    while True:
        try:
            session = upi.check_upi_payment(UnitOfWork(engine), gateway, session_id)
            error = None
        except GatewayError as failure:
            session, error = None, failure
        if session is not None and session.status.final:
            return time.perf_counter()
        time.sleep(schedule.next_delay(error))


def _paid_to_shown(engine, gateway, fake, desk, new_bill, args) -> list[float]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    lock = threading.Lock()

    def one_session() -> None:
        session = upi.start_upi_payment(UnitOfWork(engine), gateway, desk, new_bill())
        paid_at: list[float] = []

        def pay() -> None:
            fake.mark_paid(session.gateway_qr_id)
            paid_at.append(time.perf_counter())

        threading.Timer(random.uniform(0.5, 3 * args.interval), pay).start()
        shown = _poll_until_final(engine, gateway, session.id, args.interval)
        final = upi.get_session(UnitOfWork(engine), desk, session.id)
        assert final.status is SessionStatus.COMPLETED, final.status
        with lock:
            latencies.append(shown - paid_at[0])

    remaining = args.sessions
    while remaining > 0:
        batch = [threading.Thread(target=one_session) for _ in range(min(args.concurrent, remaining))]
        for thread in batch:
            thread.start()
        for thread in batch:
            thread.join()
        remaining -= len(batch)
    return latencies


def _calls_per_minute(engine, gateway, fake, desk, new_bill, args) -> float:  # type: ignore[no-untyped-def]
    sessions = [upi.start_upi_payment(UnitOfWork(engine), gateway, desk, new_bill(),
                                      expires_in=timedelta(minutes=10)) for _ in range(args.concurrent)]
    before = fake.calls("GET")
    stop = time.perf_counter() + args.idle_seconds

    def poll(session_id: int) -> None:
        schedule = PollSchedule(args.interval)
        while time.perf_counter() < stop:
            try:
                upi.check_upi_payment(UnitOfWork(engine), gateway, session_id)
                error = None
            except GatewayError as failure:
                error = failure
            time.sleep(min(schedule.next_delay(error), max(0.0, stop - time.perf_counter())))

    threads = [threading.Thread(target=poll, args=(s.id,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    calls = fake.calls("GET") - before
    for session in sessions:
        upi.cancel_upi_payment(UnitOfWork(engine), gateway, desk, session.id)
    return calls / len(sessions) / (args.idle_seconds / 60)


if __name__ == "__main__":
    raise SystemExit(main())
