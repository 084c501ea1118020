"""Appointments at the desk: the day and week grids, booking, rescheduling, cancelling, completing, no-shows.

No double booking is the database's job (the exclusion constraint appointments_no_double_booking); a desk that
loses a race gets Conflict(SLOT_TAKEN). Every change goes to the audit log with the appointment before and after.
Receptionists and admins book and change; a doctor may mark their own appointments completed or no-show.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.appointments import (
    AppointmentView,
    ConsultationType,
    DashboardSummary,
    DayView,
    DoctorCounts,
    SlotState,
    Status,
    TransitionRefused,
    WeekView,
    build_day,
    cancellation_reason,
    check_bookable,
    check_transition,
    day_bounds,
    local_day,
    validate_booking,
)
from homa_desk.domain.doctors import DoctorSchedule
from homa_desk.domain.errors import NotFound, PermissionDenied, ValidationError
from homa_desk.domain.queue import QueueState
from homa_desk.domain.roles import STAFF_ROLES, Actor, Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import notifications
from homa_desk.services.clinic import DEFAULT_NAME

log = logging.getLogger(__name__)

DESK = (Role.RECEPTIONIST, Role.ADMIN)


def day_view(uow: UnitOfWork, actor: Actor, day: date, *, now: datetime | None = None) -> DayView:
    """Every active doctor's slots of `day`: two statements (doctors with hours and leave; the day's appointments
    with patient names and queue tokens)."""
    return _day_view(uow, actor, day, now or utcnow())[0]


def _day_view(uow: UnitOfWork, actor: Actor, day: date, now: datetime,
              settings: tuple[str, ...] = ()) -> tuple[DayView, dict[str, Any]]:
    """The day view, and clinic `settings` read in the same round trip as the doctors."""
    start, end = day_bounds(day)
    with uow.reading(actor, *STAFF_ROLES):
        if settings:
            schedules, found = uow.together(uow.doctors.schedules_later(day, day),
                                            uow.settings.get_many_later(settings))
        else:
            schedules, found = uow.doctors.schedules(day, day), {}
        appointments = uow.appointments.between(start, end, doctor_ids=[s.doctor.user_id for s in schedules])
    return DayView(day, tuple(build_day(s, day, appointments, now) for s in schedules), now), found


def week_view(uow: UnitOfWork, actor: Actor, doctor_id: int, first_day: date, *,
              now: datetime | None = None) -> WeekView:
    """One doctor's seven days from `first_day`, also in two statements."""
    now = now or utcnow()
    last_day = first_day + timedelta(days=6)
    with uow.reading(actor, *STAFF_ROLES):
        schedule = _schedule(uow, doctor_id, first_day, last_day)
        appointments = uow.appointments.between(day_bounds(first_day)[0], day_bounds(last_day)[1],
                                                doctor_id=doctor_id)
    days = tuple(build_day(schedule, first_day + timedelta(days=n), appointments, now) for n in range(7))
    return WeekView(schedule.doctor, days, now)


def get_appointment(uow: UnitOfWork, actor: Actor, appointment_id: int) -> AppointmentView:
    with uow.reading(actor, *STAFF_ROLES):
        return _get(uow, appointment_id)


def book_appointment(uow: UnitOfWork, actor: Actor, *, patient_id: int, doctor_id: int, starts_at: datetime,
                     consultation_type: ConsultationType | str = ConsultationType.OFFLINE,
                     meeting_link: str | None = None, symptoms: str | None = None) -> AppointmentView:
    """Book one of the doctor's free slots. FormErrors/ValidationError for bad input or a time outside the
    doctor's hours or on leave; Conflict(SLOT_TAKEN) when another desk booked the slot first."""
    actor.require(*DESK)
    details = validate_booking(consultation_type, meeting_link, symptoms)
    day = local_day(starts_at) if starts_at.tzinfo else None
    with uow:
        if not uow.appointments.patient_exists(patient_id):
            raise NotFound("No such patient.")
        schedule = _schedule(uow, doctor_id, day, day) if day else None
        if schedule is None:
            raise ValidationError("starts_at", "The time of the appointment has no timezone.")
        _require_active(schedule)
        start = check_bookable(schedule, starts_at, utcnow())
        appointment_id = uow.appointments.add(
            patient_id=patient_id, doctor_id=doctor_id, starts_at=start,
            duration_minutes=schedule.doctor.slot_minutes, consultation_type=details.consultation_type,
            meeting_link=details.meeting_link, symptoms=details.symptoms, booked_by=actor.user_id)
        booked = _get(uow, appointment_id)
        uow.audit.record(actor, "appointment_booked", "appointment", appointment_id, after=booked.as_audit())
        notifications.enqueue_appointment_booked(uow, appointment_id)
        uow.commit()
    log.info("user %s booked appointment %s", actor.user_id, appointment_id)
    return booked


