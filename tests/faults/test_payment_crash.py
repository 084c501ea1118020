"""SIGKILL the desk's payment flow at 100 random moments against a local Razorpay while patients keep paying, restart
it each time (start-up reconciliation first), and check that the money and the database agree: every payment the
gateway received is completed exactly once, and none is completed that the gateway did not receive."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict

import pytest
from sqlalchemy import Engine, text

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.timeutil import utcnow
from homa_desk.gateways.razorpay import RazorpayGateway
from homa_desk.services import upi_payments
from tests.faults.process_helpers import ROOT, child_env, libpq_url
from tests.gateways.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay
from tests.services.billing_helpers import a_bill, a_patient

SEED = 20261126
ROUNDS = 100
BILLS = 40  # open bills kept in front of the desk before each round, so every round has work to be killed in
KILL_WITHIN = 1.2  # seconds after the desk started
PAY_WITHIN = 0.15  # seconds after a QR is on the screen (attached to its session)


class Patients(threading.Thread):
    """Pays every QR the desk has put on screen, once, after a random moment, whether the desk is alive or not."""

    def __init__(self, engine: Engine, gateway: FakeRazorpay, rng: random.Random) -> None:
        super().__init__(name="patients", daemon=True)
        self.engine, self.gateway, self.rng = engine, gateway, rng
        self.due: dict[str, float] = {}
        self.paid: set[str] = set()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.01):
            with self.engine.connect() as conn:
                shown = conn.execute(text("SELECT gateway_qr_id FROM payment_sessions WHERE status = 'active'"
                                          " AND gateway_qr_id IS NOT NULL")).scalars().all()
            now = time.monotonic()
            for qr_id in shown:
                self.due.setdefault(qr_id, now + self.rng.uniform(0, PAY_WITHIN))
            for qr_id, when in list(self.due.items()):
                if when <= now and qr_id not in self.paid:
                    self.gateway.mark_paid(qr_id)
                    self.paid.add(qr_id)

    def stop(self) -> None:
        self.stopping.set()
        self.join(5)


class Desk:
    """The harness process (tests/faults/payment_child.py): each `run` is a new desk process."""

    def __init__(self, db_url: str, gateway: FakeRazorpay, actor_json: str, stderr) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.payment_child", db_url, gateway.base_url, KEY_ID, KEY_SECRET,
             actor_json], cwd=ROOT, env=child_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
            text=True, bufsize=1)

    def start(self, command: str = "run") -> int:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        word, pid = self.process.stdout.readline().split()
        assert word == "pid"
        return int(pid)

    def wait(self, pid: int) -> int:
        word, ended, code = self.process.stdout.readline().split()
        assert (word, int(ended)) == ("exit", pid)
        return int(code)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(10)


def top_up_bills(engine: Engine, uow: UnitOfWork, receptionist, patient, made: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Keep BILLS open bills waiting: a quiet machine pays them faster than a loaded one and would run out."""
    with engine.connect() as conn:
        open_bills = conn.execute(text("SELECT count(*) FROM bills WHERE status = 'open'")).scalar_one()
    for _ in range(BILLS - open_bills):
        made[0] += 1
        a_bill(uow, receptionist, patient, ("consultation", "Consultation", "1", f"{300 + made[0]}.50"))


def count_open_without_qr(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM payment_sessions WHERE status = 'active'"
                                 " AND gateway_qr_id IS NULL")).scalar_one()


@pytest.mark.slow
def test_killed_at_100_moments_every_received_payment_is_completed_once(engine, db_url, uow, receptionist, tmp_path):
    patient = a_patient(uow, receptionist)
    made = [0]
    rng = random.Random(SEED)
    actor_json = json.dumps({k: v for k, v in asdict(receptionist).items() if k != "role"})
    errors = tmp_path / "desk-stderr.txt"
    with FakeRazorpay() as gateway, errors.open("w") as stderr:
        patients = Patients(engine, gateway, random.Random(SEED + 1))
        patients.start()
        desk = Desk(libpq_url(db_url), gateway, actor_json, stderr)
        exits: Counter[int] = Counter()
        started = time.monotonic()
        try:
            for _ in range(ROUNDS):
                top_up_bills(engine, uow, receptionist, patient, made)
                pid = desk.start()
                time.sleep(rng.uniform(0, KILL_WITHIN))
                with contextlib.suppress(ProcessLookupError):  # it had already finished every bill
                    os.kill(pid, signal.SIGKILL)
                exits[desk.wait(pid)] += 1
            patients.stop()
            assert desk.wait(desk.start("settle")) == 0
        finally:
            patients.stop()
            desk.close()
        elapsed = time.monotonic() - started
        without_qr = count_open_without_qr(engine)
        client = RazorpayGateway(KEY_ID, KEY_SECRET, base_url=gateway.base_url, retries=0)
        upi_payments.reconcile(UnitOfWork(engine), client, now=utcnow() + upi_payments.QR_CREATE_GRACE * 2)
        client.close()
        assert count_open_without_qr(engine) == 0, "a bill is still blocked by a session that never got its QR"
        received = [p["id"] for qr in gateway.qrs.values() for p in qr.payments if p["status"] == "captured"]

    assert errors.read_text() == ""
    assert exits[1] == 0 and exits[-signal.SIGKILL] >= ROUNDS * 0.9, exits
    with engine.connect() as conn:
        payments = conn.execute(text("SELECT transaction_id, status, bill_id, payment_session_id FROM payments"))\
            .all()
        sessions = dict(conn.execute(text("SELECT status, count(*) FROM payment_sessions GROUP BY status")).all())
        orphans = conn.execute(text(
            "SELECT count(*) FROM payment_sessions s WHERE s.status = 'completed' AND NOT EXISTS"
            " (SELECT 1 FROM payments p WHERE p.payment_session_id = s.id)")).scalar_one()
        unpaid_bills_with_payment = conn.execute(text(
            "SELECT count(*) FROM bills b WHERE b.status <> 'paid' AND EXISTS"
            " (SELECT 1 FROM payments p WHERE p.bill_id = b.id AND p.status = 'completed')")).scalar_one()
        paid_twice = conn.execute(text(
            "SELECT count(*) FROM (SELECT bill_id FROM payments GROUP BY bill_id HAVING count(*) > 1) x")).scalar_one()
    completed = [row.transaction_id for row in payments if row.status == "completed"]
    print(f"\n{ROUNDS} kills in {elapsed:.1f} s: exits {dict(exits)}, {len(received)} payments received,"
          f" sessions {sessions}, {without_qr} left without a QR (cancelled once the grace was over)")
    assert len(received) >= ROUNDS // 5, "too few payments for the kills to mean much"
    assert sorted(completed) == sorted(received)
    assert len(payments) == len(completed), "a payment held for review or failed: none should be"
    assert orphans == 0 and unpaid_bills_with_payment == 0 and paid_twice == 0
