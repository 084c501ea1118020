"""The doctor and staff lists reach staff rows through the partial index, never by reading every patient."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql

from homa_desk.db.doctor_repository import _SCHEDULES
from homa_desk.db.models import User
from homa_desk.db.repositories import _STAFF


def _plan(conn, sql: str, params: dict) -> str:  # type: ignore[no-untyped-def]
    conn.execute(text("SET LOCAL enable_seqscan = off"))  # a test database is small enough to scan
    return "\n".join(conn.execute(text("EXPLAIN " + sql), params).scalars())


def test_the_doctor_list_uses_the_staff_index(engine) -> None:
    sql = _SCHEDULES.format(only="AND u.is_active")
    params = {"specialty": "General", "slot": 15, "first": "2026-11-26", "last": "2026-11-26"}
    with engine.begin() as conn:
        assert "ix_users_staff" in _plan(conn, sql, params)


def test_the_staff_list_uses_the_staff_index(engine) -> None:
    query = select(User.id).where(User.role.in_(_STAFF)).order_by(User.full_name)
    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with engine.begin() as conn:
        assert "ix_users_staff" in _plan(conn, sql, {})
