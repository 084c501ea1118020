"""Appointments with their patients' names; a taken slot (the exclusion constraint) becomes Conflict(SLOT_TAKEN)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from homa_desk.db.together import Later
from homa_desk.domain.appointments import SLOT_TAKEN, AppointmentView, ConsultationType, Status
from homa_desk.domain.errors import Conflict

_COLUMNS = """
SELECT a.id, a.patient_id, pu.full_name AS patient_name, pp.patient_number, pu.phone AS patient_phone,
       a.doctor_id, du.full_name AS doctor_name, a.appointment_date, a.ends_at, a.status::text AS status,
       a.consultation_type::text AS consultation_type, a.is_walk_in, a.symptoms, a.meeting_link,
       a.cancellation_reason, q.token, q.state::text AS queue_state
FROM appointments a
JOIN users pu ON pu.id = a.patient_id
LEFT JOIN patient_profiles pp ON pp.user_id = a.patient_id
LEFT JOIN users du ON du.id = a.doctor_id
LEFT JOIN queue_entries q ON q.appointment_id = a.id
"""


def _view(row: Any) -> AppointmentView:
    return AppointmentView(
        id=row.id, patient_id=row.patient_id, patient_name=row.patient_name, patient_number=row.patient_number,
        patient_phone=row.patient_phone, doctor_id=row.doctor_id, doctor_name=row.doctor_name,
        starts_at=row.appointment_date, ends_at=row.ends_at, status=Status(row.status),
        consultation_type=ConsultationType(row.consultation_type), is_walk_in=row.is_walk_in,
        symptoms=row.symptoms, meeting_link=row.meeting_link, cancellation_reason=row.cancellation_reason,
        token=row.token, queue_state=row.queue_state,
    )


@contextmanager
def _slot_guard() -> Iterator[None]:
    """Turn the database's no-double-booking refusal into the message the desk shows."""
    try:
        yield
    except IntegrityError as error:
        if isinstance(error.orig, psycopg.errors.ExclusionViolation):
            raise Conflict(SLOT_TAKEN) from error
        raise


class AppointmentRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def between(self, start: datetime, end: datetime, *, doctor_id: int | None = None,
                doctor_ids: list[int] | None = None) -> list[AppointmentView]:
        """Every appointment starting in [start, end) (all doctors, one, or these), with patient names: one
        statement."""
        read = self.between_later(start, end, doctor_id=doctor_id, doctor_ids=doctor_ids)
        return read.shape(list(self._session.execute(read.statement, read.params)))

    def between_later(self, start: datetime, end: datetime, *, doctor_id: int | None = None,
                      doctor_ids: list[int] | None = None) -> Later[list[AppointmentView]]:
        """The same, to send with other reads in one round trip (`uow.together`)."""
        only = ""
        params: dict[str, Any] = {"start": start, "end": end}
        if doctor_id is not None:
            only = "AND a.doctor_id = :doctor_id"
            params["doctor_id"] = doctor_id
        elif doctor_ids is not None:
            only = "AND a.doctor_id = ANY(:doctor_ids)"
            params["doctor_ids"] = doctor_ids
        return Later(text(f"{_COLUMNS} WHERE a.appointment_date >= :start AND a.appointment_date < :end {only}"
                          " ORDER BY a.appointment_date, a.id"), lambda rows: [_view(row) for row in rows], params)

    def get(self, appointment_id: int, *, for_update: bool = False) -> AppointmentView | None:
        lock = " FOR UPDATE OF a" if for_update else ""
        row = self._session.execute(text(f"{_COLUMNS} WHERE a.id = :id{lock}"), {"id": appointment_id}).first()
        return _view(row) if row is not None else None

    def get_later(self, appointment_id: int) -> Later[AppointmentView | None]:
        """`get` without a lock, to send with other reads in one round trip (`uow.together`)."""
        return Later(text(f"{_COLUMNS} WHERE a.id = :id"), lambda rows: _view(rows[0]) if rows else None,
                     {"id": appointment_id})

    def add(self, *, patient_id: int, doctor_id: int, starts_at: datetime, duration_minutes: int,
            consultation_type: ConsultationType, meeting_link: str | None, symptoms: str | None,
            booked_by: int, is_walk_in: bool = False) -> int:
        with _slot_guard():
            return self._session.execute(text(
                "INSERT INTO appointments (patient_id, doctor_id, appointment_date, duration_minutes, status,"
                " consultation_type, meeting_link, symptoms, booked_by, is_walk_in)"
                " VALUES (:patient_id, :doctor_id, :starts_at, :duration, 'scheduled', :kind, :link, :symptoms,"
                " :booked_by, :walk_in) RETURNING id"),
                {"patient_id": patient_id, "doctor_id": doctor_id, "starts_at": starts_at,
                 "duration": duration_minutes, "kind": consultation_type.value, "link": meeting_link,
                 "symptoms": symptoms, "booked_by": booked_by, "walk_in": is_walk_in}).scalar_one()

    def move(self, appointment_id: int, starts_at: datetime, duration_minutes: int) -> None:
        with _slot_guard():
            self._session.execute(
                text("UPDATE appointments SET appointment_date = :starts_at, duration_minutes = :duration"
                     " WHERE id = :id"),
                {"id": appointment_id, "starts_at": starts_at, "duration": duration_minutes})

    def set_status(self, appointment_id: int, status: Status, *, reason: str | None = None) -> None:
        self._session.execute(
            text("UPDATE appointments SET status = CAST(:status AS appointment_status),"
                 " cancellation_reason = coalesce(:reason, cancellation_reason) WHERE id = :id"),
            {"id": appointment_id, "status": status.value, "reason": reason})

    def patient_exists(self, patient_id: int) -> bool:
        return bool(self._session.scalar(
            text("SELECT EXISTS (SELECT 1 FROM users WHERE id = :id AND role = 'patient')"), {"id": patient_id}))
