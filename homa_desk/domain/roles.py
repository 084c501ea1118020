"""Who may do what. The services check these; the desk only hides what a role cannot use."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from homa_desk.domain.errors import PermissionDenied


class Role(enum.StrEnum):
    PATIENT = "patient"
    DOCTOR = "doctor"
    ADMIN = "admin"
    RECEPTIONIST = "receptionist"

    @property
    def label(self) -> str:
        return self.value.capitalize()


STAFF_ROLES = frozenset({Role.ADMIN, Role.RECEPTIONIST, Role.DOCTOR})


@dataclass(frozen=True)
class Actor:
    """The signed-in staff member on whose behalf a service runs."""

    user_id: int
    role: Role
    full_name: str
    email: str

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = ", ".join(r.label.lower() for r in roles)
            raise PermissionDenied("Only {allowed} staff may do this; you are signed in as {role}.", allowed=allowed,
                                   role=self.role.label.lower())
