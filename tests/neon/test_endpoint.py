"""The desk against the Neon stand-in: TLS only, scram, a non-superuser owner, PgBouncer in transaction mode."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from homa_desk.config import Settings
from homa_desk.connect import open_remote, remember_remote_database
from homa_desk.db import database_defaults, migrate, roles
from homa_desk.db.engine import make_engine, prepared_statements
from homa_desk.db.urls import direct_url, parse_database_url
from tests.neon.conftest import plain


def test_the_stand_in_is_tls_only_and_asks_for_a_scram_password(neon):
    for url in (neon.direct_url(sslmode="disable"), neon.pooled_url(sslmode="disable")):
        with pytest.raises(psycopg.OperationalError, match=r"no encryption|SSL required"):
            psycopg.connect(plain(url)).close()
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(plain(neon.direct_url(password="wrong"))).close()
    with psycopg.connect(plain(neon.direct_url())) as conn:
        row = conn.execute("SELECT ssl, rolsuper FROM pg_stat_ssl, pg_roles "
                           "WHERE pid = pg_backend_pid() AND rolname = current_user").fetchone()
    assert row == (True, False)


def test_db_upgrade_given_the_pooler_migrates_on_the_direct_host_and_creates_the_desks_role(neon, clinic):
    desks = make_engine(neon.pooled_url(roles.APP_ROLE, clinic.app_password, clinic.database), pool_size=1)
    try:
        assert migrate.current_revision(desks) == migrate.head_revision()
        with desks.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == roles.APP_ROLE
            assert not roles.can_change_schema(conn)
    finally:
        desks.dispose()


def test_a_pasted_neon_string_keeps_channel_binding_and_libpq_enforces_it(neon, clinic, memory_keyring):
    pasted = ("psql 'postgresql://neondb_owner:npg_Secret9@ep-quiet-moon-a1b2c3-pooler.ap-south-1.aws.neon.tech/"
              "neondb?sslmode=require&channel_binding=require'")
    url = parse_database_url(pasted)
    assert url.query["channel_binding"] == "require"
    assert direct_url(url).host == "ep-quiet-moon-a1b2c3.ap-south-1.aws.neon.tech"
    saved = remember_remote_database(Settings(), pasted.removeprefix("psql ").strip("'"))
    assert saved.database_url.endswith("?channel_binding=require&sslmode=require")
    assert "npg_Secret9" not in saved.database_url

    # the direct host offers SCRAM-SHA-256-PLUS: the desk connects with channel binding required
    bound = plain(neon.direct_url(roles.APP_ROLE, clinic.app_password, clinic.database, channel_binding="require"))
    backend = open_remote(bound)
    try:
        with backend.engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == roles.APP_ROLE
    finally:
        backend.close()
    # PgBouncer offers no channel binding (on Neon the proxy does it): libpq refuses rather than go without
    with pytest.raises(psycopg.OperationalError, match="channel binding is required"):
        psycopg.connect(plain(neon.pooled_url(channel_binding="require"))).close()


def test_a_transaction_sets_its_timeouts_again_on_a_server_connection_another_client_changed(neon, clinic):
    """SET LOCAL: a session setting another client leaked onto a server connection never reaches the desk's
    transactions (the database's defaults cannot help there: that session changed them)."""
    desk = make_engine(neon.pooled_url(roles.APP_ROLE, clinic.app_password, clinic.database), pool_size=1)
    others = [psycopg.connect(plain(neon.pooled_url(roles.APP_ROLE, clinic.app_password, clinic.database)))
              for _ in range(2)]
    try:
        with desk.connect():
            pass  # the desk's session SETs ran on a server connection, now idle again
        held = others[0].execute("SELECT pg_backend_pid()").fetchone()[0]  # holds it (a transaction is open)
        changer = others[1]
        changer.autocommit = True
        changed = changer.execute("SET statement_timeout = 0").execute("SET lock_timeout = 0").execute(
            "SELECT pg_backend_pid()").fetchone()[0]  # a session setting left on the server connection it releases
        with desk.begin() as conn:  # PgBouncer lends the connection released last: the one with the leaked zeros
            pid, statement, lock = conn.execute(text(
                "SELECT pg_backend_pid(), current_setting('statement_timeout'), current_setting('lock_timeout')"
            )).one()
        assert pid == changed != held
        assert (statement, lock) == ("30s", "10s")
    finally:
        for conn in others:
            conn.close()
        desk.dispose()


def test_a_read_outside_a_transaction_has_the_timeouts_on_a_server_connection_that_never_saw_the_desk(neon, clinic):
    """A reading unit of work, `together` and the ping run in autocommit: no transaction to SET LOCAL in. They
    rely on the database's defaults, written by `db upgrade` (db/database_defaults.py)."""
    neon.restart_pooler()  # no server connection left from earlier tests
    desk = make_engine(neon.pooled_url(roles.APP_ROLE, clinic.app_password, clinic.database), pool_size=1)
    holder = psycopg.connect(plain(neon.pooled_url(roles.APP_ROLE, clinic.app_password, clinic.database)))
    try:
        with desk.connect():
            pass  # the desk's session SETs ran on the pooler's only server connection, now idle again
        held, seen = holder.execute("SELECT pg_backend_pid(), current_setting('statement_timeout')").fetchone()
        assert seen == "30s"  # the holder got the desk's server connection, and keeps it (a transaction is open)
        reading = desk.execution_options(isolation_level="AUTOCOMMIT")  # as a reading unit of work does
        with reading.connect() as conn:
            assert conn.connection.dbapi_connection.autocommit
            pid, statement, lock, zone = conn.execute(text(
                "SELECT pg_backend_pid(), current_setting('statement_timeout'), current_setting('lock_timeout'),"
                " current_setting('TimeZone')")).one()
        assert pid != held  # a second server connection, which never saw the desk's session SETs
        assert (statement, lock, zone) == ("30s", "10s", "UTC")
    finally:
        holder.close()
        desk.dispose()


def test_db_upgrade_wrote_the_defaults_on_the_database(neon, clinic):
    desks = make_engine(neon.direct_url(roles.APP_ROLE, clinic.app_password, clinic.database), pool_size=1)
    try:
        with desks.connect() as conn:
            assert not database_defaults.defaults_missing(conn)  # the database's, not the role's (it has none)
            assert conn.scalar(text("SELECT count(*) FROM pg_db_role_setting WHERE setrole <> 0")) == 0
    finally:
        desks.dispose()


def test_prepared_statements_follow_the_pooler(neon, clinic):
    """A pooler that does not track prepared statements runs a statement the desk prepared on another server
    connection, or not at all: the desk prepares none unless the host is Neon's or the setting says so."""
    url = neon.pooled_url(roles.APP_ROLE, clinic.app_password, clinic.database)
    assert not prepared_statements(url)
    assert prepared_statements(url.set(host="ep-x-pooler.ap-south-1.aws.neon.tech"))
    assert prepared_statements(url, "on") and not prepared_statements(url.set(host="ep-x.neon.tech"), "off")

    def run(prepare: bool) -> None:
        engine = make_engine(url, pool_size=1, prepare=prepare)
        holder = psycopg.connect(plain(url))
        try:
            with engine.connect() as conn:
                for n in range(6):  # psycopg prepares a query on its fifth run
                    assert conn.execute(text("SELECT CAST(:n AS int) + 1"), {"n": n}).scalar() == n + 1
                conn.commit()
                holder.execute("SELECT 1")  # takes the server connection the statement was prepared on
                assert conn.execute(text("SELECT CAST(:n AS int) + 1"), {"n": 41}).scalar() == 42
        finally:
            holder.close()
            engine.dispose()

    neon.restart_pooler(max_prepared_statements=0)
    try:
        run(prepare=False)
        with pytest.raises(Exception, match="prepared statement"):
            run(prepare=True)
    finally:
        neon.restart_pooler(max_prepared_statements=1000)
    run(prepare=True)  # a PgBouncer that tracks them (Neon's) re-prepares on the other server connection
