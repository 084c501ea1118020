"""Services validate what they are handed themselves: a dataclass built by hand, not by the form's validator, gets
the same checks (a weak password, a patient's role, an e-mail in capitals, a bad phone, a negative fee)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text

from homa_desk.domain.doctors import ProfileChanges
from homa_desk.domain.errors import FormErrors, ValidationError
from homa_desk.domain.patients import PatientDetails
from homa_desk.domain.roles import Role
from homa_desk.domain.staff import NewStaff
from homa_desk.services import doctors, patients, staff
from homa_desk.services.auth import sign_in
from tests.helpers import STRONG_PASSWORD


def _staff(**changes) -> NewStaff:  # type: ignore[no-untyped-def]
    fields = {"email": "ravi@clinic.example", "full_name": "Ravi Kumar", "phone": "+919876543210",
              "role": Role.RECEPTIONIST, "password": STRONG_PASSWORD, **changes}
    return NewStaff(**fields)


@pytest.mark.parametrize("changes, field", [
    ({"password": "password123"}, "password"),
    ({"password": "Ravi Kumar 2026"}, "password"),
    ({"role": Role.PATIENT}, "role"),
    ({"role": "superuser"}, "role"),
    ({"email": "not an e-mail"}, "email"),
    ({"phone": "12345"}, "phone"),
    ({"full_name": ""}, "full_name"),
])
def test_add_staff_checks_a_hand_made_request(engine, uow, admin, changes, field):
    with pytest.raises(FormErrors) as refused:
        staff.add_staff(uow, admin, _staff(**changes))
    assert field in refused.value.by_field()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 1


def test_an_email_in_capitals_is_stored_so_that_it_can_sign_in(uow, admin):
    member = staff.add_staff(uow, admin, _staff(email="  Ravi@Clinic.Example", phone="98765 43210"))
    assert (member.email, member.phone) == ("ravi@clinic.example", "+919876543210")
    assert sign_in(uow, "Ravi@Clinic.Example", STRONG_PASSWORD).id == member.id


def test_the_first_admin_is_checked_too(uow):
    with pytest.raises(FormErrors):
        staff.create_first_admin(uow, _staff(role=Role.ADMIN, password="short"), "Sunrise Clinic")
    assert staff.needs_first_admin(uow)


def _details(**changes) -> PatientDetails:  # type: ignore[no-untyped-def]
    fields = {"full_name": "Kavya Nair", "phone": "+919812345670", "email": None,
              "date_of_birth": date(1990, 5, 1), "dob_is_estimate": False, "gender": None, "address": None,
              "emergency_contact": None, "allergies": None, **changes}
    return PatientDetails(**fields)


@pytest.mark.parametrize("changes, field", [
    ({"phone": "12345"}, "phone"),
    ({"email": "KAVYA at example"}, "email"),
    ({"date_of_birth": date(2999, 1, 1)}, "date_of_birth"),
    ({"full_name": "x" * 500}, "full_name"),
])
def test_register_and_update_patient_check_hand_made_details(uow, receptionist, changes, field):
    with pytest.raises((FormErrors, ValidationError)) as refused:
        patients.register_patient(uow, receptionist, _details(**changes))
    fields = refused.value.by_field() if isinstance(refused.value, FormErrors) else {refused.value.field: ""}
    assert field in fields
    patient = patients.register_patient(uow, receptionist, _details())
    with pytest.raises((FormErrors, ValidationError)):
        patients.update_patient(uow, receptionist, patient.user_id, _details(**changes))


def test_a_doctors_profile_is_checked_whoever_built_it(uow, admin, doctor):
    with pytest.raises(FormErrors) as refused:
        doctors.update_profile(uow, admin, doctor.user_id, ProfileChanges("", None, None, Decimal("-500"), 0))
    assert {"specialty", "consultation_fee", "slot_minutes"} <= set(refused.value.by_field())
