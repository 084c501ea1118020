"""Whether a person's contact is verified (users.is_verified), for the patient profile's "verified" mark."""

from __future__ import annotations

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.roles import STAFF_ROLES, Actor


def is_contact_verified(uow: UnitOfWork, actor: Actor, user_id: int) -> bool:
    """True once a code sent by SMS or e-mail has been read back (services.verification.check_code)."""
    with uow.reading(actor, *STAFF_ROLES):
        return uow.verification.is_verified(user_id)
