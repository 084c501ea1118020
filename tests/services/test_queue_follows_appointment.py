"""The queue follows the appointment: a visit cancelled, marked no-show or moved to another day leaves the day's
queue, Call next never calls it, and a moved visit checks in on its new day; a visit the doctor has called in
cannot be cancelled, moved or marked no-show. The rule lives in PostgreSQL (schema 0018) and holds in a race
between two desks on separate connections."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from homa_desk.db import migrate
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.appointments import Status, TransitionRefused
from homa_desk.domain.errors import DomainError, ValidationError
from homa_desk.domain.queue import QueueState
from homa_desk.domain.timeutil import CLINIC_TZ
from homa_desk.services import appointments, queue
from tests.appointment_helpers import add_patient, at, next_weekday, with_hours
from tests.helpers import engine_for

MOVED_TO = next_weekday(1)


def today():  # type: ignore[no-untyped-def]
    return datetime.now(CLINIC_TZ).date()


def booked_today(engine, patient: int, doctor: int, minutes_from_now: int = 0) -> int:  # type: ignore[no-untyped-def]
    """A five-minute booking inserted directly (the real booking refuses slots that are over)."""
    with engine.begin() as conn:
        return conn.execute(text(
            "INSERT INTO appointments (patient_id, doctor_id, appointment_date, duration_minutes, consultation_type)"
            " VALUES (:p, :d, date_trunc('minute', now()) + make_interval(mins => :m), 5, 'offline') RETURNING id"),
            {"p": patient, "d": doctor, "m": minutes_from_now}).scalar_one()


def checked_in(uow, engine, receptionist, doctor, name: str, phone: str, minutes: int = 0) -> int:  # type: ignore[no-untyped-def]
    appointment = booked_today(engine, add_patient(engine, name, phone), doctor.user_id, minutes)
    queue.check_in(uow, receptionist, appointment)
    return appointment


def apart(n: int) -> int:
    """Minutes from now of the n-th booking of today, five apart, towards the day's middle so all stay today."""
    return 5 * n if datetime.now(CLINIC_TZ).hour < 12 else -5 * n


def names_in_queue(uow, actor, doctor, day=None) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.patient_name for e in queue.queue_for(uow, actor, doctor.user_id, day or today()).entries]


def test_cancelled_and_no_show_visits_leave_the_queue_and_are_never_called(uow, engine, receptionist, doctor):
    cancelled = checked_in(uow, engine, receptionist, doctor, "Priya Sharma", "+919876543210")
    no_show = checked_in(uow, engine, receptionist, doctor, "Rahul Kumar", "+919123456789", apart(1))
    walk_in = queue.add_walk_in(uow, receptionist, add_patient(engine, "Anita Desai", "+919988776655"),
                                doctor.user_id)
    assert names_in_queue(uow, receptionist, doctor) == ["Priya Sharma", "Rahul Kumar", "Anita Desai"]

    appointments.cancel(uow, receptionist, cancelled, "Feeling better")
    appointments.mark_no_show(uow, doctor, no_show)
    assert names_in_queue(uow, receptionist, doctor) == ["Anita Desai"]
    for appointment in (cancelled, no_show):
        view = appointments.get_appointment(uow, receptionist, appointment)
        assert (view.token, view.queue_state) == (None, None)
    assert queue.call_next(uow, receptionist, doctor.user_id).appointment_id == walk_in.appointment_id
    assert queue.call_next(uow, receptionist, doctor.user_id) is None


def test_a_moved_visit_leaves_today_and_checks_in_on_its_new_day(uow, engine, admin, receptionist, doctor,
                                                                 monkeypatch):
    with_hours(uow, admin, doctor)
    moved = checked_in(uow, engine, receptionist, doctor, "Priya Sharma", "+919876543210")
    appointments.reschedule(uow, receptionist, moved, at(MOVED_TO, 10))
    assert names_in_queue(uow, receptionist, doctor) == []
    assert queue.call_next(uow, receptionist, doctor.user_id) is None
    assert appointments.get_appointment(uow, receptionist, moved).token is None

    monkeypatch.setattr(queue, "utcnow", lambda: at(MOVED_TO, 9, 50))  # the clock of the new day
    entry = queue.check_in(uow, receptionist, moved)
    assert (entry.day, entry.token, entry.state) == (MOVED_TO, 1, QueueState.WAITING)
    assert names_in_queue(uow, receptionist, doctor, MOVED_TO) == ["Priya Sharma"]