def reschedule(uow: UnitOfWork, actor: Actor, appointment_id: int, starts_at: datetime) -> AppointmentView:
    """Move a scheduled appointment to another free slot of the same doctor (the same row, audited)."""
    actor.require(*DESK)
    if starts_at.tzinfo is None:
        raise ValidationError("starts_at", "The time of the appointment has no timezone.")
    day = local_day(starts_at)
    with uow:
        before = _get(uow, appointment_id, for_update=True)
        if before.status is not Status.SCHEDULED:
            raise ValidationError("starts_at", "A {status} appointment cannot be moved.",
                                  status=before.status.label.lower())
        if before.is_walk_in or before.doctor_id is None:
            raise ValidationError("starts_at", "A walk-in has no slot to move.")
        _require_not_called_in(uow, appointment_id, "starts_at")
        schedule = _schedule(uow, before.doctor_id, day, day)
        _require_active(schedule)
        start = check_bookable(schedule, starts_at, utcnow())
        if start == before.starts_at:
            raise ValidationError("starts_at", "The appointment is already at that time.")
        uow.appointments.move(appointment_id, start, schedule.doctor.slot_minutes)
        after = _get(uow, appointment_id)
        uow.audit.record(actor, "appointment_rescheduled", "appointment", appointment_id,
                         before=before.as_audit(), after=after.as_audit())
        notifications.enqueue_appointment_rescheduled(uow, appointment_id)
        uow.commit()
    return after


def cancel(uow: UnitOfWork, actor: Actor, appointment_id: int, reason: str | None) -> AppointmentView:
    """Cancel with a reason (required); the slot becomes free."""
    actor.require(*DESK)
    checked = cancellation_reason(reason)
    return _change_status(uow, actor, appointment_id, Status.CANCELLED, reason=checked)


def mark_completed(uow: UnitOfWork, actor: Actor, appointment_id: int) -> AppointmentView:
    return _change_status(uow, actor, appointment_id, Status.COMPLETED)


def mark_no_show(uow: UnitOfWork, actor: Actor, appointment_id: int) -> AppointmentView:
    return _change_status(uow, actor, appointment_id, Status.NO_SHOW)


def _change_status(uow: UnitOfWork, actor: Actor, appointment_id: int, new: Status, *,
                   reason: str | None = None) -> AppointmentView:
    actor.require(*STAFF_ROLES)
    with uow:
        before = _get(uow, appointment_id, for_update=True)
        if actor.role is Role.DOCTOR and (new is Status.CANCELLED or before.doctor_id != actor.user_id):
            raise PermissionDenied("A doctor may mark only their own appointments completed or no-show.")
        check_transition(before.status, new)
        if new in (Status.CANCELLED, Status.NO_SHOW):
            _require_not_called_in(uow, appointment_id)
        uow.appointments.set_status(appointment_id, new, reason=reason)
        after = _get(uow, appointment_id)
        uow.audit.record(actor, f"appointment_{new.value}", "appointment", appointment_id,
                         before=before.as_audit(), after=after.as_audit())
        if new is Status.CANCELLED:
            notifications.enqueue_appointment_cancelled(uow, appointment_id)
        uow.commit()
    log.info("user %s marked appointment %s %s", actor.user_id, appointment_id, new.value)
    return after


def dashboard(uow: UnitOfWork, actor: Actor, day: date | None = None, *,
              now: datetime | None = None) -> DashboardSummary:
    """Per doctor: the day's appointments by status, who waits, who is with the doctor, the next free slot; and the
    clinic's name. Two round trips: the doctors with the clinic's name, then the day's appointments."""
    now = now or utcnow()
    view, found = _day_view(uow, actor, day or local_day(now), now, ("clinic_name",))
    counts = []
    for doctor_day in view.doctors:
        everything = doctor_day.appointments
        by_status = dict.fromkeys(Status, 0)
        for appointment in everything:
            by_status[appointment.status] += 1
        waiting = sum(1 for a in everything if a.queue_state == QueueState.WAITING.value)
        current = next((a.patient_name for a in everything if a.queue_state == QueueState.IN_CONSULTATION.value),
                       None)
        next_free = next((s.starts_at for s in doctor_day.slots if s.state is SlotState.FREE), None)
        counts.append(DoctorCounts(doctor_day.doctor, {s: n for s, n in by_status.items() if n}, waiting, current,
                                   next_free))
    return DashboardSummary(view.day, tuple(counts), found["clinic_name"] or DEFAULT_NAME)


def _get(uow: UnitOfWork, appointment_id: int, *, for_update: bool = False) -> AppointmentView:
    found = uow.appointments.get(appointment_id, for_update=for_update)
    if found is None:
        raise NotFound("No such appointment.")
    return found


def _require_not_called_in(uow: UnitOfWork, appointment_id: int, field: str | None = None) -> None:
    """Refuse to move (ValidationError on `field`), cancel or mark no-show (TransitionRefused) a visit the doctor
    has called in; any other queue entry leaves with the change (schema 0018). Read after the appointment's lock,
    so a Call next that went first is seen."""
    entry = uow.queue.for_appointment(appointment_id)
    if entry is not None and entry.called_in:
        key, params = entry.called_in_message()
        raise ValidationError(field, key, **params) if field else TransitionRefused(key, **params)


def _schedule(uow: UnitOfWork, doctor_id: int, first: date, last: date) -> DoctorSchedule:
    schedule = uow.doctors.schedule(doctor_id, first, last)
    if schedule is None:
        raise NotFound("No such doctor.")
    return schedule


def _require_active(schedule: DoctorSchedule) -> None:
    if not schedule.doctor.is_active:
        raise ValidationError("doctor_id", "{doctor} no longer works at the clinic.", doctor=schedule.doctor.full_name)
