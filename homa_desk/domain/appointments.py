"""Appointments: the design's states and their allowed transitions, the slots of a doctor's day, and booking rules.

Times: sessions are clinic-local wall-clock times (Asia/Kolkata); every datetime here is timezone-aware and the
database stores UTC.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from homa_desk.domain.doctors import DoctorProfile, DoctorSchedule, Leave, WorkSession
from homa_desk.domain.errors import DomainError, FormErrors, ValidationError
from homa_desk.domain.patients import free_text
from homa_desk.domain.timeutil import CLINIC_TZ

MAX_SYMPTOMS = 2000
MAX_REASON = 500
SLOT_TAKEN = "This slot was just taken. The grid has been refreshed."
_URL = re.compile(r"https?://[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
                  r"[A-Za-z0-9])?)+(?::\d{1,5})?(?:[/?#][^\s]*)?")


class Status(enum.StrEnum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return "No-show" if self is Status.NO_SHOW else self.value.capitalize()


class ConsultationType(enum.StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"

    @property
    def label(self) -> str:
        return "Online (video)" if self is ConsultationType.ONLINE else "At the clinic"


ALLOWED_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.SCHEDULED: frozenset({Status.COMPLETED, Status.CANCELLED, Status.NO_SHOW}),
    Status.COMPLETED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.NO_SHOW: frozenset(),
}


class TransitionRefused(DomainError):
    """A status change the design does not allow (only scheduled → completed, cancelled or no-show)."""


def check_transition(current: Status | str, new: Status | str) -> Status:
    current, new = Status(current), Status(new)
    if new not in ALLOWED_TRANSITIONS[current]:
        if current is new:
            raise TransitionRefused("This appointment is already {status}.", status=current.label.lower())
        raise TransitionRefused("A {status} appointment cannot be marked {new}: only a scheduled appointment can be "
                                "completed, cancelled or marked no-show.", status=current.label.lower(),
                                new=new.label.lower())
    return new


def meeting_link(value: str | None, field_name: str = "meeting_link") -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(field_name, "An online consultation needs a meeting link.")
    if len(text) > 2000 or not text.isascii() or not _URL.fullmatch(text):
        raise ValidationError(field_name, "Enter the meeting link as a web address, e.g. https://meet.example.com/abc.")
    return text


def cancellation_reason(value: str | None) -> str:
    text = free_text(value, "reason", MAX_REASON, "The reason")
    if not text:
        raise ValidationError("reason", "Enter why the appointment is cancelled.")
    return text


@dataclass(frozen=True)
class BookingDetails:
    """A validated booking form."""

    consultation_type: ConsultationType
    meeting_link: str | None
    symptoms: str | None


def validate_booking(consultation_type: ConsultationType | str, link: str | None,
                     symptoms: str | None) -> BookingDetails:
    errors: list[ValidationError] = []
    kind = ConsultationType.OFFLINE
    try:
        kind = ConsultationType(consultation_type)
    except ValueError:
        errors.append(ValidationError("consultation_type", "Choose online or at the clinic."))
    checked_link = None
    if kind is ConsultationType.ONLINE:
        try:
            checked_link = meeting_link(link)
        except ValidationError as error:
            errors.append(error)
    text = None
    try:
        text = free_text(symptoms, "symptoms", MAX_SYMPTOMS, "Symptoms and notes")
    except ValidationError as error:
        errors.append(error)
    if errors:
        raise FormErrors(errors)
    return BookingDetails(kind, checked_link, text)


# --- what the grid shows ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AppointmentView:
    """One appointment with what the desk shows about its patient (no clinical fields)."""

    id: int
    patient_id: int
    patient_name: str
    patient_number: int | None
    patient_phone: str
    doctor_id: int | None
    doctor_name: str | None
    starts_at: datetime
    ends_at: datetime
    status: Status
    consultation_type: ConsultationType
    is_walk_in: bool = False
    symptoms: str | None = None
    meeting_link: str | None = None
    cancellation_reason: str | None = None
    token: int | None = None
    queue_state: str | None = None

    @property
    def is_live(self) -> bool:
        """Holds its slot (the exclusion constraint's condition)."""
        return self.status in (Status.SCHEDULED, Status.COMPLETED) and not self.is_walk_in

    def as_audit(self) -> dict[str, object]:
        return {"patient_id": self.patient_id, "doctor_id": self.doctor_id, "starts_at": self.starts_at.isoformat(),
                "status": self.status.value, "consultation_type": self.consultation_type.value,
                "is_walk_in": self.is_walk_in, "meeting_link": self.meeting_link,
                "cancellation_reason": self.cancellation_reason}


class SlotState(enum.StrEnum):
    FREE = "free"
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    PAST = "past"  # free, but already over

    @property
    def label(self) -> str:
        return {"free": "Free", "scheduled": "Booked", "completed": "Completed", "no_show": "No-show",
                "past": "Past"}[self.value]


@dataclass(frozen=True)
class Slot:
    doctor_id: int
    starts_at: datetime
    ends_at: datetime
    state: SlotState
    appointment: AppointmentView | None = None

    @property
    def local_start(self) -> time:
        return self.starts_at.astimezone(CLINIC_TZ).time()

    @property
    def is_bookable(self) -> bool:
        return self.state is SlotState.FREE


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The clinic-local day as a UTC half-open range."""
    start = datetime.combine(day, time(0), CLINIC_TZ)
    end = datetime.combine(day + timedelta(days=1), time(0), CLINIC_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_day(moment: datetime) -> date:
    return moment.astimezone(CLINIC_TZ).date()


def slot_starts(day: date, sessions: tuple[WorkSession, ...], minutes: int) -> list[datetime]:
    """Start of every whole slot of `minutes` inside the sessions of `day`, timezone-aware, in order."""
    starts = []
    step = timedelta(minutes=minutes)
    for session in sorted(sessions, key=lambda s: s.starts_at):
        if session.weekday != day.isoweekday():
            continue
        moment = datetime.combine(day, session.starts_at, CLINIC_TZ)
        end = datetime.combine(day, session.ends_at, CLINIC_TZ)
        while moment + step <= end:
            starts.append(moment.astimezone(UTC))
            moment += step
    return starts


def day_slots(schedule: DoctorSchedule, day: date, appointments: list[AppointmentView] | tuple[AppointmentView, ...],
              now: datetime) -> list[Slot]:
    """The doctor's slots of `day`: free, booked (scheduled/completed/no-show) or past. None on a leave day.

    A live appointment wins over a no-show in the same slot (a no-show frees its slot for another booking).
    """
    if schedule.leave_on(day) is not None:
        return []
    minutes = schedule.doctor.slot_minutes
    step = timedelta(minutes=minutes)
    mine = [a for a in appointments if a.doctor_id == schedule.doctor.user_id and not a.is_walk_in
            and a.status is not Status.CANCELLED]
    slots = []
    for start in slot_starts(day, schedule.sessions_on(day), minutes):
        end = start + step
        overlapping = [a for a in mine if a.starts_at < end and start < a.ends_at]
        live = next((a for a in overlapping if a.is_live), None)
        chosen = live or (overlapping[0] if overlapping else None)
        if chosen is not None:
            state = SlotState(chosen.status.value)
        else:
            state = SlotState.PAST if start < now else SlotState.FREE
        slots.append(Slot(schedule.doctor.user_id, start, end, state, chosen))
    return slots


def check_bookable(schedule: DoctorSchedule, starts_at: datetime, now: datetime) -> datetime:
    """The slot must be one of the doctor's slots of that day, not on leave, not over. Returns it in UTC."""
    if starts_at.tzinfo is None:
        raise ValidationError("starts_at", "The time of the appointment has no timezone.")
    day = local_day(starts_at)
    leave = schedule.leave_on(day)
    if leave is not None:
        why = f" ({leave.reason})" if leave.reason else ""
        raise ValidationError("starts_at", "{doctor} is on leave on {day:%d %b %Y}{why}.",
                              doctor=schedule.doctor.full_name, day=day, why=why)
    start = starts_at.astimezone(UTC)
    if start not in slot_starts(day, schedule.sessions_on(day), schedule.doctor.slot_minutes):
        raise ValidationError("starts_at", "{time:%d %b %Y, %I:%M %p} is not one of {doctor}'s slots (outside "
                                           "working hours).", time=starts_at.astimezone(CLINIC_TZ),
                              doctor=schedule.doctor.full_name)
    if start < now:
        raise ValidationError("starts_at", "That time is already over; choose a later slot.")
    return start


# --- the views ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DoctorDay:
    schedule: DoctorSchedule
    day: date
    slots: tuple[Slot, ...]
    leave: Leave | None
    cancelled: tuple[AppointmentView, ...] = ()
    walk_ins: tuple[AppointmentView, ...] = ()
    appointments: tuple[AppointmentView, ...] = ()  # all of the doctor's that day, whatever their state

    @property
    def doctor(self) -> DoctorProfile:
        return self.schedule.doctor


@dataclass(frozen=True)
class DayView:
    day: date
    doctors: tuple[DoctorDay, ...]
    now: datetime

    def times(self) -> list[time]:
        """Every slot start of any doctor, clinic-local, in order: the rows of the grid."""
        return sorted({slot.local_start for d in self.doctors for slot in d.slots})

    def slot_at(self, doctor_id: int, at: time) -> Slot | None:
        for doctor_day in self.doctors:
            if doctor_day.doctor.user_id == doctor_id:
                return next((s for s in doctor_day.slots if s.local_start == at), None)
        return None


@dataclass(frozen=True)
class WeekView:
    doctor: DoctorProfile
    days: tuple[DoctorDay, ...]
    now: datetime

    def times(self) -> list[time]:
        return sorted({slot.local_start for d in self.days for slot in d.slots})


def build_day(schedule: DoctorSchedule, day: date, appointments: list[AppointmentView], now: datetime) -> DoctorDay:
    doctor_id = schedule.doctor.user_id
    mine = [a for a in appointments if a.doctor_id == doctor_id and local_day(a.starts_at) == day]
    return DoctorDay(
        schedule=schedule, day=day, slots=tuple(day_slots(schedule, day, mine, now)), leave=schedule.leave_on(day),
        cancelled=tuple(a for a in mine if a.status is Status.CANCELLED and not a.is_walk_in),
        walk_ins=tuple(a for a in mine if a.is_walk_in), appointments=tuple(mine),
    )


@dataclass(frozen=True)
class DoctorCounts:
    doctor: DoctorProfile
    by_status: dict[Status, int] = field(default_factory=dict)
    waiting: int = 0
    in_consultation: str | None = None  # the patient with the doctor now
    next_slot: datetime | None = None

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass(frozen=True)
class DashboardSummary:
    day: date
    doctors: tuple[DoctorCounts, ...]
    clinic_name: str = ""  # read with the doctors, so the home page opens in two round trips

    def totals(self) -> dict[Status, int]:
        totals = dict.fromkeys(Status, 0)
        for doctor in self.doctors:
            for status, count in doctor.by_status.items():
                totals[status] += count
        return totals
