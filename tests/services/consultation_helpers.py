"""A doctor with a profile and fee, a patient with allergies and a visit of today in the doctor's queue."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, text

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.doctors import ProfileChanges
from homa_desk.domain.roles import Actor
from homa_desk.services import doctors, queue
from tests.appointment_helpers import add_patient


def with_profile(uow: UnitOfWork, admin: Actor, doctor: Actor, fee: str = "500") -> None:
    doctors.update_profile(uow, admin, doctor.user_id, ProfileChanges(
        "General Physician", "MBBS, MD (Medicine)", "KMC-12345", Decimal(fee), 15))


def a_patient(engine: Engine, name: str = "Priya Sharma", *, allergies: str | None = "Penicillin",
              phone: str = "+919876543210") -> int:
    patient = add_patient(engine, name, phone)
    with engine.begin() as conn:
        conn.execute(text("UPDATE patient_profiles SET allergies = :a, gender = 'female',"
                          " date_of_birth = DATE '1990-05-01' WHERE user_id = :id"), {"a": allergies, "id": patient})
    return patient


def a_visit(uow: UnitOfWork, desk: Actor, patient: int, doctor: Actor) -> int:
    """A walk-in of today for the doctor (appointment + queue token); returns the appointment id."""
    return queue.add_walk_in(uow, desk, patient, doctor.user_id).appointment_id
