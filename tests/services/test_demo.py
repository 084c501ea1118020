"""`homa-desk --demo`: a demo clinic in an empty database, once, even with two desks starting together."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import text

from homa_desk.db import demo_data
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.roles import Role
from homa_desk.services import staff as staff_service
from homa_desk.services.demo import seed_demo_if_empty
from tests.helpers import engine_for, new_staff

TODAY = date(2026, 11, 25)
TABLES = ("users", "patient_profiles", "appointments", "payments", "audit_log")


def _counts(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in TABLES}


def _audit(engine) -> list[tuple]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(
            "SELECT action, entity, actor_id, after FROM audit_log WHERE action = 'demo_data_generated'"))]


def test_an_empty_database_gets_the_demo_clinic_once(engine):
    summary = seed_demo_if_empty(UnitOfWork(engine), today=TODAY)
    assert summary is not None
    assert (summary.doctors, summary.receptionists, summary.patients) == (6, 2, 300)
    filled = _counts(engine)
    assert filled == {"users": 308, "patient_profiles": 300, "appointments": summary.appointments,
                      "payments": summary.payments, "audit_log": 1}
    assert _audit(engine) == [("demo_data_generated", "clinic", None, summary.as_dict())]

    assert seed_demo_if_empty(UnitOfWork(engine), today=TODAY) is None
    assert _counts(engine) == filled


def test_todays_schedule_is_there_so_the_desk_looks_alive(engine):
    seed_demo_if_empty(UnitOfWork(engine), today=TODAY)
    with engine.connect() as conn:
        today = conn.execute(text(
            "SELECT count(*), count(DISTINCT doctor_id) FROM appointments"
            " WHERE (appointment_date AT TIME ZONE 'Asia/Kolkata')::date = :today AND status = 'scheduled'"),
            {"today": TODAY}).one()
    assert today[0] >= 40 and today[1] == 6


def test_a_database_with_patients_is_left_alone(engine):
    demo_data.generate(engine, patients=1, appointments=0, doctors=1, receptionists=0, today=TODAY)
    before = _counts(engine)
    assert seed_demo_if_empty(UnitOfWork(engine), today=TODAY) is None
    assert _counts(engine) == before


def test_the_first_admin_can_still_be_created_afterwards(engine):
    seed_demo_if_empty(UnitOfWork(engine), today=TODAY)
    uow = UnitOfWork(engine)
    assert staff_service.needs_first_admin(uow)
    admin = staff_service.create_first_admin(uow, new_staff(Role.ADMIN), "Sunrise Clinic")
    assert admin.id == 309


def test_two_desks_starting_together_fill_the_clinic_once(engine, db_url):
    engines = [engine_for(db_url) for _ in range(2)]
    start = threading.Barrier(2)
    results: list[object] = []

    def desk(own_engine) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        results.append(seed_demo_if_empty(UnitOfWork(own_engine), today=TODAY))

    threads = [threading.Thread(target=desk, args=(e,)) for e in engines]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for own_engine in engines:
            own_engine.dispose()
    assert len(results) == 2 and results.count(None) == 1
    assert _counts(engine)["patient_profiles"] == 300 and len(_audit(engine)) == 1


def test_a_failure_midway_leaves_nothing_behind(engine, monkeypatch):
    real_rows = demo_data._appointment_rows

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        for n, row in enumerate(real_rows(*args, **kwargs)):
            if n == 100:
                raise RuntimeError("disk full")
            yield row

    monkeypatch.setattr(demo_data, "_appointment_rows", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        seed_demo_if_empty(UnitOfWork(engine), today=TODAY)
    assert _counts(engine) == dict.fromkeys(TABLES, 0)

    monkeypatch.setattr(demo_data, "_appointment_rows", real_rows)
    summary = seed_demo_if_empty(UnitOfWork(engine), today=TODAY)
    assert summary is not None and _counts(engine)["appointments"] == summary.appointments
