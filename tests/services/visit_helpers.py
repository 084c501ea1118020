"""A morning at the desk for the "visits without a bill" tests: every kind of visit of today, billed or not."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.doctors import validate_profile
from homa_desk.domain.roles import Actor
from homa_desk.services import appointments, billing, doctors, queue
from tests.appointment_helpers import add_patient


def booked_today(engine: Engine, patient: int, doctor: int, minutes_from_now: int = 0, *, days: int = 0) -> int:
    """A 5-minute booking inserted directly: the real booking refuses slots that are over."""
    with engine.begin() as conn:
        return conn.execute(text(
            "INSERT INTO appointments (patient_id, doctor_id, appointment_date, duration_minutes, consultation_type)"
            " VALUES (:p, :d, date_trunc('minute', now()) + make_interval(days => :days, mins => :m), 5, 'offline')"
            " RETURNING id"), {"p": patient, "d": doctor, "m": minutes_from_now, "days": days}).scalar_one()


@dataclass(frozen=True)
class Morning:
    walk_in: int  # called in: with the doctor
    checked_in: int  # booked, checked in, waiting
    seen: int  # booked, marked completed at the desk without passing the queue
    billed_walk_in: int  # a walk-in whose bill is made
    not_arrived: int  # booked for later today, not checked in
    left: int  # checked in, then left without being seen
    cancelled: int
    yesterday: int  # completed yesterday, never billed


def a_morning(uow: UnitOfWork, engine: Engine, admin: Actor, receptionist: Actor, doctor: Actor) -> Morning:
    """Rahul Menon (₹600 a consultation) and his patients, in arrival order of the unbilled ones."""
    doctors.update_profile(uow, admin, doctor.user_id, validate_profile(
        specialty="General Physician", qualification="MBBS", registration_number="", consultation_fee="600",
        slot_minutes_text="15"))
    d = doctor.user_id
    seen = booked_today(engine, add_patient(engine, "Sunil Rao", "+919800000003"), d, -5)
    appointments.mark_completed(uow, receptionist, seen)
    priya = add_patient(engine, "Priya Sharma", "+919800000001")
    walk_in = queue.add_walk_in(uow, receptionist, priya, d).appointment_id
    checked_in = booked_today(engine, add_patient(engine, "Rahul Kumar", "+919800000002"), d, 5)
    queue.check_in(uow, receptionist, checked_in)
    billed = queue.add_walk_in(uow, receptionist, add_patient(engine, "Anita Desai", "+919800000004"), d)
    billing.consultation_bill(uow, receptionist, billed.appointment_id)
    left = booked_today(engine, add_patient(engine, "Vikram Singh", "+919800000005"), d, 10)
    queue.check_in(uow, receptionist, left)
    queue.call_next(uow, receptionist, d)  # Priya goes in
    with engine.begin() as conn:
        conn.execute(text("UPDATE queue_entries SET state = 'left' WHERE appointment_id = :a"), {"a": left})
    not_arrived = booked_today(engine, add_patient(engine, "Meena Pillai", "+919800000006"), d, 15)
    cancelled = booked_today(engine, add_patient(engine, "Kiran Das", "+919800000007"), d, 20)
    appointments.cancel(uow, receptionist, cancelled, "Feeling better")
    yesterday = booked_today(engine, add_patient(engine, "Old Visit", "+919800000008"), d, days=-1)
    with engine.begin() as conn:
        conn.execute(text("UPDATE appointments SET status = 'completed' WHERE id = :a"), {"a": yesterday})
    return Morning(walk_in=walk_in, checked_in=checked_in, seen=seen, billed_walk_in=billed.appointment_id,
                   not_arrived=not_arrived, left=left, cancelled=cancelled, yesterday=yesterday)
