"""Signing in, with a lockout that lives in the database so a restart does not reset it; and whether the account
signed in may go on working (the desk asks with its periodic ping)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.account_check import Revocation, SignedInAccount, password_stamp, revocation
from homa_desk.domain.errors import AccountLocked, AuthenticationFailed, ValidationError
from homa_desk.domain.passwords import verify_password
from homa_desk.domain.staff import LOCKOUT_MINUTES, MAX_FAILED_SIGN_INS, StaffMember
from homa_desk.domain.timeutil import utcnow
from homa_desk.domain.validation import storable

log = logging.getLogger(__name__)


def sign_in(uow: UnitOfWork, email: str, password: str, *, now: datetime | None = None) -> StaffMember:
    """Return the staff member, or raise AuthenticationFailed / AccountLocked. Never says which part was wrong."""
    now = now or utcnow()
    email = (email or "").strip().lower()
    if not email or not password:
        raise AuthenticationFailed("Enter your e-mail and password.")
    try:
        storable(email + password, "email")
    except ValidationError:
        raise AuthenticationFailed() from None
    with uow:
        found = uow.staff.credentials_for_update(email)
        if found is None:
            verify_password(password, "")  # same cost as a real check
            raise AuthenticationFailed()
        member, password_hash = found
        if member.locked_until is not None and member.locked_until > now:
            raise AccountLocked(member.locked_until)
        if not verify_password(password, password_hash):
            count = uow.staff.record_failed_sign_in(
                member.id, lock_after=MAX_FAILED_SIGN_INS, lock_until=now + timedelta(minutes=LOCKOUT_MINUTES)
            )
            uow.audit.record(None, "sign_in_failed", "user", member.id)
            uow.commit()
            log.info("failed sign-in for user %s (%s in a row)", member.id, count)
            if count >= MAX_FAILED_SIGN_INS:
                raise AccountLocked(now + timedelta(minutes=LOCKOUT_MINUTES))
            raise AuthenticationFailed()
        if not member.is_active:
            raise AuthenticationFailed("This account is disabled. Ask the clinic's admin.")
        uow.staff.record_successful_sign_in(member.id)
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

