"""Booking, moving, cancelling, completing: rules, roles, audit, and the database's no-double-booking."""

from __future__ import annotations

import threading
from datetime import time, timedelta

import pytest

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.appointments import SLOT_TAKEN, SlotState, Status, TransitionRefused
from homa_desk.domain.errors import Conflict, FormErrors, NotFound, PermissionDenied, ValidationError
from homa_desk.services import appointments, doctors
from tests.appointment_helpers import StatementCounter, add_patient, at, next_weekday, with_hours
from tests.helpers import engine_for, new_staff


@pytest.fixture
def clinic(uow, admin, doctor):
    with_hours(uow, admin, doctor)
    return doctor


@pytest.fixture
def patient(engine):
    return add_patient(engine)


def book(uow, actor, patient, doctor, when, **kw):  # type: ignore[no-untyped-def]
    return appointments.book_appointment(uow, actor, patient_id=patient, doctor_id=doctor.user_id, starts_at=when,
                                         **kw)


def test_booking_a_free_slot_shows_in_the_day_view(uow, receptionist, clinic, patient):
    day = next_weekday(1)
    booked = book(uow, receptionist, patient, clinic, at(day, 10, 15), symptoms="Fever")
    assert booked.status is Status.SCHEDULED and booked.ends_at == at(day, 10, 30)
    assert booked.patient_name == "Priya Sharma"
    view = appointments.day_view(uow, receptionist, day)
    (column,) = view.doctors
    assert len(column.slots) == 16 + 12
    slot = next(s for s in column.slots if s.starts_at == at(day, 10, 15))
    assert slot.state is SlotState.SCHEDULED
    assert slot.appointment.id == booked.id
    assert sum(s.state is SlotState.FREE for s in column.slots) == 27


@pytest.mark.parametrize(("hour", "minute", "message"), [
    (13, 0, "outside working hours"), (8, 45, "outside working hours"), (10, 5, "outside working hours"),
    (14, 0, "outside working hours")])
def test_booking_outside_working_hours_is_refused(uow, receptionist, clinic, patient, hour, minute, message):
    with pytest.raises(ValidationError, match=message):
        book(uow, receptionist, patient, clinic, at(next_weekday(2), hour, minute))


def test_sunday_has_no_hours_and_a_leave_day_none(uow, admin, receptionist, clinic, patient):
    with pytest.raises(ValidationError, match="outside working hours"):
        book(uow, receptionist, patient, clinic, at(next_weekday(7), 10))
    day = next_weekday(3)
    doctors.add_leave(uow, admin, clinic.user_id, day, "Conference in Pune")
    with pytest.raises(ValidationError, match=r"on leave .*Conference in Pune"):
        book(uow, receptionist, patient, clinic, at(day, 10))
    view = appointments.day_view(uow, receptionist, day)
    assert view.doctors[0].slots == () and view.doctors[0].leave.reason == "Conference in Pune"


def test_online_needs_a_valid_meeting_link(uow, receptionist, clinic, patient):
    day = next_weekday(1)
    with pytest.raises(FormErrors) as refused:
        book(uow, receptionist, patient, clinic, at(day, 10), consultation_type="online")
    assert "meeting_link" in refused.value.by_field()
    with pytest.raises(FormErrors, match="web address"):
        book(uow, receptionist, patient, clinic, at(day, 10), consultation_type="online", meeting_link="zoom call")
    done = book(uow, receptionist, patient, clinic, at(day, 10), consultation_type="online",
                meeting_link="https://meet.example.com/abc-def")
    assert done.meeting_link == "https://meet.example.com/abc-def"


def test_a_past_slot_cannot_be_booked(uow, receptionist, clinic, patient):
    last_week = next_weekday(1) - timedelta(days=14)
    with pytest.raises(ValidationError, match="already over"):
        book(uow, receptionist, patient, clinic, at(last_week, 10))
    view = appointments.day_view(uow, receptionist, last_week)
    assert {s.state for s in view.doctors[0].slots} == {SlotState.PAST}


