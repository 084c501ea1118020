"""Staff members as the desk sees them (the `users` rows whose role is not patient)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from homa_desk.domain.lockout import LOCKOUT_MINUTES as LOCKOUT_MINUTES
from homa_desk.domain.lockout import MAX_FAILED_SIGN_INS as MAX_FAILED_SIGN_INS
from homa_desk.domain.roles import Actor, Role


@dataclass(frozen=True)
class StaffMember:
    id: int
    email: str
    full_name: str
    phone: str
    role: Role
    is_active: bool
    locked_until: datetime | None = None
    # set by sign-in only: lets the desk notice a password changed while signed in (domain.account_check)
    password_stamp: str = field(default="", repr=False, compare=False)

    def as_actor(self) -> Actor:
        return Actor(user_id=self.id, role=self.role, full_name=self.full_name, email=self.email)


@dataclass(frozen=True)
class NewStaff:
    """A validated request to create a staff account."""

    email: str
    full_name: str
    phone: str
    role: Role
    password: str