def test_a_visit_called_in_cannot_be_cancelled_moved_or_marked_no_show(uow, engine, admin, receptionist, doctor):
    with_hours(uow, admin, doctor)
    seen = checked_in(uow, engine, receptionist, doctor, "Priya Sharma", "+919876543210")
    queue.call_next(uow, receptionist, doctor.user_id)
    for attempt in (lambda: appointments.cancel(uow, receptionist, seen, "Changed mind"),
                    lambda: appointments.mark_no_show(uow, receptionist, seen)):
        with pytest.raises(TransitionRefused, match="Priya Sharma is with the doctor now"):
            attempt()
    with pytest.raises(ValidationError, match="with the doctor") as refused:
        appointments.reschedule(uow, receptionist, seen, at(MOVED_TO, 10))
    assert refused.value.field == "starts_at"
    queue.call_next(uow, receptionist, doctor.user_id)  # done now
    with pytest.raises(TransitionRefused, match="already seen the doctor"):
        appointments.cancel(uow, receptionist, seen, "Changed mind")
    view = appointments.get_appointment(uow, receptionist, seen)
    assert (view.status, view.queue_state) == (Status.SCHEDULED, QueueState.DONE.value)
    appointments.mark_completed(uow, receptionist, seen)


def test_the_database_keeps_the_queue_with_the_appointment(uow, engine, receptionist, doctor):
    """Whatever code changes the rows: a later slot the same day keeps the place, another day or a cancel removes
    it, a called-in visit cannot be moved away, and nothing joins a queue its appointment is not on."""
    stays = checked_in(uow, engine, receptionist, doctor, "Priya Sharma", "+919876543210")
    leaves = checked_in(uow, engine, receptionist, doctor, "Rahul Kumar", "+919123456789", apart(1))
    with engine.begin() as conn:
        conn.execute(text("UPDATE appointments SET appointment_date = appointment_date + interval '3 days'"
                          " WHERE id = :a"), {"a": leaves})
        conn.execute(text("UPDATE appointments SET appointment_date = appointment_date + interval '2 minutes'"
                          " WHERE id = :a"), {"a": stays})
    assert names_in_queue(uow, receptionist, doctor) == ["Priya Sharma"]
    with engine.begin() as conn, pytest.raises(IntegrityError, match="queue_entries_follow_appointment"):
        conn.execute(text("INSERT INTO queue_entries (appointment_id, doctor_id, day, token)"
                          " VALUES (:a, :d, CAST(now() AT TIME ZONE 'Asia/Kolkata' AS date), 9)"),
                     {"a": leaves, "d": doctor.user_id})
    queue.call_next(uow, receptionist, doctor.user_id)
    with engine.begin() as conn, pytest.raises(IntegrityError, match="called in to the doctor"):
        conn.execute(text("UPDATE appointments SET status = 'cancelled' WHERE id = :a"), {"a": stays})
    assert names_in_queue(uow, receptionist, doctor) == ["Priya Sharma"]


