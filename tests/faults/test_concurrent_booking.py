"""Four desk processes × 250 booking attempts on the same doctors' slots: never a double booking, and every try
that did not get its slot was told so with a clear DomainError."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict
from datetime import UTC

import pytest
from sqlalchemy import text

from homa_desk.domain.appointments import SLOT_TAKEN
from homa_desk.domain.roles import Role
from homa_desk.services import staff as staff_service
from tests.appointment_helpers import add_patient, at, next_weekday, with_hours
from tests.faults.process_helpers import ROOT, child_env, libpq_url
from tests.helpers import new_staff

PROCESSES = 4
ATTEMPTS = 250
DAYS = 3  # 2 doctors × 28 slots of 15 minutes a day (09–13, 17–20) × 3 days = 168 slots for 1000 tries


@pytest.mark.slow
def test_four_desks_race_for_the_same_slots(engine, db_url, uow, admin):
    days = [next_weekday(weekday) for weekday in range(1, DAYS + 1)]
    doctors = [staff_service.add_staff(uow, admin, new_staff(Role.DOCTOR, name=f"Dr {n}")).as_actor()
               for n in ("Rahul Menon", "Sana Khan")]
    for doctor in doctors:
        with_hours(uow, admin, doctor)
    minutes = [*range(9 * 60, 13 * 60, 15), *range(17 * 60, 20 * 60, 15)]
    slots = [(doctor.user_id, at(day, m // 60, m % 60).isoformat()) for doctor in doctors for day in days
             for m in minutes]
    assert len(slots) == 168
    patients = [add_patient(engine, f"Patient {n}", f"+9198765432{n:02d}") for n in range(5)]
    desks = [staff_service.add_staff(uow, admin, new_staff(Role.RECEPTIONIST, name=f"Desk {name}")).as_actor()
             for name in ("Asha", "Bina", "Chitra", "Deepa", "Esha", "Fatima", "Gita", "Hema")[:PROCESSES]]

    start_at = time.time() + 3
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.faults.booking_child", libpq_url(db_url),
             json.dumps({k: v for k, v in asdict(desk).items() if k != "role"}), json.dumps(slots),
             json.dumps(patients), str(seed), str(ATTEMPTS), str(start_at)],
            cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for seed, desk in enumerate(desks)
    ]
    reports = []
    for child in children:
        out, err = child.communicate(timeout=240)
        assert child.returncode == 0, err
        reports.append(json.loads(out))

    assert max(r["started"] for r in reports) < min(r["ended"] for r in reports), "the desks did not overlap"
    unexpected = [line for report in reports for line in report["unexpected"]]
    assert unexpected == []
    booked = [tuple(slot) for report in reports for slot in report["booked"]]
    refused = sum((Counter(report["refused"]) for report in reports), Counter())
    assert len(booked) + sum(refused.values()) == PROCESSES * ATTEMPTS
    assert set(refused) == {f"Conflict: {SLOT_TAKEN}"}, refused
    assert len(booked) == len(set(booked)) <= len(slots)

    with engine.connect() as conn:
        rows = conn.execute(text("SELECT doctor_id, appointment_date FROM appointments")).all()
        overlaps = conn.execute(text(
            "SELECT count(*) FROM appointments a JOIN appointments b ON a.id < b.id AND a.doctor_id = b.doctor_id"
            " AND tstzrange(a.appointment_date, a.ends_at) && tstzrange(b.appointment_date, b.ends_at)"
            " WHERE a.status IN ('scheduled', 'completed') AND b.status IN ('scheduled', 'completed')")).scalar_one()
    assert overlaps == 0
    assert sorted((doctor_id, at.astimezone(UTC).isoformat()) for doctor_id, at in rows) == sorted(booked)
