from __future__ import annotations

import pytest

from homa_desk.domain.account_check import (
    AccountRevoked,
    AccountState,
    Revocation,
    SignedInAccount,
    password_stamp,
    revocation,
)
from homa_desk.domain.errors import PermissionDenied
from homa_desk.domain.roles import Role

STAMP = password_stamp("$2b$12$abcdefghijklmnopqrstuv")
SIGNED_IN = SignedInAccount(7, Role.RECEPTIONIST, STAMP)


@pytest.mark.parametrize("now, expected", [
    (AccountState(True, Role.RECEPTIONIST, STAMP), None),
    (None, Revocation.DISABLED),
    (AccountState(False, Role.RECEPTIONIST, STAMP), Revocation.DISABLED),
    (AccountState(False, Role.ADMIN, "other"), Revocation.DISABLED),
    (AccountState(True, Role.DOCTOR, STAMP), Revocation.ROLE_CHANGED),
    (AccountState(True, Role.ADMIN, "other"), Revocation.ROLE_CHANGED),
    (AccountState(True, Role.RECEPTIONIST, password_stamp("$2b$12$another-hash")), Revocation.PASSWORD_CHANGED),
])
def test_what_stops_a_signed_in_account(now, expected):
    assert revocation(SIGNED_IN, now) is expected


def test_an_account_signed_in_without_a_stamp_is_not_watched_for_its_password():
    assert revocation(SignedInAccount(7, Role.RECEPTIONIST), AccountState(True, Role.RECEPTIONIST, STAMP)) is None


def test_the_stamp_follows_the_hash_and_is_not_the_hash():
    assert password_stamp("$2b$12$x") == password_stamp("$2b$12$x") != password_stamp("$2b$12$y")
    assert "$2b$" not in password_stamp("$2b$12$x")


@pytest.mark.parametrize("reason", list(Revocation))
def test_a_revoked_account_is_a_clear_permission_refusal(reason):
    error = AccountRevoked(reason)
    assert isinstance(error, PermissionDenied) and error.reason is reason and error.message.startswith("Your ")