def test_an_upgrade_clears_the_entries_left_behind(cluster):
    """Before schema 0018 a cancelled or moved visit kept its queue entry; the upgrade deletes those (waiting or
    left), keeps the ones still on and those the doctor called in."""
    url = cluster.fresh_database(migrated=False)
    engine = engine_for(cluster.owner_url(url))  # migrations run as the schema's owner
    try:
        migrate.upgrade(engine, "0014")
        with engine.begin() as conn:
            doctor = conn.execute(text("INSERT INTO users (email, password_hash, full_name, phone, role) VALUES"
                                       " ('dr@clinic.example', 'x', 'Rahul Menon', '+919800000000', 'doctor')"
                                       " RETURNING id")).scalar_one()
            kept = set()
            for n, (status, days, state) in enumerate([
                    ("scheduled", 0, "waiting"), ("cancelled", 0, "waiting"), ("no_show", 0, "left"),
                    ("scheduled", 2, "waiting"), ("cancelled", 0, "done")]):
                patient = add_patient(engine, f"Patient {n}", f"+91987654321{n}")
                appointment = conn.execute(text(
                    "INSERT INTO appointments (patient_id, doctor_id, appointment_date, status)"
                    " VALUES (:p, :d, now() + make_interval(days => :days), CAST(:s AS appointment_status))"
                    " RETURNING id"), {"p": patient, "d": doctor, "days": days, "s": status}).scalar_one()
                conn.execute(text(
                    "INSERT INTO queue_entries (appointment_id, doctor_id, day, token, state) VALUES"
                    " (:a, :d, CAST(now() AT TIME ZONE 'Asia/Kolkata' AS date), :t, CAST(:state AS queue_state))"),
                    {"a": appointment, "d": doctor, "t": n + 1, "state": state})
                if n in (0, 4):
                    kept.add(appointment)
        migrate.upgrade(engine)
        with engine.connect() as conn:
            left = set(conn.execute(text("SELECT appointment_id FROM queue_entries")).scalars())
        assert left == kept
    finally:
        engine.dispose()
        cluster.drop(url)


def race(desks: list[UnitOfWork], receptionist, doctor, visit: int, change) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """`change(desk)` at one desk and Call next at the other, released together; each one's result or error."""
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def run(name: str, call) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            results[name] = call()
        except Exception as error:
            results[name] = error

    threads = [threading.Thread(target=run, args=("change", lambda: change(desks[0]))),
               threading.Thread(target=run, args=("call", lambda: queue.call_next(desks[1], receptionist,
                                                                                 doctor.user_id)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.parametrize("change", ["reschedule", "cancel"])
def test_a_desk_changing_the_visit_while_another_calls_next(db_url, engine, uow, admin, receptionist, doctor,
                                                            change):
    """Two desks, two connections, at the same moment: either the visit changes and Call next skips it, or the
    patient is called in and the change is refused. Never both, never an error."""
    with_hours(uow, admin, doctor)
    engines = [engine_for(db_url), engine_for(db_url)]
    desks = [UnitOfWork(own) for own in engines]
    try:
        for n in range(10):
            visit = checked_in(uow, engine, receptionist, doctor, f"Patient {chr(65 + n)}", f"+91987654{n:04d}",
                               apart(n))
            new_time = at(MOVED_TO, 9) + timedelta(minutes=15 * n)
            if change == "reschedule":
                results = race(desks, receptionist, doctor, visit,
                               lambda desk, v=visit, t=new_time: appointments.reschedule(desk, receptionist, v, t))
            else:
                results = race(desks, receptionist, doctor, visit,
                               lambda desk, v=visit: appointments.cancel(desk, receptionist, v, "Not coming"))
            called, changed = results["call"], results["change"]
            assert not isinstance(called, Exception), called
            view = appointments.get_appointment(uow, receptionist, visit)
            if called is not None and called.appointment_id == visit:
                assert isinstance(changed, DomainError) and "with the doctor" in changed.message, changed
                assert (view.status, view.queue_state) == (Status.SCHEDULED, QueueState.IN_CONSULTATION.value)
                assert view.starts_at.astimezone(CLINIC_TZ).date() == today()
            else:
                assert not isinstance(changed, Exception), changed
                assert called is None and (view.token, view.queue_state) == (None, None)
                assert view.status is Status.CANCELLED or view.starts_at.astimezone(CLINIC_TZ).date() == MOVED_TO
            assert queue.queue_for(uow, receptionist, doctor.user_id, today()).waiting == ()
    finally:
        for own in engines:
            own.dispose()
