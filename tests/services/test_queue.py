"""The walk-in queue: tokens per doctor per day without gaps or duplicates, check-in, call next, roles."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import text

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.errors import Conflict, PermissionDenied, ValidationError
from homa_desk.domain.queue import QueueState
from homa_desk.domain.timeutil import CLINIC_TZ
from homa_desk.services import appointments, doctors, queue
from tests.appointment_helpers import add_patient, at, next_weekday, with_hours
from tests.helpers import engine_for


def today() -> datetime:
    return datetime.now(CLINIC_TZ)


def booked_today(engine, patient: int, doctor: int, minutes_from_now: int = 0) -> int:  # type: ignore[no-untyped-def]
    """A booking for today, inserted directly: the real booking refuses slots that are over."""
    with engine.begin() as conn:
        return conn.execute(text(
            "INSERT INTO appointments (patient_id, doctor_id, appointment_date, consultation_type)"
            " VALUES (:p, :d, date_trunc('minute', now()) + make_interval(mins => :m), 'offline') RETURNING id"),
            {"p": patient, "d": doctor, "m": minutes_from_now}).scalar_one()


def test_walk_ins_and_checked_in_patients_share_one_queue_in_arrival_order(uow, engine, receptionist, doctor):
    priya = add_patient(engine, "Priya Sharma", "+919876543210")
    rahul = add_patient(engine, "Rahul Kumar", "+919123456789")
    anita = add_patient(engine, "Anita Desai", "+919988776655")
    first = queue.add_walk_in(uow, receptionist, priya, doctor.user_id)
    booking = booked_today(engine, rahul, doctor.user_id, 5)
    second = queue.check_in(uow, receptionist, booking)
    third = queue.add_walk_in(uow, receptionist, anita, doctor.user_id, symptoms="Cough")
    assert [first.token, second.token, third.token] == [1, 2, 3]
    assert first.is_walk_in and not second.is_walk_in and second.scheduled_at is not None
    with pytest.raises(Conflict, match="already in the queue"):
        queue.check_in(uow, receptionist, booking)
    line = queue.queue_for(uow, doctor, doctor.user_id, today().date())
    assert [e.patient_name for e in line.entries] == ["Priya Sharma", "Rahul Kumar", "Anita Desai"]
    assert all(e.state is QueueState.WAITING for e in line.entries)

    called = queue.call_next(uow, receptionist, doctor.user_id)
    assert called.patient_name == "Priya Sharma" and called.state is QueueState.IN_CONSULTATION
    called = queue.call_next(uow, doctor, doctor.user_id)  # the doctor calls their own queue
    assert called.patient_name == "Rahul Kumar"
    line = queue.queue_for(uow, receptionist, doctor.user_id, today().date())
    assert [e.state for e in line.entries] == [QueueState.DONE, QueueState.IN_CONSULTATION, QueueState.WAITING]
    assert line.current.patient_name == "Rahul Kumar" and [e.token for e in line.waiting] == [3]
    queue.call_next(uow, receptionist, doctor.user_id)
    assert queue.call_next(uow, receptionist, doctor.user_id) is None
    assert {e.state for e in queue.queue_for(uow, receptionist, doctor.user_id, today().date()).entries} == {
        QueueState.DONE}


def test_a_walk_in_is_an_appointment_row_and_does_not_take_a_slot(uow, engine, receptionist, doctor):
    entry = queue.add_walk_in(uow, receptionist, add_patient(engine), doctor.user_id)
    walk_in = appointments.get_appointment(uow, receptionist, entry.appointment_id)
    assert walk_in.is_walk_in and walk_in.status.value == "scheduled" and walk_in.token == 1
    queue.add_walk_in(uow, receptionist, add_patient(engine, "Rahul Kumar", "+919123456789"), doctor.user_id)
    with uow:
        trail = uow.audit.for_entity("appointment", entry.appointment_id)
    assert trail[0].action == "appointment_walk_in" and trail[0].after["token"] == 1


def test_check_in_refuses_other_days_and_closed_appointments(uow, engine, admin, receptionist, doctor):
    with_hours(uow, admin, doctor)
    patient = add_patient(engine)
    later = appointments.book_appointment(uow, receptionist, patient_id=patient, doctor_id=doctor.user_id,
                                          starts_at=at(next_weekday(1), 10))
    with pytest.raises(ValidationError, match="today"):
        queue.check_in(uow, receptionist, later.id)
    booking = booked_today(engine, patient, doctor.user_id)
    appointments.cancel(uow, receptionist, booking, "Not coming")
    with pytest.raises(ValidationError, match="cancelled appointment cannot be checked in"):
        queue.check_in(uow, receptionist, booking)


def test_walk_in_refused_on_leave_and_roles(uow, engine, admin, receptionist, doctor):
    patient = add_patient(engine)
    with pytest.raises(PermissionDenied):
        queue.add_walk_in(uow, doctor, patient, doctor.user_id)
    from homa_desk.domain.roles import Role
    from homa_desk.services import staff
    from tests.helpers import new_staff

    other = staff.add_staff(uow, admin, new_staff(Role.DOCTOR, name="Kavya Rao")).as_actor()
    with pytest.raises(PermissionDenied, match="own queue"):
        queue.call_next(uow, other, doctor.user_id)
    doctors.add_leave(uow, admin, doctor.user_id, today().date(), "Unwell")
    with pytest.raises(ValidationError, match="on leave today"):
        queue.add_walk_in(uow, receptionist, patient, doctor.user_id)


def test_desks_adding_walk_ins_at_once_get_tokens_one_to_n(db_url, engine, uow, receptionist, doctor):
    desks = 8
    patients = [add_patient(engine, f"Patient {chr(65 + n)}", f"+9198765432{n:02d}") for n in range(desks)]
    barrier = threading.Barrier(desks)
    results: list[object] = [None] * desks

    def desk(n: int) -> None:
        own = engine_for(db_url)
        try:
            barrier.wait()
            results[n] = queue.add_walk_in(UnitOfWork(own), receptionist, patients[n], doctor.user_id)
        except Exception as error:
            results[n] = error
        finally:
            own.dispose()

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(desks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.token for r in results) == list(range(1, desks + 1))  # type: ignore[union-attr]
    line = queue.queue_for(uow, receptionist, doctor.user_id, today().date())
    assert sorted(e.token for e in line.entries) == list(range(1, desks + 1))
