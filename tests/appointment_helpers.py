"""Helpers for the appointment, queue and doctor tests: patients by raw SQL, a doctor with hours, future days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine, event, text

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import CLINIC_TZ
from homa_desk.services import doctors

WEEKDAY_HOURS = [(d, "09:00", "13:00") for d in range(1, 7)] + [(d, "17:00", "20:00") for d in range(1, 7)]


def add_patient(engine: Engine, name: str = "Priya Sharma", phone: str = "+919876543210") -> int:
    """A patient row and profile, without the patients service (built by another engineer)."""
    with engine.begin() as conn:
        user_id = conn.execute(text("INSERT INTO users (full_name, phone, role) VALUES (:n, :p, 'patient')"
                                    " RETURNING id"), {"n": name, "p": phone}).scalar_one()
        conn.execute(text("INSERT INTO patient_profiles (user_id) VALUES (:id)"), {"id": user_id})
    return user_id


def with_hours(uow: UnitOfWork, admin: Actor, doctor: Actor, sessions=None) -> None:  # type: ignore[no-untyped-def]
    doctors.set_working_hours(uow, admin, doctor.user_id, sessions or WEEKDAY_HOURS)


def next_weekday(iso_weekday: int = 1, *, after: date | None = None) -> date:
    """The first day with this ISO weekday at least two days from today in the clinic."""
    day = (after or datetime.now(CLINIC_TZ).date()) + timedelta(days=2)
    while day.isoweekday() != iso_weekday:
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A clinic-local wall-clock time as an aware datetime in UTC (as the database returns it)."""
    return datetime.combine(day, time(hour, minute), CLINIC_TZ).astimezone(UTC)


class StatementCounter:
    """Counts the statements sent through an engine (SQLAlchemy's before_cursor_execute)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _count(self, _conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc) -> None:  # type: ignore[no-untyped-def]
        event.remove(self.engine, "before_cursor_execute", self._count)
