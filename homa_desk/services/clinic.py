"""The clinic's shared, non-secret profile (name, address) that every desk shows."""

from __future__ import annotations

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.errors import ValidationError
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.validation import storable

DEFAULT_NAME = "Homa Clinic"


def clinic_name(uow: UnitOfWork) -> str:
    with uow.reading(None):
        return uow.settings.get("clinic_name", DEFAULT_NAME)


def validate_clinic_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise ValidationError("clinic_name", "Enter the clinic's name.")
    if len(text) > 120:
        raise ValidationError("clinic_name", "The clinic's name is too long (at most 120 characters).")
    return storable(text, "clinic_name", "The clinic's name")


def set_clinic_name(uow: UnitOfWork, actor: Actor, name: str) -> str:
    actor.require(Role.ADMIN)
    text = validate_clinic_name(name)
    with uow:
        store_clinic_name(uow, actor, text)
        uow.commit()
    return text


def store_clinic_name(uow: UnitOfWork, actor: Actor | None, text: str) -> None:
    """Inside an open unit of work; the first-run wizard passes actor=None before any admin exists."""
    if actor is not None:
        actor.require(Role.ADMIN)
    before = uow.settings.get("clinic_name")
    uow.settings.put("clinic_name", text)
    uow.audit.record(actor, "clinic_renamed", "clinic_settings", "clinic_name",
                     before={"value": before}, after={"value": text})


def ping(uow: UnitOfWork) -> None:
    with uow.reading(None):
        uow.health.ping()


def wait_in_database(uow: UnitOfWork, seconds: float) -> None:
    with uow.reading(None):
        uow.health.sleep(seconds)
