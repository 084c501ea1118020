"""The day's walk-in queue: booked patients who arrived and walk-ins, one token per doctor per day.

Tokens are numbered 1, 2, 3… per doctor per day under the doctor's advisory lock, so desks adding patients at the
same moment never share or skip a token (the unique constraint queue_entries_one_token backs this up).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.appointments import ConsultationType, DayView, Status, build_day, day_bounds, local_day
from homa_desk.domain.doctors import DoctorSchedule
from homa_desk.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from homa_desk.domain.patients import free_text
from homa_desk.domain.queue import DoctorQueue, QueueEntryView, QueueState
from homa_desk.domain.roles import STAFF_ROLES, Actor, Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.services.clinic import DEFAULT_NAME

log = logging.getLogger(__name__)

DESK = (Role.RECEPTIONIST, Role.ADMIN)


def queue_for(uow: UnitOfWork, actor: Actor, doctor_id: int, day: date) -> DoctorQueue:
    with uow.reading(actor, *STAFF_ROLES):
        return DoctorQueue(doctor_id, day, tuple(uow.queue.for_doctor(doctor_id, day)))


@dataclass(frozen=True)
class QueuePage:
    """What the front desk's queue page shows: the doctors to choose from, the clinic's name (for token slips), the
    queue (one doctor's, or every doctor's for `doctor_id=None`) and, for the desk, today's bookings."""

    doctors: tuple[DoctorSchedule, ...]
    clinic_name: str
    queue: DoctorQueue | None
    all_entries: tuple[QueueEntryView, ...]
    bookings: DayView | None


def queue_page(uow: UnitOfWork, actor: Actor, day: date, doctor_id: int | None, *,
               now: datetime | None = None) -> QueuePage:
    """The queue page in one round trip: what list_doctors, clinic_name, queue_for or all_doctors_queue, and (desk
    only) day_view read, sent together. Every doctor's queue is for the desk only, as all_doctors_queue is."""
    now = now or utcnow()
    desk = actor.role in DESK
    start, end = day_bounds(day)
    with uow.reading(actor, *(STAFF_ROLES if doctor_id is not None else DESK)):
        line = uow.queue.for_doctor_later(doctor_id, day) if doctor_id is not None else uow.queue.for_day_later(day)
        reads = [uow.doctors.schedules_later(day, day), uow.settings.get_many_later(("clinic_name",)), line]
        if desk:
            reads.append(uow.appointments.between_later(start, end))
        schedules, found, entries, *booked = uow.together(*reads)
    bookings = None
    if desk:
        active = {s.doctor.user_id for s in schedules}
        day_appointments = [a for a in booked[0] if a.doctor_id in active]
        bookings = DayView(day, tuple(build_day(s, day, day_appointments, now) for s in schedules), now)
    return QueuePage(tuple(schedules), found["clinic_name"] or DEFAULT_NAME,
                     DoctorQueue(doctor_id, day, tuple(entries)) if doctor_id is not None else None,
                     tuple(entries) if doctor_id is None else (), bookings)


def all_doctors_queue(uow: UnitOfWork, actor: Actor, day: date) -> tuple[QueueEntryView, ...]:
    """The front desk's view of every doctor's queue at once, with each patient's age, sex and complaint."""
    with uow.reading(actor, *DESK):
        return tuple(uow.queue.for_day(day))


def check_in(uow: UnitOfWork, actor: Actor, appointment_id: int) -> QueueEntryView:
    """A booked patient has arrived: they join today's queue of their doctor with the next token."""
    actor.require(*DESK)
    now = utcnow()
    today = local_day(now)
    with uow:
        appointment = uow.appointments.get(appointment_id, for_update=True)
        if appointment is None:
            raise NotFound("No such appointment.")
        if appointment.status is not Status.SCHEDULED or appointment.doctor_id is None:
            raise ValidationError("appointment", "A {status} appointment cannot be checked in.",
                                  status=appointment.status.label.lower())
        if local_day(appointment.starts_at) != today:
            raise ValidationError("appointment", "Only today's appointments can be checked in.")
        if appointment.token is not None:
            raise Conflict("{patient} is already in the queue (token {token}).", patient=appointment.patient_name,
                           token=appointment.token)
        uow.doctors.lock(appointment.doctor_id)
        entry_id = uow.queue.add(appointment_id=appointment_id, doctor_id=appointment.doctor_id, day=today,
                                 arrived_at=now)
        entry = _entry(uow, appointment_id)
        uow.audit.record(actor, "appointment_checked_in", "appointment", appointment_id,
                         after={"token": entry.token, "queue_entry": entry_id, "day": today.isoformat()})
        uow.commit()
    return entry


