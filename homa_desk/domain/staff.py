"""Staff members as the desk sees them (the `users` rows whose role is not patient)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from homa_desk.domain.roles import Actor, Role

MAX_FAILED_SIGN_INS = 5
LOCKOUT_MINUTES = 15


@dataclass(frozen=True)
class StaffMember:
    id: int
    email: str
    full_name: str
    phone: str
    role: Role
    is_active: bool
    locked_until: datetime | None = None

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