def test_the_same_slot_twice_is_a_conflict(uow, receptionist, clinic, patient, engine):
    day = next_weekday(1)
    book(uow, receptionist, patient, clinic, at(day, 11))
    other = add_patient(engine, "Rahul Kumar", "+919123456789")
    with pytest.raises(Conflict, match="just taken"):
        book(uow, receptionist, other, clinic, at(day, 11))


def test_transitions_only_from_scheduled(uow, receptionist, clinic, patient):
    day = next_weekday(1)
    first = book(uow, receptionist, patient, clinic, at(day, 9))
    assert appointments.mark_completed(uow, receptionist, first.id).status is Status.COMPLETED
    for change in (appointments.mark_no_show, appointments.mark_completed):
        with pytest.raises(TransitionRefused):
            change(uow, receptionist, first.id)
    with pytest.raises(TransitionRefused, match="only a scheduled appointment"):
        appointments.cancel(uow, receptionist, first.id, "Patient asked")
    second = book(uow, receptionist, patient, clinic, at(day, 9, 15))
    assert appointments.mark_no_show(uow, receptionist, second.id).status is Status.NO_SHOW
    with pytest.raises(TransitionRefused, match="no-show"):
        appointments.mark_completed(uow, receptionist, second.id)


def test_cancel_needs_a_reason_and_frees_the_slot(uow, receptionist, clinic, patient):
    day = next_weekday(1)
    booked = book(uow, receptionist, patient, clinic, at(day, 12))
    with pytest.raises(ValidationError, match="why"):
        appointments.cancel(uow, receptionist, booked.id, "  ")
    cancelled = appointments.cancel(uow, receptionist, booked.id, "Patient is travelling")
    assert cancelled.status is Status.CANCELLED and cancelled.cancellation_reason == "Patient is travelling"
    view = appointments.day_view(uow, receptionist, day)
    assert view.slot_at(clinic.user_id, time(12, 0)).state is SlotState.FREE
    column = view.doctors[0]
    assert [a.id for a in column.cancelled] == [booked.id]
    assert next(s for s in column.slots if s.starts_at == at(day, 12)).state is SlotState.FREE
    again = book(uow, receptionist, patient, clinic, at(day, 12))
    assert again.id != booked.id


def test_reschedule_moves_the_same_row_and_is_audited(uow, engine, receptionist, clinic, patient):
    day = next_weekday(1)
    booked = book(uow, receptionist, patient, clinic, at(day, 9))
    book(uow, receptionist, add_patient(engine, "Rahul Kumar", "+919123456789"), clinic, at(day, 9, 30))
    with pytest.raises(Conflict, match=SLOT_TAKEN.split(".")[0]):
        appointments.reschedule(uow, receptionist, booked.id, at(day, 9, 30))
    moved = appointments.reschedule(uow, receptionist, booked.id, at(day + timedelta(days=1), 17))
    assert moved.id == booked.id and moved.starts_at == at(day + timedelta(days=1), 17)
    with uow:
        trail = uow.audit.for_entity("appointment", booked.id)
    assert [r.action for r in trail] == ["appointment_booked", "appointment_rescheduled"]
    assert trail[1].before["starts_at"] == at(day, 9).isoformat()
    assert trail[1].after["starts_at"] == moved.starts_at.isoformat()


def test_every_change_is_audited_with_before_and_after(uow, receptionist, clinic, patient):
    day = next_weekday(1)
    first = book(uow, receptionist, patient, clinic, at(day, 9))
    appointments.cancel(uow, receptionist, first.id, "Clash with exam")
    second = book(uow, receptionist, patient, clinic, at(day, 10))
    appointments.mark_no_show(uow, receptionist, second.id)
    with uow:
        cancelled = uow.audit.for_entity("appointment", first.id)
        no_show = uow.audit.for_entity("appointment", second.id)
    assert [r.action for r in cancelled] == ["appointment_booked", "appointment_cancelled"]
    assert cancelled[1].before["status"] == "scheduled" and cancelled[1].after["status"] == "cancelled"
    assert cancelled[1].after["cancellation_reason"] == "Clash with exam"
    assert cancelled[1].actor_id == receptionist.user_id
    assert [r.action for r in no_show] == ["appointment_booked", "appointment_no_show"]


