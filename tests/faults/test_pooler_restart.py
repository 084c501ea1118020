"""The pooler restarted mid-day (Neon restarts its PgBouncer; a self-hosted one is restarted by its admin): the desk,
on the Neon stand-in's pooled host, is told "cannot reach" for the moments it is away, reconnects by itself, and
nothing is half-written: every registration is whole (patient, profile, audit entry) or absent."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from homa_desk.connect import open_remote
from homa_desk.db import roles
from homa_desk.domain.errors import DatabaseUnavailable
from homa_desk.domain.roles import Role
from homa_desk.services import staff
from tests.helpers import new_staff
from tests.neon.conftest import clinic, neon, plain  # noqa: F401  (the stand-in's fixtures)
from tests.services.billing_helpers import a_patient


def spelled(n: int) -> str:
    """A name part for a number (names take letters only): 1 → "Aab", 2 → "Aac"…, in sorting order."""
    letters = "".join(chr(ord("a") + (n // 26 ** k) % 26) for k in (2, 1, 0))
    return letters.capitalize()


@pytest.mark.slow
def test_pooler_restarted_mid_day(neon, clinic):  # noqa: F811
    backend = open_remote(plain(neon.pooled_url(roles.APP_ROLE, clinic.app_password, clinic.database)),
                          direct=plain(neon.direct_url(roles.APP_ROLE, clinic.app_password, clinic.database)))
    admin = staff.create_first_admin(backend.uow(), new_staff(Role.ADMIN), "Sunrise Clinic").as_actor()
    receptionist = staff.add_staff(backend.uow(), admin, new_staff(Role.RECEPTIONIST)).as_actor()
    saved: list[str] = []
    refused: list[str] = []
    unexpected: list[str] = []
    stop = threading.Event()

    def desk() -> None:
        n = 1
        while not stop.is_set():
            name = f"Patient {spelled(n)}"
            try:
                a_patient(backend.uow(), receptionist, name, f"98{n:08d}")
            except DatabaseUnavailable:
                refused.append(name)  # the form stays open; the receptionist presses Save again
                time.sleep(0.1)
                continue
            except Exception as error:  # counted, so the test shows it
                unexpected.append(f"{type(error).__name__}: {error}")
                if len(unexpected) > 3:
                    return
                continue
            saved.append(name)
            n += 1

    worker = threading.Thread(target=desk)
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while len(saved) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        neon.stop_pooler()  # mid-registration: connections cut, the pooler away for a moment
        time.sleep(1.0)
        neon.start_pooler()
        before = len(saved)
        while len(saved) < before + 5 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(30)
        backend.close()

    assert unexpected == []
    assert refused, "the desk never noticed the pooler was away"
    assert len(saved) >= 10
    with psycopg.connect(plain(neon.direct_url(database=clinic.database))) as conn:
        rows = conn.execute("""
            SELECT u.full_name, p.user_id IS NOT NULL,
                   EXISTS (SELECT 1 FROM audit_log a WHERE a.entity = 'patient' AND a.entity_id = u.id::text)
            FROM users u LEFT JOIN patient_profiles p ON p.user_id = u.id
            WHERE u.role = 'patient' ORDER BY u.id""").fetchall()
    assert all(profile and audited for _, profile, audited in rows), rows  # nothing half-written
    names = [name for name, _, _ in rows]
    assert set(saved) <= set(names) <= set(saved) | set(refused)  # a refusal may have committed: Save again
    print(f"{len(saved)} registrations saved, {len(refused)} refused while the pooler was away")
