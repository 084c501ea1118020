"""Doctors' profiles, weekly sessions and leave. A doctor without a doctor_profiles row reads as the defaults."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from homa_desk.db.models import DoctorLeave, DoctorSession, User
from homa_desk.db.models import DoctorProfile as DoctorProfileRow
from homa_desk.db.together import Later
from homa_desk.domain.doctors import (
    DEFAULT_SLOT_MINUTES,
    DEFAULT_SPECIALTY,
    DoctorProfile,
    DoctorSchedule,
    Leave,
    ProfileChanges,
    WorkSession,
)

# One statement: the doctors with their profile (or defaults), every weekly session and the leave days in range.
_SCHEDULES = """
SELECT u.id, u.full_name, u.is_active, p.user_id IS NOT NULL AS has_profile,
       coalesce(p.specialty, :specialty) AS specialty, p.qualification, p.registration_number,
       coalesce(p.consultation_fee, 0) AS consultation_fee, coalesce(p.slot_minutes, :slot) AS slot_minutes,
       p.room,
       (SELECT coalesce(json_agg(json_build_array(s.weekday, s.starts_at, s.ends_at)
                                 ORDER BY s.weekday, s.starts_at), '[]')
          FROM doctor_sessions s WHERE s.doctor_id = u.id) AS sessions,
       (SELECT coalesce(json_agg(json_build_array(l.day, l.reason) ORDER BY l.day), '[]')
          FROM doctor_leaves l WHERE l.doctor_id = u.id AND l.day BETWEEN :first AND :last) AS leaves
FROM users u LEFT JOIN doctor_profiles p ON p.user_id = u.id
WHERE u.role = 'doctor' {only}
ORDER BY u.full_name, u.id
"""


def _profile(row: Any) -> DoctorProfile:
    return DoctorProfile(
        user_id=row.id, full_name=row.full_name, specialty=row.specialty, qualification=row.qualification,
        registration_number=row.registration_number,
        consultation_fee=Decimal(row.consultation_fee).quantize(Decimal("0.01")),
        slot_minutes=row.slot_minutes, is_active=row.is_active, has_profile=row.has_profile, room=row.room,
    )


def _schedule(row: Any) -> DoctorSchedule:
    sessions = tuple(WorkSession(w, time.fromisoformat(s), time.fromisoformat(e)) for w, s, e in row.sessions)
    leaves = tuple(Leave(date.fromisoformat(d), reason) for d, reason in row.leaves)
    return DoctorSchedule(_profile(row), sessions, leaves)


class DoctorRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def schedules(self, first: date, last: date, *, doctor_id: int | None = None,
                  active_only: bool = True) -> list[DoctorSchedule]:
        """Doctors (all, or one) with their weekly sessions and their leave between `first` and `last`."""
        read = self.schedules_later(first, last, doctor_id=doctor_id, active_only=active_only)
        return read.shape(list(self._session.execute(read.statement, read.params)))

    def schedules_later(self, first: date, last: date, *, doctor_id: int | None = None,
                        active_only: bool = True) -> Later[list[DoctorSchedule]]:
        """The same, to send with other reads in one round trip (`uow.together`)."""
        conditions = []
        params: dict[str, Any] = {"specialty": DEFAULT_SPECIALTY, "slot": DEFAULT_SLOT_MINUTES,
                                  "first": first, "last": last}
        if doctor_id is not None:
            conditions.append("AND u.id = :doctor_id")
            params["doctor_id"] = doctor_id
        if active_only:
            conditions.append("AND u.is_active")
        return Later(text(_SCHEDULES.format(only=" ".join(conditions))), lambda rows: [_schedule(r) for r in rows],
                     params)

    def names(self, *, active_only: bool) -> list[tuple[int, str]]:
        """(id, full name) of every doctor, by name: for pickers, without hours and leave."""
        query = select(User.id, User.full_name).where(User.role == "doctor")
        if active_only:
            query = query.where(User.is_active)
        return [(row.id, row.full_name) for row in
                self._session.execute(query.order_by(func.lower(User.full_name), User.id))]

    def schedule(self, doctor_id: int, first: date, last: date) -> DoctorSchedule | None:
        found = self.schedules(first, last, doctor_id=doctor_id, active_only=False)
        return found[0] if found else None

    def lock(self, doctor_id: int) -> None:
        """Serialise changes to one doctor's day (queue tokens, call next) until the transaction ends."""
        self._session.execute(text("SELECT pg_advisory_xact_lock(7316010, :id)"), {"id": doctor_id})

    def save_profile(self, doctor_id: int, changes: ProfileChanges) -> None:
        values = {"specialty": changes.specialty, "qualification": changes.qualification,
                  "registration_number": changes.registration_number,
                  "consultation_fee": changes.consultation_fee, "slot_minutes": changes.slot_minutes,
                  "room": changes.room}
        statement = insert(DoctorProfileRow).values(user_id=doctor_id, **values)
        self._session.execute(statement.on_conflict_do_update(index_elements=["user_id"], set_=values))

    def replace_sessions(self, doctor_id: int, sessions: tuple[WorkSession, ...]) -> None:
        self._session.execute(delete(DoctorSession).where(DoctorSession.doctor_id == doctor_id))
        self._session.add_all(DoctorSession(doctor_id=doctor_id, weekday=s.weekday, starts_at=s.starts_at,
                                            ends_at=s.ends_at) for s in sessions)
        self._session.flush()

    def add_leave(self, doctor_id: int, leave: Leave) -> bool:
        """False when that day is already a leave day (its reason is updated)."""
        statement = insert(DoctorLeave).values(doctor_id=doctor_id, day=leave.day, reason=leave.reason)
        result = self._session.execute(
            statement.on_conflict_do_update(constraint="doctor_leaves_once_a_day", set_={"reason": leave.reason})
            .returning(text("xmax = 0")))
        return bool(result.scalar())

    def remove_leave(self, doctor_id: int, day: date) -> bool:
        result = self._session.execute(
            delete(DoctorLeave).where(DoctorLeave.doctor_id == doctor_id, DoctorLeave.day == day))
        return result.rowcount > 0
