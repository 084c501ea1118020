"""Doctors' profiles, weekly working hours and leave: admins edit them, every staff member may read them."""

from __future__ import annotations

import logging
from datetime import date, time, timedelta

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain import doctors as rules
from homa_desk.domain.doctors import DoctorSchedule, ProfileChanges, WorkSession
from homa_desk.domain.errors import NotFound
from homa_desk.domain.roles import STAFF_ROLES, Actor, Role
from homa_desk.domain.timeutil import to_local, utcnow

log = logging.getLogger(__name__)

LEAVE_HORIZON_DAYS = 365


def _today() -> date:
    return to_local(utcnow()).date()


def list_doctors(uow: UnitOfWork, actor: Actor, *, active_only: bool = True) -> list[DoctorSchedule]:
    """Every doctor with weekly sessions and the leave days of the coming year."""
    today = _today()
    with uow.reading(actor, *STAFF_ROLES):
        return uow.doctors.schedules(today, today + timedelta(days=LEAVE_HORIZON_DAYS), active_only=active_only)


def doctor_names(uow: UnitOfWork, actor: Actor, *, active_only: bool = True) -> list[tuple[int, str]]:
    """(id, full name) of every doctor by name, for a filter or a picker: one light statement."""
    with uow.reading(actor, *STAFF_ROLES):
        return uow.doctors.names(active_only=active_only)


def get_doctor(uow: UnitOfWork, actor: Actor, doctor_id: int) -> DoctorSchedule:
    today = _today()
    with uow.reading(actor, *STAFF_ROLES):
        return _schedule(uow, doctor_id, today, today + timedelta(days=LEAVE_HORIZON_DAYS))


def _schedule(uow: UnitOfWork, doctor_id: int, first: date, last: date) -> DoctorSchedule:
    schedule = uow.doctors.schedule(doctor_id, first, last)
    if schedule is None:
        raise NotFound("No such doctor.")
    return schedule


def update_profile(uow: UnitOfWork, actor: Actor, doctor_id: int, changes: ProfileChanges) -> DoctorSchedule:
    """Save a profile validated by homa_desk.domain.doctors.validate_profile (creates the row on first edit)."""
    actor.require(Role.ADMIN)
    changes = rules.revalidated_profile(changes)
    with uow:
        _save_profile(uow, actor, doctor_id, changes)
        uow.commit()
        return _current(uow, doctor_id)


def set_working_hours(uow: UnitOfWork, actor: Actor, doctor_id: int,
                      sessions: list[tuple[int, str | time, str | time]]) -> DoctorSchedule:
    """Replace the doctor's weekly sessions; ValidationError (field "sessions") when one is wrong or two overlap.

    Existing bookings are kept even when they fall outside the new hours; the grid lists them.
    """
    actor.require(Role.ADMIN)
    parsed = rules.validate_sessions(sessions)
    with uow:
        _replace_hours(uow, actor, doctor_id, parsed)
        uow.commit()
        return _current(uow, doctor_id)


def save_doctor(uow: UnitOfWork, actor: Actor, doctor_id: int, changes: ProfileChanges,
                sessions: list[tuple[int, str | time, str | time]]) -> DoctorSchedule:
    """The doctor form's Save: weekly hours and profile together, in one transaction, so either both are saved
    or neither is."""
    actor.require(Role.ADMIN)
    parsed = rules.validate_sessions(sessions)
    changes = rules.revalidated_profile(changes)
    with uow:
        _replace_hours(uow, actor, doctor_id, parsed)
        _save_profile(uow, actor, doctor_id, changes)
        uow.commit()
        return _current(uow, doctor_id)


def _save_profile(uow: UnitOfWork, actor: Actor, doctor_id: int, changes: ProfileChanges) -> None:
    today = _today()
    before = _schedule(uow, doctor_id, today, today).doctor
    uow.doctors.save_profile(doctor_id, changes)
    uow.audit.record(actor, "doctor_profile_updated", "doctor", doctor_id,
                     before={"specialty": before.specialty, "qualification": before.qualification,
                             "registration_number": before.registration_number,
                             "consultation_fee": str(before.consultation_fee),
                             "slot_minutes": before.slot_minutes, "room": before.room} if before.has_profile else None,
                     after={"specialty": changes.specialty, "qualification": changes.qualification,
                            "registration_number": changes.registration_number,
                            "consultation_fee": str(changes.consultation_fee),
                            "slot_minutes": changes.slot_minutes, "room": changes.room})


def _replace_hours(uow: UnitOfWork, actor: Actor, doctor_id: int, parsed: tuple[WorkSession, ...]) -> None:
    today = _today()
    before = _schedule(uow, doctor_id, today, today)
    uow.doctors.replace_sessions(doctor_id, parsed)
    uow.audit.record(actor, "doctor_hours_updated", "doctor", doctor_id,
                     before={"sessions": [s.label for s in before.sessions]},
                     after={"sessions": [s.label for s in parsed]})


def _current(uow: UnitOfWork, doctor_id: int) -> DoctorSchedule:
    today = _today()
    return _schedule(uow, doctor_id, today, today + timedelta(days=LEAVE_HORIZON_DAYS))


def add_leave(uow: UnitOfWork, actor: Actor, doctor_id: int, day: date | None, reason: str | None) -> None:
    """Mark a leave day. Appointments already booked that day stay; the desk moves or cancels them."""
    actor.require(Role.ADMIN)
    leave = rules.validate_leave(day, reason)
    with uow:
        _schedule(uow, doctor_id, leave.day, leave.day)
        uow.doctors.add_leave(doctor_id, leave)
        uow.audit.record(actor, "doctor_leave_added", "doctor", doctor_id,
                         after={"day": leave.day.isoformat(), "reason": leave.reason})
        uow.commit()


def remove_leave(uow: UnitOfWork, actor: Actor, doctor_id: int, day: date) -> None:
    actor.require(Role.ADMIN)
    with uow:
        if not uow.doctors.remove_leave(doctor_id, day):
            raise NotFound("That day is not a leave day.")
        uow.audit.record(actor, "doctor_leave_removed", "doctor", doctor_id, before={"day": day.isoformat()})
        uow.commit()
