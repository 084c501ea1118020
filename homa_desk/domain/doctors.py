"""Doctors as the schedule sees them: profile, weekly working sessions (clinic-local) and leave days.

A staff member with role doctor and no `doctor_profiles` row is treated as having the defaults below; the row is
created on the first edit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from itertools import pairwise

from homa_desk.domain import validation
from homa_desk.domain.errors import FormErrors, ValidationError

DEFAULT_SPECIALTY = "General Physician"
DEFAULT_SLOT_MINUTES = 15
MIN_SLOT_MINUTES = 5
MAX_SLOT_MINUTES = 240
MAX_SPECIALTY = 120
MAX_QUALIFICATION = 200
MAX_REGISTRATION = 64
MAX_ROOM = 20
MAX_LEAVE_REASON = 500
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # ISO 1..7
SPECIALTIES = ("General Physician", "Paediatrics", "Gynaecology", "Orthopaedics", "Dermatology", "ENT",
               "Cardiology", "Ophthalmology", "Psychiatry", "Dentistry", "Neurology", "Diabetology")

_TIME = re.compile(r"(\d{1,2})[:.](\d{2})\s*([AaPp][Mm])?")
_REGISTRATION = re.compile(r"[A-Za-z0-9][A-Za-z0-9 /.-]*")


@dataclass(frozen=True)
class WorkSession:
    """One weekly working session; `weekday` is ISO (1 = Monday), times are Asia/Kolkata wall-clock times."""

    weekday: int
    starts_at: time
    ends_at: time

    @property
    def label(self) -> str:
        return f"{WEEKDAYS[self.weekday - 1]} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


@dataclass(frozen=True)
class Leave:
    day: date
    reason: str | None = None


@dataclass(frozen=True)
class DoctorProfile:
    user_id: int
    full_name: str
    specialty: str = DEFAULT_SPECIALTY
    qualification: str | None = None
    registration_number: str | None = None
    consultation_fee: Decimal = Decimal("0.00")
    slot_minutes: int = DEFAULT_SLOT_MINUTES
    is_active: bool = True
    has_profile: bool = False  # False: no doctor_profiles row yet, the values are the defaults
    room: str | None = None  # where patients go when called: the waiting room screen shows and says it


@dataclass(frozen=True)
class DoctorSchedule:
    """A doctor with the weekly sessions and the leave days of the range that was asked for."""

    doctor: DoctorProfile
    sessions: tuple[WorkSession, ...] = ()
    leaves: tuple[Leave, ...] = field(default=())

    def sessions_on(self, day: date) -> tuple[WorkSession, ...]:
        weekday = day.isoweekday()
        return tuple(sorted((s for s in self.sessions if s.weekday == weekday), key=lambda s: s.starts_at))

    def leave_on(self, day: date) -> Leave | None:
        return next((leave for leave in self.leaves if leave.day == day), None)


@dataclass(frozen=True)
class ProfileChanges:
    """A validated profile form."""

    specialty: str
    qualification: str | None
    registration_number: str | None
    consultation_fee: Decimal
    slot_minutes: int
    room: str | None = None


def _text(value: str | None, field_name: str, limit: int, label: str, *, required: bool = False) -> str | None:
    text = " ".join((value or "").split())
    if not text:
        if required:
            raise ValidationError(field_name, "Enter the {label}.", label=label)
        return None
    if len(text) > limit:
        raise ValidationError(field_name, "The {label} is too long (at most {limit} characters).", label=label,
                              limit=limit)
    if any(not c.isprintable() for c in text):
        raise ValidationError(field_name, "The {label} contains a character that cannot be stored.", label=label)
    return text


def slot_minutes(value: str | int | None, field_name: str = "slot_minutes") -> int:
    text = str(value if value is not None else "").strip()
    if isinstance(value, bool) or not validation.ascii_digits(text) or len(text) > 3:
        raise ValidationError(field_name, "Enter the slot length in whole minutes ({low}–{high}).",
                              low=MIN_SLOT_MINUTES, high=MAX_SLOT_MINUTES)
    minutes = int(text)
    if not MIN_SLOT_MINUTES <= minutes <= MAX_SLOT_MINUTES:
        raise ValidationError(field_name, "A slot is {low} to {high} minutes long.", low=MIN_SLOT_MINUTES,
                              high=MAX_SLOT_MINUTES)
    return minutes


def validate_profile(*, specialty: str, qualification: str | None, registration_number: str | None,
                     consultation_fee: str | Decimal, slot_minutes_text: str | int,
                     room: str | None = None) -> ProfileChanges:
    """Check every field at once; raise FormErrors."""
    errors: list[ValidationError] = []
    values: dict[str, object] = {}

    def registration() -> str | None:
        text = _text(registration_number, "registration_number", MAX_REGISTRATION, "registration number")
        if text is not None and (not text.isascii() or not _REGISTRATION.fullmatch(text)):
            raise ValidationError("registration_number",
                                  "A registration number has letters, digits, spaces, / . and - only.")
        return text

    checks = {
        "specialty": lambda: _text(specialty, "specialty", MAX_SPECIALTY, "specialty", required=True),
        "qualification": lambda: _text(qualification, "qualification", MAX_QUALIFICATION, "qualification"),
        "registration_number": registration,
        "consultation_fee": lambda: validation.amount(consultation_fee, "consultation_fee", allow_zero=True),
        "slot_minutes": lambda: slot_minutes(slot_minutes_text),
        "room": lambda: _text(room, "room", MAX_ROOM, "room"),
    }
    for name, check in checks.items():
        try:
            values[name] = check()
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise FormErrors(errors)
    return ProfileChanges(**values)  # type: ignore[arg-type]


def parse_time(value: str | time | None, field_name: str = "time") -> time:
    """"9:30", "09:30", "17.00", "5:00 pm"; a `time` passes through."""
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    text = (value or "").strip()
    match = _TIME.fullmatch(text) if text.isascii() else None
    if match is None:
        raise ValidationError(field_name, "Enter the time as HH:MM, for example 09:30 or 17:00.")
    hour, minute, half = int(match.group(1)), int(match.group(2)), (match.group(3) or "").lower()
    if half:
        if not 1 <= hour <= 12:
            raise ValidationError(field_name, "With AM/PM the hour is 1 to 12.")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValidationError(field_name, "There is no such time of day.")
    return time(hour, minute)


def validate_sessions(sessions: list[tuple[int, str | time, str | time]]) -> tuple[WorkSession, ...]:
    """Weekly sessions: each starts before it ends, and no two of one weekday overlap. Raises ValidationError
    (field "sessions") naming the first problem so the receptionist knows which row to fix."""
    parsed: list[WorkSession] = []
    for weekday, start, end in sessions:
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 1 <= weekday <= 7:
            raise ValidationError("sessions", "Choose a weekday for every session.")
        day = WEEKDAYS[weekday - 1]
        starts_at = parse_time(start, "sessions")
        ends_at = parse_time(end, "sessions")
        if starts_at >= ends_at:
            raise ValidationError("sessions", "{day}: a session must start before it ends ({starts:%H:%M}–"
                                              "{ends:%H:%M}).", day=day, starts=starts_at, ends=ends_at)
        parsed.append(WorkSession(weekday, starts_at, ends_at))
    parsed.sort(key=lambda s: (s.weekday, s.starts_at))
    for before, after in pairwise(parsed):
        if before.weekday == after.weekday and after.starts_at < before.ends_at:
            raise ValidationError("sessions", "{day}: {starts:%H:%M}–{ends:%H:%M} overlaps {other_starts:%H:%M}–"
                                              "{other_ends:%H:%M}.", day=WEEKDAYS[before.weekday - 1],
                                  starts=before.starts_at, ends=before.ends_at, other_starts=after.starts_at,
                                  other_ends=after.ends_at)
    return tuple(parsed)


def validate_leave(day: date | None, reason: str | None) -> Leave:
    if not isinstance(day, date):
        raise ValidationError("day", "Choose the day of leave.")
    return Leave(day, _text(reason, "reason", MAX_LEAVE_REASON, "reason"))


def revalidated_profile(changes: ProfileChanges) -> ProfileChanges:
    """`changes` checked again, whoever built them (FormErrors for a bad field)."""
    return validate_profile(specialty=changes.specialty, qualification=changes.qualification,
                            registration_number=changes.registration_number,
                            consultation_fee=str(changes.consultation_fee), slot_minutes_text=changes.slot_minutes,
                            room=changes.room)
