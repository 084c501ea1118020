from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from homa_desk.db.repositories import failure_key
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.errors import AuthenticationFailed
from homa_desk.domain.roles import Role
from homa_desk.domain.staff import LOCKOUT_MINUTES, MAX_FAILED_SIGN_INS
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import staff as staff_service
from homa_desk.services.auth import sign_in
from tests.appointment_helpers import StatementCounter
from tests.helpers import STRONG_PASSWORD, engine_for


def test_right_password_signs_in_with_role(uow, receptionist):
    member = sign_in(uow, receptionist.email.upper() + "  ", STRONG_PASSWORD)
    assert (member.id, member.role) == (receptionist.user_id, Role.RECEPTIONIST)


@pytest.mark.parametrize("email, password", [("", "x"), ("a@b.co", ""), ("", "")])
def test_empty_fields_are_refused_with_a_message(uow, email, password):
    with pytest.raises(AuthenticationFailed, match="Enter your e-mail and password"):
        sign_in(uow, email, password)


WRONG = "Wrong-password-123"


def _answer(uow, email: str, password: str, now=None) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(AuthenticationFailed) as refused:
        sign_in(uow, email, password, now=now)
    return type(refused.value).__name__, refused.value.message


def test_a_guesser_gets_one_answer_for_every_reason(uow, admin, receptionist, doctor):
    """Wrong password, unknown e-mail, locked account, disabled account (even with its right password)."""
    for _ in range(MAX_FAILED_SIGN_INS):
        _answer(uow, doctor.email, WRONG)
    staff_service.set_staff_active(uow, admin, receptionist.user_id, False)
    answers = {
        "wrong password": _answer(uow, admin.email, WRONG),
        "unknown e-mail": _answer(uow, "nobody@clinic.example", STRONG_PASSWORD),
        "locked, right password": _answer(uow, doctor.email, STRONG_PASSWORD),
        "disabled, right password": _answer(uow, receptionist.email, STRONG_PASSWORD),
    }
    assert len(set(answers.values())) == 1, answers
    assert answers["wrong password"] == ("AuthenticationFailed", AuthenticationFailed().message)


def test_every_refusal_costs_the_same_bcrypt_checks_and_statements(engine, uow, admin, receptionist, doctor,
                                                                   monkeypatch):
    """Same time without a flaky clock: one bcrypt check at the same cost and the same SQL statements each time."""
    import bcrypt

    for _ in range(MAX_FAILED_SIGN_INS):
        _answer(uow, doctor.email, WRONG)
    staff_service.set_staff_active(uow, admin, receptionist.user_id, False)
    checks: list[bytes] = []
    real_checkpw = bcrypt.checkpw

    def counted(password: bytes, hashed: bytes) -> bool:
        checks.append(hashed[:7])  # "$2b$04$": the cost
        return real_checkpw(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counted)
    costs = {}
    for case, email, password in (("wrong password", admin.email, WRONG),
                                  ("unknown e-mail", "nobody@clinic.example", WRONG),
                                  ("first unknown e-mail", "someone-new@clinic.example", WRONG),
                                  ("locked", doctor.email, STRONG_PASSWORD),
                                  ("disabled", receptionist.email, STRONG_PASSWORD)):
        checks.clear()
        with StatementCounter(engine) as statements:
            _answer(uow, email, password)
        costs[case] = (tuple(checks), len(statements.statements))
    assert len(set(costs.values())) == 1, costs
    assert len(costs["wrong password"][0]) == 1


def test_the_answers_take_comparable_time(uow, admin, receptionist):
    """A generous ratio only: the exact proof is the test above."""
    import time

    def timed(email: str) -> float:
        started = time.perf_counter()
        for _ in range(3):
            _answer(uow, email, WRONG)
        return time.perf_counter() - started

    timed(admin.email)  # warm the pool
    known, unknown = timed(admin.email), timed("nobody@clinic.example")
    assert 1 / 3 < known / unknown < 3


def test_unknown_emails_lock_out_too(engine, uow, receptionist):
    now = utcnow()
    for _ in range(MAX_FAILED_SIGN_INS):
        _answer(uow, "Guess@Clinic.Example ", WRONG, now=now)
    with engine.connect() as conn:
        locked_until = conn.execute(text("SELECT locked_until FROM sign_in_failures WHERE email_key = :k"),
                                    {"k": failure_key("guess@clinic.example")}).scalar_one()
    assert locked_until == now + timedelta(minutes=LOCKOUT_MINUTES)


def test_five_failures_lock_for_fifteen_minutes_even_after_a_restart(db_url, uow, receptionist):
    now = utcnow()
    for _ in range(MAX_FAILED_SIGN_INS):
        _answer(uow, receptionist.email, WRONG, now=now)
    restarted = engine_for(db_url)  # a new process would have a new engine: the lock is in the database
    try:
        _answer(UnitOfWork(restarted), receptionist.email, STRONG_PASSWORD, now=now + timedelta(minutes=14))
        member = sign_in(UnitOfWork(restarted), receptionist.email, STRONG_PASSWORD, now=now + timedelta(minutes=16))
    finally:
        restarted.dispose()
    assert member.id == receptionist.user_id


def test_a_success_resets_the_failure_count(uow, receptionist):
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        _answer(uow, receptionist.email, WRONG)
    sign_in(uow, receptionist.email, STRONG_PASSWORD)
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        _answer(uow, receptionist.email, WRONG)
    assert sign_in(uow, receptionist.email, STRONG_PASSWORD).id == receptionist.user_id


def test_disabled_staff_cannot_sign_in(uow, admin, receptionist):
    staff_service.set_staff_active(uow, admin, receptionist.user_id, False)
    _answer(uow, receptionist.email, STRONG_PASSWORD)


def test_failed_sign_ins_are_audited_without_the_password(uow, receptionist):
    with pytest.raises(AuthenticationFailed):
        sign_in(uow, receptionist.email, "Wrong-password-123")
    with uow:
        entries = uow.audit.for_entity("user", receptionist.user_id)
    failed = [e for e in entries if e.action == "sign_in_failed"]
    assert len(failed) == 1
    assert "Wrong-password" not in repr((failed[0].before, failed[0].after))


def test_patients_cannot_sign_in_even_with_a_password_hash(engine, uow):
    from homa_desk.domain.passwords import hash_password

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (email, password_hash, full_name, phone) VALUES (:e, :h, 'P', '1')"),
                     {"e": "patient@example.com", "h": hash_password(STRONG_PASSWORD)})
    with pytest.raises(AuthenticationFailed):
        sign_in(uow, "patient@example.com", STRONG_PASSWORD)
