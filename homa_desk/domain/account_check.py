"""Whether a signed-in account may go on working after an admin disabled it, changed its role or its password.

The desk learns it from its periodic database ping (the same statement also reads the account's row), and every
audited write learns it from its audit-log insert, which is refused for an account that is no longer active in the
role it signed in with.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass

from homa_desk.domain.errors import PermissionDenied
from homa_desk.domain.roles import Role


class Revocation(enum.Enum):
    DISABLED = "disabled"
    ROLE_CHANGED = "role_changed"
    PASSWORD_CHANGED = "password_changed"


MESSAGES = {
    Revocation.DISABLED: "Your account was disabled by an admin.",
    Revocation.ROLE_CHANGED: "Your role changed: sign in again.",
    Revocation.PASSWORD_CHANGED: "Your password was changed: sign in again.",
}


class AccountRevoked(PermissionDenied):
    """A write refused because the actor's account is disabled or has another role than at sign-in."""

    def __init__(self, reason: Revocation) -> None:
        super().__init__(MESSAGES[reason])
        self.reason = reason


@dataclass(frozen=True)
class AccountState:
    """The account's row as the database holds it now; `password_stamp` as made by `password_stamp()`."""

    is_active: bool
    role: Role
    password_stamp: str


@dataclass(frozen=True)
class SignedInAccount:
    """What the desk remembers of the sign-in; an empty stamp means the password is not watched."""

    user_id: int
    role: Role
    password_stamp: str = ""


def password_stamp(password_hash: str) -> str:
    """A fingerprint that changes with the password, so the desk never keeps the bcrypt hash itself.

    The database computes the same value with `encode(sha256(convert_to(password_hash, 'UTF8')), 'hex')`.
    """
    return hashlib.sha256(password_hash.encode()).hexdigest()


def revocation(account: SignedInAccount, now: AccountState | None) -> Revocation | None:
    """None while the account may go on; `now` is None when its row is gone."""
    if now is None or not now.is_active:
        return Revocation.DISABLED
    if now.role is not account.role:
        return Revocation.ROLE_CHANGED
    if account.password_stamp and now.password_stamp != account.password_stamp:
        return Revocation.PASSWORD_CHANGED
    return None
