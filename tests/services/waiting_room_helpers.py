"""Two doctors with rooms and a queue each, as the waiting room screen sees them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.doctors import ProfileChanges
from homa_desk.domain.roles import Actor, Role
from homa_desk.services import doctors, queue
from homa_desk.services import staff as staff_service
from tests.appointment_helpers import add_patient
from tests.helpers import new_staff


def a_doctor(uow: UnitOfWork, admin: Actor, name: str, room: str | None) -> Actor:
    doctor = staff_service.add_staff(uow, admin, new_staff(Role.DOCTOR, name=name)).as_actor()
    doctors.update_profile(uow, admin, doctor.user_id, ProfileChanges(
        "General Physician", None, None, Decimal("500"), 15, room))
    return doctor


@dataclass(frozen=True)
class Clinic:
    shilpa: Actor
    arjun: Actor


def busy_morning(uow: UnitOfWork, engine: Engine, admin: Actor, desk: Actor) -> Clinic:
    """Dr. Shilpa Hegde (Room 2) with six walk-ins, Dr. Arjun Rao (no room) with two."""
    shilpa = a_doctor(uow, admin, "Dr. Shilpa Hegde", "2")
    arjun = a_doctor(uow, admin, "Arjun Rao", None)
    names = ["Priya Sharma", "Rahul Kumar", "Anita Desai", "Kavya Nair", "Vikram Singh", "Neha Gupta"]
    for number, name in enumerate(names):
        patient = add_patient(engine, name, f"+9198765432{number:02d}")
        queue.add_walk_in(uow, desk, patient, shilpa.user_id)
    for number, name in enumerate(["Sunil Joshi", "Lata Mehta"]):
        patient = add_patient(engine, name, f"+9191234567{number:02d}")
        queue.add_walk_in(uow, desk, patient, arjun.user_id)
    return Clinic(shilpa, arjun)
