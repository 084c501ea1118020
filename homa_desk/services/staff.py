"""Staff accounts: the first admin, and what an admin does to staff (add, disable, enable, reset)."""

from __future__ import annotations

import logging

from homa_desk.db.repositories import LAST_ADMIN
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain import validation
from homa_desk.domain.errors import Conflict, FormErrors, NotFound, PermissionDenied, ValidationError
from homa_desk.domain.passwords import hash_password
from homa_desk.domain.roles import STAFF_ROLES, Actor, Role
from homa_desk.domain.staff import NewStaff, StaffMember
from homa_desk.services import clinic

log = logging.getLogger(__name__)

HAS_ADMIN = "The clinic already has an admin; sign in instead."


def validate_new_staff(*, email: str, full_name: str, phone: str, role: Role | str, password: str,
                       password_again: str | None = None) -> NewStaff:
    """Check every field at once so the form can mark them all; raise FormErrors."""
    errors: list[ValidationError] = []
    values: dict[str, object] = {}
    checks = {
        "full_name": lambda: validation.full_name(full_name),
        "email": lambda: validation.email(email),
        "phone": lambda: validation.indian_mobile(phone),
        "role": lambda: _staff_role(role),
        "password": lambda: validation.new_password(password, personal=(full_name, email, email.split("@")[0])),
    }
    for field, check in checks.items():
        try:
            values[field] = check()
        except ValidationError as error:
            errors.append(error)
    if password_again is not None and password_again != password and "password" in values:
        errors.append(ValidationError("password_again", "The two passwords differ."))
    if errors:
        raise FormErrors(errors)
    return NewStaff(**values)  # type: ignore[arg-type]


def _staff_role(role: Role | str) -> Role:
    try:
        parsed = Role(role)
    except ValueError:
        parsed = None
    if parsed not in STAFF_ROLES:
        raise ValidationError("role", "Choose admin, receptionist or doctor.")
    return parsed  # type: ignore[return-value]


def needs_first_admin(uow: UnitOfWork) -> bool:
    """True only while the clinic has never had an admin (a clinic whose admins are all disabled does not
    qualify: anyone at the desk could otherwise make themselves admin)."""
    with uow.reading(None):
        return not uow.staff.clinic_had_admin()


def create_first_admin(uow: UnitOfWork, new: NewStaff, clinic_name: str) -> StaffMember:
    """The first-run wizard: allowed only while the clinic has never had an admin (checked under a lock)."""
    if _checked(new).role is not Role.ADMIN:
        raise ValidationError("role", "The first account is the clinic's admin.")
    name = clinic.validate_clinic_name(clinic_name)
    with uow:
        uow.staff.lock_first_run()
        if uow.staff.clinic_had_admin():
            raise PermissionDenied(HAS_ADMIN)
        member = _add(uow, None, new)
        clinic.store_clinic_name(uow, member.as_actor(), name)
        uow.commit()
    log.info("first admin created (user %s)", member.id)
    return member


def add_staff(uow: UnitOfWork, actor: Actor, new: NewStaff) -> StaffMember:
    actor.require(Role.ADMIN)
    with uow:
        member = _add(uow, actor, new)
        uow.commit()
    log.info("user %s added staff member %s as %s", actor.user_id, member.id, member.role.value)
    return member


def _checked(new: NewStaff) -> NewStaff:
    """The request validated again, whoever built it: a NewStaff made by hand (not by validate_new_staff) with a
    weak password, a patient's role or an e-mail in capitals is refused or normalised here (FormErrors)."""
    return validate_new_staff(email=new.email, full_name=new.full_name, phone=new.phone, role=new.role,
                              password=new.password)


def _add(uow: UnitOfWork, actor: Actor | None, new: NewStaff) -> StaffMember:
    new = _checked(new)
    if uow.staff.email_taken(new.email):
        raise FormErrors([ValidationError("email", "Another account already uses this e-mail.")])
    member = uow.staff.add(email=new.email, password_hash=hash_password(new.password),
                           full_name=new.full_name, phone=new.phone, role=new.role)
    uow.audit.record(actor, "staff_added", "user", member.id,
                     after={"role": member.role.value, "email": member.email})
    return member


def list_staff(uow: UnitOfWork, actor: Actor) -> list[StaffMember]:
    with uow.reading(actor, Role.ADMIN):
        return uow.staff.all_staff()


def set_staff_active(uow: UnitOfWork, actor: Actor, user_id: int, active: bool) -> StaffMember:
    actor.require(Role.ADMIN)
    if user_id == actor.user_id and not active:
        raise PermissionDenied("You cannot disable your own account.")
    with uow:
        member = _get(uow, user_id)
        if not active and member.role is Role.ADMIN and member.is_active and uow.staff.count_active_admins() <= 1:
            raise Conflict(LAST_ADMIN)
        uow.staff.set_active(user_id, active)
        uow.audit.record(actor, "staff_enabled" if active else "staff_disabled", "user", user_id,
                         before={"is_active": member.is_active}, after={"is_active": active})
        uow.commit()
        updated = uow.staff.get(user_id)
    assert updated is not None
    return updated


def reset_password(uow: UnitOfWork, actor: Actor, user_id: int, new_password: str) -> None:
    """An admin sets a new password for a staff member; this also lifts a lockout."""
    actor.require(Role.ADMIN)
    with uow:
        member = _get(uow, user_id)
        password = validation.new_password(
            new_password, "new_password", personal=(member.full_name, member.email, member.email.split("@")[0])
        )
        uow.staff.set_password_hash(user_id, hash_password(password))
        uow.audit.record(actor, "password_reset", "user", user_id)
        uow.commit()


def _get(uow: UnitOfWork, user_id: int) -> StaffMember:
    member = uow.staff.get(user_id)
    if member is None:
        raise NotFound("No such staff member.")
    return member
