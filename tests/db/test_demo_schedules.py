"""Demo doctors have profiles and hours that agree with the appointments and payments the generator makes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from homa_desk.db import demo_data
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.appointments import SlotState
from homa_desk.domain.roles import Actor, Role
from homa_desk.services import appointments

TODAY = date(2026, 11, 25)


def _one(engine, sql: str):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_demo_doctors_have_profiles_hours_and_fees_matching_their_payments(engine):
    demo_data.generate(engine, today=TODAY, patients=300)
    assert _one(engine, "SELECT count(*) FROM doctor_profiles") == 6
    assert _one(engine, "SELECT count(DISTINCT specialty) FROM doctor_profiles") == 6
    assert _one(engine, "SELECT count(*) FROM doctor_sessions") == 6 * 7 * 2
    assert _one(engine, """SELECT count(*) FROM payments p JOIN appointments a ON a.id = p.appointment_id
                           JOIN doctor_profiles d ON d.user_id = a.doctor_id
                           WHERE p.amount <> d.consultation_fee""") == 0
    outside = _one(engine, """
        SELECT count(*) FROM appointments a WHERE NOT EXISTS (
          SELECT 1 FROM doctor_sessions s WHERE s.doctor_id = a.doctor_id
             AND s.weekday = extract(isodow FROM a.appointment_date AT TIME ZONE 'Asia/Kolkata')
             AND (a.appointment_date AT TIME ZONE 'Asia/Kolkata')::time >= s.starts_at
             AND (a.ends_at AT TIME ZONE 'Asia/Kolkata')::time <= s.ends_at)""")
    assert outside == 0
    with engine.connect() as conn:  # one of the demo's receptionists (the services check the actor in the database)
        desk_id, name, email = conn.execute(text(
            "SELECT id, full_name, email FROM users WHERE role = 'receptionist' AND is_active LIMIT 1")).one()
    reader = Actor(user_id=desk_id, role=Role.RECEPTIONIST, full_name=name, email=email)
    view = appointments.day_view(UnitOfWork(engine), reader, TODAY)
    assert len(view.doctors) == 6
    booked = sum(s.state is not SlotState.FREE and s.state is not SlotState.PAST for d in view.doctors
                 for s in d.slots)
    live = _one(engine, """SELECT count(*) FROM appointments WHERE status <> 'cancelled'
                           AND (appointment_date AT TIME ZONE 'Asia/Kolkata')::date = '2026-11-25'""")
    assert booked == live > 0
