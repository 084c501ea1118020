from __future__ import annotations

from datetime import timedelta

import pytest

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.errors import AccountLocked, AuthenticationFailed
from homa_desk.domain.roles import Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import staff as staff_service
from homa_desk.services.auth import sign_in
from tests.helpers import STRONG_PASSWORD, engine_for


def test_right_password_signs_in_with_role(uow, receptionist):
    member = sign_in(uow, receptionist.email.upper() + "  ", STRONG_PASSWORD)
    assert (member.id, member.role) == (receptionist.user_id, Role.RECEPTIONIST)


@pytest.mark.parametrize("email, password", [("", "x"), ("a@b.co", ""), ("", "")])
def test_empty_fields_are_refused_with_a_message(uow, email, password):
    with pytest.raises(AuthenticationFailed, match="Enter your e-mail and password"):
        sign_in(uow, email, password)


def test_unknown_email_and_wrong_password_get_the_same_message(uow, receptionist):
    with pytest.raises(AuthenticationFailed) as unknown:
        sign_in(uow, "nobody@clinic.example", STRONG_PASSWORD)
    with pytest.raises(AuthenticationFailed) as wrong:
        sign_in(uow, receptionist.email, "Wrong-password-123")
    assert unknown.value.message == wrong.value.message == "Wrong e-mail or password."


def test_five_failures_lock_for_fifteen_minutes_even_after_a_restart(db_url, uow, receptionist):
    now = utcnow()
    for _ in range(4):
        with pytest.raises(AuthenticationFailed) as error:
            sign_in(uow, receptionist.email, "Wrong-password-123", now=now)
        assert not isinstance(error.value, AccountLocked)
    with pytest.raises(AccountLocked):
        sign_in(uow, receptionist.email, "Wrong-password-123", now=now)

    restarted = engine_for(db_url)  # a new process would have a new engine: the lock is in the database
    try:
        with pytest.raises(AccountLocked, match="locked until"):
            sign_in(UnitOfWork(restarted), receptionist.email, STRONG_PASSWORD, now=now + timedelta(minutes=14))
        member = sign_in(UnitOfWork(restarted), receptionist.email, STRONG_PASSWORD, now=now + timedelta(minutes=16))
    finally:
        restarted.dispose()
    assert member.id == receptionist.user_id


def test_a_success_resets_the_failure_count(uow, receptionist):
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            sign_in(uow, receptionist.email, "Wrong-password-123")
    sign_in(uow, receptionist.email, STRONG_PASSWORD)
    for _ in range(4):
        with pytest.raises(AuthenticationFailed) as error:
            sign_in(uow, receptionist.email, "Wrong-password-123")
        assert not isinstance(error.value, AccountLocked)


def test_disabled_staff_cannot_sign_in(uow, admin, receptionist):
    staff_service.set_staff_active(uow, admin, receptionist.user_id, False)
    with pytest.raises(AuthenticationFailed, match="disabled"):
        sign_in(uow, receptionist.email, STRONG_PASSWORD)


def test_failed_sign_ins_are_audited_without_the_password(uow, receptionist):
    with pytest.raises(AuthenticationFailed):
        sign_in(uow, receptionist.email, "Wrong-password-123")
    with uow:
        entries = uow.audit.for_entity("user", receptionist.user_id)
    failed = [e for e in entries if e.action == "sign_in_failed"]
    assert len(failed) == 1
    assert "Wrong-password" not in repr((failed[0].before, failed[0].after))


def test_patients_cannot_sign_in_even_with_a_password_hash(engine, uow):
    from sqlalchemy import text

    from homa_desk.domain.passwords import hash_password

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (email, password_hash, full_name, phone) VALUES (:e, :h, 'P', '1')"),
                     {"e": "patient@example.com", "h": hash_password(STRONG_PASSWORD)})
    with pytest.raises(AuthenticationFailed):
        sign_in(uow, "patient@example.com", STRONG_PASSWORD)
