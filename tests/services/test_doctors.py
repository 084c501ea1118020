"""Doctors' profiles, hours and leave: admin only, validated, defaults for a doctor without a profile."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest

from homa_desk.db.doctor_repository import DoctorRepository
from homa_desk.domain.doctors import DEFAULT_SPECIALTY, validate_profile
from homa_desk.domain.errors import FormErrors, NotFound, PermissionDenied, ValidationError
from homa_desk.domain.roles import Role
from homa_desk.services import doctors
from homa_desk.services import staff as staff_service
from tests.appointment_helpers import next_weekday
from tests.helpers import new_staff


def test_a_doctor_without_a_profile_reads_as_the_defaults(uow, receptionist, doctor):
    (schedule,) = doctors.list_doctors(uow, receptionist)
    assert schedule.doctor.user_id == doctor.user_id and not schedule.doctor.has_profile
    assert schedule.doctor.specialty == DEFAULT_SPECIALTY and schedule.doctor.slot_minutes == 15
    assert schedule.doctor.consultation_fee == Decimal("0.00") and schedule.sessions == ()


def test_doctor_names_by_name_with_or_without_the_disabled(uow, admin, receptionist, doctor):
    other = staff_service.add_staff(uow, admin, new_staff(Role.DOCTOR, name="anil Kapoor"))
    staff_service.set_staff_active(uow, admin, doctor.user_id, False)
    assert doctors.doctor_names(uow, receptionist) == [(other.id, "anil Kapoor")]
    assert doctors.doctor_names(uow, receptionist, active_only=False) == [
        (other.id, "anil Kapoor"), (doctor.user_id, doctor.full_name)]


def test_admin_saves_the_profile_on_first_edit_and_it_is_audited(uow, admin, doctor):
    changes = validate_profile(specialty="Paediatrics", qualification="MBBS, MD (Paediatrics)",
                               registration_number="KMC/12345", consultation_fee="₹ 600", slot_minutes_text="20")
    saved = doctors.update_profile(uow, admin, doctor.user_id, changes)
    assert saved.doctor.has_profile and saved.doctor.specialty == "Paediatrics"
    assert saved.doctor.consultation_fee == Decimal("600.00") and saved.doctor.slot_minutes == 20
    free = validate_profile(specialty="Paediatrics", qualification="", registration_number="",
                            consultation_fee="0", slot_minutes_text="15")
    assert doctors.update_profile(uow, admin, doctor.user_id, free).doctor.consultation_fee == Decimal("0.00")
    with uow:
        trail = uow.audit.for_entity("doctor", doctor.user_id)
    assert [r.action for r in trail] == ["doctor_profile_updated"] * 2
    assert trail[1].before["consultation_fee"] == "600.00" and trail[1].after["consultation_fee"] == "0.00"


def test_profile_fields_are_all_checked_at_once():
    with pytest.raises(FormErrors) as refused:
        validate_profile(specialty=" ", qualification="x" * 300, registration_number="<script>",
                         consultation_fee="-5", slot_minutes_text="3")
    assert set(refused.value.by_field()) == {"specialty", "qualification", "registration_number",
                                            "consultation_fee", "slot_minutes"}


def test_hours_are_validated_and_replace_the_old_ones(uow, admin, doctor):
    saved = doctors.set_working_hours(uow, admin, doctor.user_id,
                                      [(1, "9:00", "1:00 pm"), (1, "17.00", "20:00"), (6, "10:00", "12:00")])
    assert [(s.weekday, s.starts_at, s.ends_at) for s in saved.sessions] == [
        (1, time(9), time(13)), (1, time(17), time(20)), (6, time(10), time(12))]
    with pytest.raises(ValidationError, match="Monday: 09:00–13:00 overlaps 12:00–14:00"):
        doctors.set_working_hours(uow, admin, doctor.user_id, [(1, "09:00", "13:00"), (1, "12:00", "14:00")])
    with pytest.raises(ValidationError, match="start before it ends"):
        doctors.set_working_hours(uow, admin, doctor.user_id, [(2, "18:00", "17:00")])
    with pytest.raises(ValidationError, match="HH:MM"):
        doctors.set_working_hours(uow, admin, doctor.user_id, [(2, "noon", "17:00")])
    assert len(doctors.get_doctor(uow, admin, doctor.user_id).sessions) == 3  # refused changes left them alone


def test_leave_days_with_a_reason(uow, admin, receptionist, doctor):
    day = next_weekday(2)
    doctors.add_leave(uow, admin, doctor.user_id, day, "Family wedding")
    doctors.add_leave(uow, admin, doctor.user_id, day, "Family wedding in Mysuru")
    schedule = doctors.get_doctor(uow, receptionist, doctor.user_id)
    assert schedule.leave_on(day).reason == "Family wedding in Mysuru" and len(schedule.leaves) == 1
    with pytest.raises(PermissionDenied):
        doctors.add_leave(uow, receptionist, doctor.user_id, day, "x")
    doctors.remove_leave(uow, admin, doctor.user_id, day)
    with pytest.raises(NotFound):
        doctors.remove_leave(uow, admin, doctor.user_id, day)
    with pytest.raises(ValidationError):
        doctors.add_leave(uow, admin, doctor.user_id, None, "x")


def test_saving_hours_and_profile_is_one_transaction(uow, admin, doctor, monkeypatch):
    doctors.set_working_hours(uow, admin, doctor.user_id, [(1, "09:00", "13:00")])
    changes = validate_profile(specialty="Paediatrics", qualification="MBBS", registration_number="KMC/12345",
                               consultation_fee="600", slot_minutes_text="20")
    saved = doctors.save_doctor(uow, admin, doctor.user_id, changes, [(2, "10:00", "12:00")])
    assert saved.doctor.specialty == "Paediatrics" and [s.weekday for s in saved.sessions] == [2]

    real_save = DoctorRepository.save_profile

    def save_then_fail(self, doctor_id, changes):  # type: ignore[no-untyped-def]
        real_save(self, doctor_id, changes)
        raise RuntimeError("connection lost")  # the second part fails after the first has been written

    monkeypatch.setattr(DoctorRepository, "save_profile", save_then_fail)
    other = validate_profile(specialty="Dermatology", qualification="", registration_number="",
                             consultation_fee="900", slot_minutes_text="30")
    with pytest.raises(RuntimeError, match="connection lost"):
        doctors.save_doctor(uow, admin, doctor.user_id, other, [(3, "15:00", "18:00")])
    kept = doctors.get_doctor(uow, admin, doctor.user_id)
    assert [s.weekday for s in kept.sessions] == [2] and kept.doctor.specialty == "Paediatrics"
    with uow:
        trail = uow.audit.for_entity("doctor", doctor.user_id)
    assert [r.action for r in trail] == ["doctor_hours_updated", "doctor_hours_updated", "doctor_profile_updated"]
