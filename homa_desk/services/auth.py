"""Signing in, with a lockout that lives in the database so a restart does not reset it; and whether the account
signed in may go on working (the desk asks with its periodic ping)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.account_check import Revocation, SignedInAccount, password_stamp, revocation
from homa_desk.domain.errors import AuthenticationFailed, ValidationError
from homa_desk.domain.passwords import verify_password
from homa_desk.domain.staff import LOCKOUT_MINUTES, MAX_FAILED_SIGN_INS, StaffMember
from homa_desk.domain.timeutil import utcnow
from homa_desk.domain.validation import storable

log = logging.getLogger(__name__)


def sign_in(uow: UnitOfWork, email: str, password: str, *, now: datetime | None = None) -> StaffMember:
    """Return the staff member, or raise AuthenticationFailed with one and the same answer, at the same cost, for a
    wrong password, an e-mail that is no one's, a locked and a disabled account: a guesser learns nothing.

    Every attempt makes one bcrypt check (against a dummy hash for an unknown e-mail) and the same statements;
    every failure counts toward a lockout of that e-mail, known or not, kept in the database.
    """
    now = now or utcnow()
    email = (email or "").strip().lower()
    if not email or not password:
        raise AuthenticationFailed("Enter your e-mail and password.")
    try:
        storable(email + password, "email")
    except ValidationError:
        raise AuthenticationFailed() from None
    with uow:
        member, password_hash, locked_until = uow.staff.credentials(email)
        matches = verify_password(password, password_hash)
        locked = locked_until is not None and locked_until > now
        if member is None or locked or not matches or not member.is_active:
            uow.staff.record_failed_sign_in(email, lock_after=MAX_FAILED_SIGN_INS, now=now,
                                            lock_until=now + timedelta(minutes=LOCKOUT_MINUTES))
            uow.commit()
            log.info("failed sign-in (%s)", "known account" if member else "unknown e-mail")
            raise AuthenticationFailed()
        uow.staff.record_successful_sign_in(member.id, email)
        uow.commit()
        log.info("user %s signed in as %s", member.id, member.role.value)
        return replace(member, password_stamp=password_stamp(password_hash))


def check_signed_in(uow: UnitOfWork, account: SignedInAccount | None) -> Revocation | None:
    """The desk's ping: one statement proves the database answers and, for a signed-in account, reads its row.

    Returns why the account must stop (disabled, role or password changed), or None. Raises DatabaseUnavailable
    when the database does not answer.
    """
    with uow.reading(None):
        now = uow.health.ping(account.user_id if account is not None else None)
    if account is None:
        return None
    found = revocation(account, now)
    if found is not None:
        log.info("user %s must sign in again: %s", account.user_id, found.value)
    return found

