"""Two desk processes book the same day's slots through the stand-in's pooler (transaction mode, TLS, prepared
statements tracked as on Neon), as the desks' own role: every try answered, never a double booking."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict

import psycopg

from homa_desk.connect import open_remote
from homa_desk.db import roles
from homa_desk.domain.appointments import SLOT_TAKEN
from homa_desk.domain.roles import Role
from homa_desk.services import staff
from tests.appointment_helpers import add_patient, at, next_weekday, with_hours
from tests.faults.process_helpers import ROOT, child_env
from tests.helpers import new_staff
from tests.neon.conftest import plain

ATTEMPTS = 60


def test_two_desk_processes_share_a_day_through_the_pooler(neon, clinic):
    desks_url = plain(neon.pooled_url(roles.APP_ROLE, clinic.app_password, clinic.database))
    backend = open_remote(desks_url)
    try:
        uow = backend.uow()
        admin = staff.create_first_admin(uow, new_staff(Role.ADMIN), "Sunrise Clinic").as_actor()
        doctor = staff.add_staff(uow, admin, new_staff(Role.DOCTOR, name="Rahul Menon")).as_actor()
        with_hours(uow, admin, doctor)
        day = next_weekday(2)
        slots = [(doctor.user_id, at(day, 9, minute).isoformat()) for minute in range(0, 60, 15)] + \
                [(doctor.user_id, at(day, 10, minute).isoformat()) for minute in range(0, 60, 15)]
        patients = [add_patient(backend.engine, f"Patient {name}", f"+9198765432{n:02d}")
                    for n, name in enumerate(("Asha", "Bina", "Chitra"))]
        desks = [staff.add_staff(uow, admin, new_staff(Role.RECEPTIONIST, name=name)).as_actor()
                 for name in ("Deepa Rao", "Esha Iyer")]
    finally:
        backend.close()

    start_at = time.time() + 3
    children = [subprocess.Popen(
        [sys.executable, "-m", "tests.faults.booking_child", desks_url,
         json.dumps({k: v for k, v in asdict(desk).items() if k != "role"}), json.dumps(slots),
         json.dumps(patients), str(seed), str(ATTEMPTS), str(start_at)],
        cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for seed, desk in enumerate(desks)]
    reports = []
    for child in children:
        out, err = child.communicate(timeout=240)
        assert child.returncode == 0, err
        reports.append(json.loads(out))

    assert [line for report in reports for line in report["unexpected"]] == []
    booked = [tuple(slot) for report in reports for slot in report["booked"]]
    refused = sum((Counter(report["refused"]) for report in reports), Counter())
    assert len(booked) + sum(refused.values()) == 2 * ATTEMPTS
    assert set(refused) <= {f"Conflict: {SLOT_TAKEN}"}, refused
    assert len(booked) == len(set(booked)) == len(slots)  # every slot taken once, by one desk or the other
    with psycopg.connect(plain(neon.direct_url(database=clinic.database))) as conn:
        assert conn.execute("SELECT count(*) FROM appointments").fetchone()[0] == len(slots)
