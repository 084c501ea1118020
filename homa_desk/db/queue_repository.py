"""The day's queue per doctor. Tokens are handed out under the doctor's advisory lock (DoctorRepository.lock);
the unique (doctor_id, day, token) constraint backs that up."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from homa_desk.db.together import Later
from homa_desk.domain.patients import Gender
from homa_desk.domain.queue import QueueEntryView, QueueState

_ENTRIES = """
SELECT q.id, q.appointment_id, q.doctor_id, q.day, q.token, a.patient_id, u.full_name AS patient_name,
       pp.patient_number, q.arrived_at, q.state::text AS state, a.is_walk_in, a.appointment_date, q.called_at,
       d.full_name AS doctor_name, pp.gender::text AS gender, pp.date_of_birth, pp.dob_is_estimate, a.symptoms
FROM queue_entries q
JOIN appointments a ON a.id = q.appointment_id
JOIN users u ON u.id = a.patient_id
JOIN users d ON d.id = q.doctor_id
LEFT JOIN patient_profiles pp ON pp.user_id = a.patient_id
"""


def _entry(row: Any) -> QueueEntryView:
    return QueueEntryView(
        id=row.id, appointment_id=row.appointment_id, doctor_id=row.doctor_id, day=row.day, token=row.token,
        patient_id=row.patient_id, patient_name=row.patient_name, patient_number=row.patient_number,
        arrived_at=row.arrived_at, state=QueueState(row.state), is_walk_in=row.is_walk_in,
        scheduled_at=None if row.is_walk_in else row.appointment_date, called_at=row.called_at,
        doctor_name=row.doctor_name, patient_gender=Gender(row.gender) if row.gender else None,
        patient_born=row.date_of_birth, patient_born_estimated=bool(row.dob_is_estimate), complaint=row.symptoms,
    )


class QueueRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def for_doctor(self, doctor_id: int, day: date) -> list[QueueEntryView]:
        """In queue order: by arrival, then token."""
        read = self.for_doctor_later(doctor_id, day)
        return read.shape(list(self._session.execute(read.statement, read.params)))

    def for_doctor_later(self, doctor_id: int, day: date) -> Later[list[QueueEntryView]]:
        return Later(text(f"{_ENTRIES} WHERE q.doctor_id = :doctor_id AND q.day = :day ORDER BY q.arrived_at, q.token"),
                     lambda rows: [_entry(row) for row in rows], {"doctor_id": doctor_id, "day": day})

    def for_day(self, day: date) -> list[QueueEntryView]:
        """Every doctor's queue of the day: by doctor's name, then arrival and token."""
        read = self.for_day_later(day)
        return read.shape(list(self._session.execute(read.statement, read.params)))

    def for_day_later(self, day: date) -> Later[list[QueueEntryView]]:
        return Later(text(f"{_ENTRIES} WHERE q.day = :day ORDER BY d.full_name, q.doctor_id, q.arrived_at, q.token"),
                     lambda rows: [_entry(row) for row in rows], {"day": day})

    def for_appointment(self, appointment_id: int) -> QueueEntryView | None:
        row = self._session.execute(text(f"{_ENTRIES} WHERE q.appointment_id = :id"), {"id": appointment_id}).first()
        return _entry(row) if row is not None else None

    def add(self, *, appointment_id: int, doctor_id: int, day: date, arrived_at: datetime) -> int:
        """The next token of the doctor's day; call with the doctor's lock held. Returns the entry id."""
        return self._session.execute(text(
            "INSERT INTO queue_entries (appointment_id, doctor_id, day, token, arrived_at)"
            " SELECT :appointment_id, :doctor_id, :day, coalesce(max(token), 0) + 1, :arrived_at"
            " FROM queue_entries WHERE doctor_id = :doctor_id AND day = :day RETURNING id"),
            {"appointment_id": appointment_id, "doctor_id": doctor_id, "day": day,
             "arrived_at": arrived_at}).scalar_one()

    def next_waiting(self, doctor_id: int, start: datetime, end: datetime, day: date) -> tuple[int, int] | None:
        """(entry id, appointment id) of the longest-waiting patient whose appointment is still on: scheduled with
        this doctor, starting in [start, end). The appointment row is locked, so a cancel or move at another desk
        either went first (that patient is skipped; `call` finds a deleted entry gone) or waits for this call."""
        row = self._session.execute(text(
            "SELECT q.id, q.appointment_id FROM appointments a JOIN queue_entries q ON q.appointment_id = a.id"
            " WHERE q.doctor_id = :doctor_id AND q.day = :day AND q.state = 'waiting' AND a.status = 'scheduled'"
            " AND a.doctor_id = :doctor_id AND a.appointment_date >= :start AND a.appointment_date < :end"
            " ORDER BY q.arrived_at, q.token LIMIT 1 FOR UPDATE OF a"),
            {"doctor_id": doctor_id, "day": day, "start": start, "end": end}).first()
        return (row.id, row.appointment_id) if row is not None else None

    def call(self, entry_id: int, called_at: datetime) -> bool:
        """Put a waiting entry in with the doctor; False when it is no longer there or no longer waiting."""
        return self._session.execute(text(
            "UPDATE queue_entries SET state = 'in_consultation', called_at = :called_at"
            " WHERE id = :id AND state = 'waiting' RETURNING id"),
            {"id": entry_id, "called_at": called_at}).first() is not None

    def set_state(self, entry_id: int, state: QueueState, *, called_at: datetime | None = None) -> None:
        self._session.execute(
            text("UPDATE queue_entries SET state = CAST(:state AS queue_state),"
                 " called_at = coalesce(:called_at, called_at) WHERE id = :id"),
            {"id": entry_id, "state": state.value, "called_at": called_at})
