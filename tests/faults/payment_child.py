"""The desk's UPI payment flow without a screen, for the crash test: start-up reconciliation, then bill after bill
"Pay by UPI" and poll until settled, exactly the services the desk's panel and poller call.

    python -m tests.faults.payment_child DB_URL GATEWAY_URL KEY_ID KEY_SECRET ACTOR_JSON

Importing SQLAlchemy, the models and the services takes about a second; a hundred restarts would spend most of
their time there. So this process imports once and then forks a fresh desk process for every line "run" or
"settle" read on stdin (nothing but code is shared: every desk opens its own engine and gateway session after the
fork). It answers "pid N" when the desk has started and "exit N CODE" when it has ended, killed or not, so the
test can SIGKILL the desk at any moment and always knows when it is gone.
"""

from __future__ import annotations

import json
import os
import sys

from sqlalchemy import text

from homa_desk.backend import Backend, DatabaseTarget
from homa_desk.db.engine import make_engine
from homa_desk.domain.roles import Actor, Role
from homa_desk.gateways.razorpay import RazorpayGateway
from homa_desk.services import upi_payments
from homa_desk.ui.billing.upi_reconcile import reconcile_open_sessions

POLL_SECONDS = 0.02
NEXT_BILL = text(
    "SELECT b.id FROM bills b WHERE b.status = 'open' AND NOT EXISTS"
    " (SELECT 1 FROM payment_sessions s WHERE s.bill_id = b.id AND s.status = 'active') ORDER BY b.id LIMIT 1")
RESUMABLE = text("SELECT id FROM payment_sessions WHERE status = 'active' AND gateway_qr_id IS NOT NULL ORDER BY id")


def desk(url: str, gateway_url: str, key_id: str, key_secret: str, actor: Actor, *, settle_only: bool) -> None:
    """What a desk does after sign-in: reconcile, then take UPI payments until no bill is left to pay."""
    import time

    engine = make_engine(url, pool_size=1)
    gateway = RazorpayGateway(key_id, key_secret, base_url=gateway_url, retries=0, read_timeout=5)
    backend = Backend(engine=engine, target=DatabaseTarget("remote", engine.url), gateway=gateway,
                      poll_interval=POLL_SECONDS)
    reconcile_open_sessions(backend)
    if settle_only:
        return
    while True:
        with engine.connect() as conn:
            resumable = conn.execute(RESUMABLE).scalars().first()
            bill_id = None if resumable else conn.execute(NEXT_BILL).scalar()
        if resumable is None and bill_id is None:
            return
        if resumable is None:
            session = upi_payments.start_upi_payment(backend.uow(), gateway, actor, bill_id)
        else:
            session = upi_payments.get_session(backend.uow(), actor, resumable)
        while not session.status.final:
            time.sleep(POLL_SECONDS)
            session = upi_payments.check_upi_payment(backend.uow(), gateway, session.id)


def main(argv: list[str]) -> int:
    url, gateway_url, key_id, key_secret, actor_json = argv
    actor = Actor(**{**json.loads(actor_json), "role": Role.RECEPTIONIST})
    for line in sys.stdin:
        command = line.strip()
        if command not in ("run", "settle"):
            break
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                desk(url, gateway_url, key_id, key_secret, actor, settle_only=command == "settle")
            except BaseException as error:  # the test reads this as a failure of the desk, not of the harness
                print(f"desk failed: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
                code = 1
            os._exit(code)
        print(f"pid {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        print(f"exit {pid} {os.waitstatus_to_exitcode(status)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