def add_walk_in(uow: UnitOfWork, actor: Actor, patient_id: int, doctor_id: int, *,
                symptoms: str | None = None) -> QueueEntryView:
    """A patient without a booking: an appointment row (is_walk_in, now, scheduled) and a queue entry."""
    actor.require(*DESK)
    notes = free_text(symptoms, "symptoms", 2000, "Symptoms and notes")
    now = utcnow()
    today = local_day(now)
    with uow:
        if not uow.appointments.patient_exists(patient_id):
            raise NotFound("No such patient.")
        schedule = uow.doctors.schedule(doctor_id, today, today)
        if schedule is None:
            raise NotFound("No such doctor.")
        doctor = schedule.doctor
        if not doctor.is_active:
            raise ValidationError("doctor_id", "{doctor} no longer works at the clinic.", doctor=doctor.full_name)
        if schedule.leave_on(today) is not None:
            raise ValidationError("doctor_id", "{doctor} is on leave today.", doctor=doctor.full_name)
        uow.doctors.lock(doctor_id)
        appointment_id = uow.appointments.add(
            patient_id=patient_id, doctor_id=doctor_id, starts_at=now, duration_minutes=doctor.slot_minutes,
            consultation_type=ConsultationType.OFFLINE, meeting_link=None, symptoms=notes,
            booked_by=actor.user_id, is_walk_in=True)
        uow.queue.add(appointment_id=appointment_id, doctor_id=doctor_id, day=today, arrived_at=now)
        entry = _entry(uow, appointment_id)
        appointment = uow.appointments.get(appointment_id)
        assert appointment is not None
        uow.audit.record(actor, "appointment_walk_in", "appointment", appointment_id,
                         after={**appointment.as_audit(), "token": entry.token})
        uow.commit()
    log.info("user %s added walk-in %s (token %s)", actor.user_id, appointment_id, entry.token)
    return entry


def call_next(uow: UnitOfWork, actor: Actor, doctor_id: int) -> QueueEntryView | None:
    """The patient with the doctor is done; the longest-waiting patient goes in. None when nobody waits.

    Only a visit still on (scheduled today with this doctor) is called: a cancelled, no-show or moved one has left
    the queue (schema 0018), and one being cancelled or moved at this moment is either skipped or refused there."""
    actor.require(*STAFF_ROLES)
    if actor.role is Role.DOCTOR and actor.user_id != doctor_id:
        raise PermissionDenied("A doctor may call only their own queue.")
    now = utcnow()
    today = local_day(now)
    start, end = day_bounds(today)
    with uow:
        uow.doctors.lock(doctor_id)
        for entry in uow.queue.for_doctor(doctor_id, today):
            if entry.state is QueueState.IN_CONSULTATION:
                uow.queue.set_state(entry.id, QueueState.DONE)
        called = None
        while called is None and (waiting := uow.queue.next_waiting(doctor_id, start, end, today)) is not None:
            if uow.queue.call(waiting[0], now):  # False: cancelled or moved at another desk meanwhile
                called = _entry(uow, waiting[1])
                uow.audit.record(actor, "queue_called", "appointment", called.appointment_id,
                                 before={"queue_state": QueueState.WAITING.value},
                                 after={"queue_state": called.state.value, "token": called.token})
        uow.commit()
    return called


def _entry(uow: UnitOfWork, appointment_id: int) -> QueueEntryView:
    entry = uow.queue.for_appointment(appointment_id)
    assert entry is not None
    return entry
