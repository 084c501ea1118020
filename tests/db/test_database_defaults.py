"""The desk's timeouts and time zone are the database's defaults: every session starts with them, also one that
never ran the desk's session SETs (a pooler's fresh server connection; here, a plain libpq connection)."""

from __future__ import annotations

import psycopg
from sqlalchemy import text

from homa_desk.db import database_defaults, migrate
from tests.helpers import libpq

SHOW = "SELECT current_setting('statement_timeout'), current_setting('lock_timeout'), current_setting('TimeZone')"


def _plain_session(url) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        return conn.execute(SHOW).fetchone()  # type: ignore[return-value]


def test_db_upgrade_writes_them_again_when_they_were_lost(db_url, owner_engine):
    with owner_engine.begin() as conn:
        name = conn.scalar(text("SELECT current_database()"))
        conn.execute(text(f'ALTER DATABASE "{name}" RESET ALL'))  # as a database restored elsewhere would be
        conn.execute(text(f"ALTER DATABASE \"{name}\" SET TimeZone = 'Asia/Kolkata'"))
    assert _plain_session(db_url)[:2] == ("0", "0")
    migrate.upgrade(owner_engine)  # already at head: it only writes what differs
    assert _plain_session(db_url) == ("30s", "10s", "UTC")
    with owner_engine.begin() as conn:
        assert not database_defaults.defaults_missing(conn)
        conn.execute(text(f"ALTER DATABASE \"{name}\" SET work_mem = '8MB'"))  # an admin's own setting stays
        assert not database_defaults.defaults_missing(conn)


def test_a_role_that_does_not_own_the_database_sets_its_own(db_url, engine, owner_engine):
    with owner_engine.begin() as conn:
        conn.execute(text(f'ALTER DATABASE "{conn.scalar(text("SELECT current_database()"))}" RESET ALL'))
    try:
        with engine.begin() as conn:  # the desks' role: ALTER DATABASE is refused, inside a savepoint
            assert database_defaults.defaults_missing(conn)
            database_defaults.set_database_defaults(conn)
            assert not database_defaults.defaults_missing(conn)
        assert _plain_session(db_url) == ("30s", "10s", "UTC")
        with owner_engine.connect() as conn:
            assert database_defaults.defaults_missing(conn)  # the database's own are still unset
    finally:
        with engine.begin() as conn:  # the role is the test cluster's, shared with other tests
            conn.execute(text("ALTER ROLE CURRENT_USER RESET ALL"))