def test_roles(uow, admin, receptionist, clinic, patient):
    day = next_weekday(1)
    with pytest.raises(PermissionDenied):
        book(uow, clinic, patient, clinic, at(day, 9))
    booked = book(uow, admin, patient, clinic, at(day, 9))
    with pytest.raises(PermissionDenied):
        appointments.cancel(uow, clinic, booked.id, "no")
    with pytest.raises(PermissionDenied):
        appointments.reschedule(uow, clinic, booked.id, at(day, 10))
    other = staff_doctor(uow, admin)
    with pytest.raises(PermissionDenied, match="own appointments"):
        appointments.mark_completed(uow, other, booked.id)
    assert appointments.mark_completed(uow, clinic, booked.id).status is Status.COMPLETED
    assert appointments.day_view(uow, clinic, day).doctors
    with pytest.raises(PermissionDenied):
        doctors.set_working_hours(uow, receptionist, clinic.user_id, [])


def staff_doctor(uow, admin):  # type: ignore[no-untyped-def]
    from homa_desk.domain.roles import Role
    from homa_desk.services import staff

    return staff.add_staff(uow, admin, new_staff(Role.DOCTOR, name="Kavya Rao")).as_actor()


def test_unknown_patient_or_appointment(uow, receptionist, clinic):
    with pytest.raises(NotFound):
        book(uow, receptionist, 999999, clinic, at(next_weekday(1), 9))
    with pytest.raises(NotFound):
        appointments.cancel(uow, receptionist, 424242, "gone")


def test_the_day_view_takes_two_statements_for_any_number_of_doctors(uow, engine, admin, receptionist, clinic,
                                                                     patient):
    day = next_weekday(1)
    for n in range(4):
        other = staff_doctor(uow, admin)
        with_hours(uow, admin, other)
        book(uow, receptionist, patient, other, at(day, 9 + n))
    book(uow, receptionist, patient, clinic, at(day, 17))
    with StatementCounter(engine) as counter:
        view = appointments.day_view(uow, receptionist, day)
    assert len(view.doctors) == 5
    assert sum(s.state is SlotState.SCHEDULED for d in view.doctors for s in d.slots) == 5
    assert len(counter.statements) <= 2, counter.statements
    with StatementCounter(engine) as counter:
        week = appointments.week_view(uow, receptionist, clinic.user_id, day)
    assert len(week.days) == 7 and len(counter.statements) <= 2


def test_a_race_for_one_slot_has_exactly_one_winner(cluster, db_url, uow, receptionist, clinic, engine):
    patients = [add_patient(engine, f"Patient {chr(65 + n)}", f"+9198765432{n:02d}") for n in range(6)]
    when = at(next_weekday(1), 10, 30)
    barrier = threading.Barrier(len(patients))
    results: list[object] = [None] * len(patients)

    def desk(n: int) -> None:
        own = engine_for(db_url)
        try:
            barrier.wait()
            results[n] = appointments.book_appointment(UnitOfWork(own), receptionist, patient_id=patients[n],
                                                       doctor_id=clinic.user_id, starts_at=when)
        except Exception as error:
            results[n] = error
        finally:
            own.dispose()

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(len(patients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1
    assert len(losers) == 5 and all(isinstance(e, Conflict) and e.message == SLOT_TAKEN for e in losers)
    view = appointments.day_view(uow, receptionist, next_weekday(1))
    assert sum(s.state is SlotState.SCHEDULED for s in view.doctors[0].slots) == 1


def test_dashboard_counts_by_status(uow, receptionist, clinic, patient):
    day = next_weekday(1)
    a = book(uow, receptionist, patient, clinic, at(day, 9))
    book(uow, receptionist, patient, clinic, at(day, 9, 15))
    c = book(uow, receptionist, patient, clinic, at(day, 9, 30))
    appointments.cancel(uow, receptionist, c.id, "Rain")
    appointments.mark_completed(uow, receptionist, a.id)
    summary = appointments.dashboard(uow, receptionist, day)
    (row,) = summary.doctors
    assert row.by_status == {Status.COMPLETED: 1, Status.SCHEDULED: 1, Status.CANCELLED: 1}
    assert summary.totals()[Status.NO_SHOW] == 0 and row.total == 3
