"""Slots, transitions and booking rules without a database."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from homa_desk.domain import appointments as rules
from homa_desk.domain.appointments import AppointmentView, ConsultationType, SlotState, Status
from homa_desk.domain.doctors import DoctorProfile, DoctorSchedule, Leave, WorkSession, parse_time, validate_sessions
from homa_desk.domain.errors import DomainError, ValidationError
from homa_desk.domain.timeutil import CLINIC_TZ

MONDAY = date(2026, 11, 30)
DOCTOR = DoctorProfile(user_id=7, full_name="Dr. Rahul Menon", slot_minutes=15)
HOURS = DoctorSchedule(DOCTOR, (WorkSession(1, time(9), time(13)), WorkSession(1, time(17), time(20))))


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), CLINIC_TZ)


def booking(start: datetime, status: Status = Status.SCHEDULED, *, walk_in: bool = False, id: int = 1):
    return AppointmentView(id=id, patient_id=1, patient_name="Priya", patient_number=1001, patient_phone="+91",
                           doctor_id=7, doctor_name="Dr", starts_at=start.astimezone(UTC),
                           ends_at=(start + timedelta(minutes=15)).astimezone(UTC), status=status,
                           consultation_type=ConsultationType.OFFLINE, is_walk_in=walk_in)


def test_slots_follow_the_sessions_in_kolkata_and_are_stored_in_utc():
    slots = rules.day_slots(HOURS, MONDAY, [], now=local(MONDAY, 0))
    assert len(slots) == 16 + 12
    assert slots[0].starts_at == datetime(2026, 11, 30, 3, 30, tzinfo=UTC)  # 09:00 IST
    assert slots[0].local_start == time(9) and slots[-1].local_start == time(19, 45)
    assert all(s.state is SlotState.FREE for s in slots)
    assert rules.day_slots(HOURS, MONDAY + timedelta(days=1), [], now=local(MONDAY, 0)) == []


def test_a_slot_that_does_not_fit_the_session_end_is_not_offered():
    odd = DoctorSchedule(DoctorProfile(7, "Dr", slot_minutes=25), (WorkSession(1, time(9), time(10)),))
    assert [s.local_start for s in rules.day_slots(odd, MONDAY, [], now=local(MONDAY, 0))] == [time(9), time(9, 25)]


def test_booked_past_and_no_show_slots():
    appointments = [booking(local(MONDAY, 9)), booking(local(MONDAY, 9, 15), Status.NO_SHOW, id=2),
                    booking(local(MONDAY, 9, 30), Status.CANCELLED, id=3),
                    booking(local(MONDAY, 9, 45), Status.NO_SHOW, id=4), booking(local(MONDAY, 9, 45), id=5),
                    booking(local(MONDAY, 10), walk_in=True, id=6)]
    slots = rules.day_slots(HOURS, MONDAY, appointments, now=local(MONDAY, 10, 20))
    states = [s.state for s in slots[:8]]
    assert states == [SlotState.SCHEDULED, SlotState.NO_SHOW, SlotState.PAST, SlotState.SCHEDULED, SlotState.PAST,
                      SlotState.PAST, SlotState.FREE, SlotState.FREE]
    assert slots[3].appointment.id == 5  # the live booking wins over the no-show it replaced


def test_leave_day_has_no_slots_and_refuses_booking():
    on_leave = DoctorSchedule(DOCTOR, HOURS.sessions, (Leave(MONDAY, "Conference"),))
    assert rules.day_slots(on_leave, MONDAY, [], now=local(MONDAY, 0)) == []
    with pytest.raises(ValidationError, match="on leave on 30 Nov 2026 \\(Conference\\)"):
        rules.check_bookable(on_leave, local(MONDAY, 10), local(MONDAY, 0))


def test_bookable_only_on_a_slot_start_in_hours_and_not_over():
    now = local(MONDAY, 10, 5)
    assert rules.check_bookable(HOURS, local(MONDAY, 10, 15), now) == datetime(2026, 11, 30, 4, 45, tzinfo=UTC)
    for hour, minute in ((10, 20), (13, 0), (16, 45), (20, 0)):
        with pytest.raises(ValidationError, match="outside working hours"):
            rules.check_bookable(HOURS, local(MONDAY, hour, minute), now)
    with pytest.raises(ValidationError, match="already over"):
        rules.check_bookable(HOURS, local(MONDAY, 10), now)


@pytest.mark.parametrize(("current", "new", "allowed"), [
    (s, n, s is Status.SCHEDULED and n is not Status.SCHEDULED) for s in Status for n in Status])
def test_transitions(current, new, allowed):
    if allowed:
        assert rules.check_transition(current, new) is new
    else:
        with pytest.raises(rules.TransitionRefused):
            rules.check_transition(current, new)


def test_sessions_overlap_and_times():
    assert parse_time("5:30 pm") == time(17, 30) and parse_time("12:00 am") == time(0)
    with pytest.raises(ValidationError, match="overlaps"):
        validate_sessions([(3, "09:00", "13:00"), (3, "12:59", "14:00")])
    assert len(validate_sessions([(3, "09:00", "13:00"), (3, "13:00", "14:00"), (4, "12:00", "14:00")])) == 3


@given(st.text(max_size=60), st.text(max_size=60), st.text(max_size=60))
def test_validators_never_raise_anything_else(kind, link, text):
    for call in (lambda: rules.validate_booking(kind, link, text), lambda: rules.meeting_link(link),
                 lambda: rules.cancellation_reason(text), lambda: parse_time(text),
                 lambda: validate_sessions([(1, link, text)])):
        with contextlib.suppress(DomainError):
            call()
