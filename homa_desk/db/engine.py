"""Engines for the embedded server and for remote PostgreSQL (Neon).

Through a transaction pooler (Neon's pooled host is PgBouncer in transaction mode) a session `SET` reaches one
server connection only, and the next transaction may run on another. So the timeouts that must hold are set at the
start of every transaction (`SET LOCAL`), sent with the BEGIN in one message: no extra round trip. The connection's
own session keeps them too, for statements outside a transaction on a direct connection.

Prepared statements (psycopg prepares a query on its fifth run) need a pooler that tracks them
(`max_prepared_statements`, PgBouncer 1.21+; Neon's has it). A pooler without it may run another client's statement
of the same name, so `make_engine(..., prepare=False)` turns them off; `prepared_statements()` decides from the URL
and the desk's setting.
"""

from __future__ import annotations

import select
import time

import psycopg
from psycopg import pq
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url

from homa_desk import APP_NAME

CONNECT_TIMEOUT_SECONDS = 5
PING_AFTER_IDLE_SECONDS = 10.0
STATEMENT_TIMEOUT = "30s"
LOCK_TIMEOUT = "10s"
TIMEOUTS = f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'; SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"
PREPARED_STATEMENTS = ("auto", "on", "off")


def prepared_statements(url: URL, setting: str = "auto") -> bool:
    """Whether the desk may let psycopg prepare statements on this database.

    "auto": yes on this computer's own server (a Unix socket) and on Neon (its pooler tracks them); no on any other
    host, which may be a pooler that cannot (the desk cannot tell a pooler from a server). "on"/"off" say it outright.
    """
    from homa_desk.db.urls import is_local  # lazy: urls imports the domain's errors

    if setting in ("on", "off"):
        return setting == "on"
    on_a_socket = is_local(url) and str(url.query.get("host", "")).startswith("/")  # the embedded server
    return on_a_socket or (url.host or "").lower().endswith(".neon.tech")


def make_engine(url: str | URL, *, pool_size: int = 5, prepare: bool = True) -> Engine:
    """An engine that never waits long to connect and checks a connection that sat idle before lending it out."""
    url = to_psycopg_url(url)
    connect_args: dict[str, object] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS, "application_name": APP_NAME}
    if not prepare:
        connect_args["prepare_threshold"] = None
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=5,
        pool_recycle=300,  # Neon closes idle connections; recycle before it does
        connect_args=connect_args,
    )

    @event.listens_for(engine, "connect")
    def _set_session(dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET TIME ZONE 'UTC'; SET statement_timeout = '{STATEMENT_TIMEOUT}'; "
                           f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        dbapi_connection.commit()
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "begin")
    def _timeouts_for_this_transaction(conn) -> None:  # type: ignore[no-untyped-def]
        begin_with_timeouts(conn.connection.dbapi_connection)

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check_before_lending(dbapi_connection, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        """Like `pool_pre_ping`, without its round trip for a connection used in the last few seconds.

        A view's loads come in bursts; pinging before each would double their round trips to a database 100 ms
        away. A server that restarted or terminated the connection (a restore, an admin) has closed its socket,
        which a look at the socket tells without asking; only a connection idle for a while is pinged, for what
        the socket cannot tell (a network that silently dropped it). A dead connection is replaced (the pool
        connects afresh), so the caller never sees it.
        """
        if _closed_by_server(dbapi_connection):
            raise exc.DisconnectionError("the server closed the pooled connection")
        if time.monotonic() - record.info.get("returned_at", 0.0) < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError("the pooled connection no longer answers") from error

    return engine


def begin_with_timeouts(dbapi_connection: psycopg.Connection) -> None:
    """Open the transaction now, with its timeouts, in one message: `BEGIN …; SET LOCAL …`.

    psycopg would send its BEGIN with the first statement anyway; sending it here, in the same round trip as the
    SET LOCALs, costs nothing. A connection in autocommit (a reading unit of work) has no transaction to set. A
    connection that broke is left alone: its next statement fails, and SQLAlchemy replaces it.
    """
    pgconn = dbapi_connection.pgconn
    if dbapi_connection.autocommit or pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return
    result = pgconn.exec_(f"{_begin_statement(dbapi_connection)}; {TIMEOUTS}".encode())
    if result.status != pq.ExecStatus.COMMAND_OK and pgconn.status == pq.ConnStatus.OK:
        pgconn.exec_(b"ROLLBACK")
        raise RuntimeError("the transaction's timeouts were refused")


def _begin_statement(dbapi_connection: psycopg.Connection) -> str:
    """BEGIN with the connection's isolation level, read-only and deferrable modes, as psycopg would write it."""
    parts = ["BEGIN"]
    if dbapi_connection.isolation_level is not None:
        level = psycopg.IsolationLevel(dbapi_connection.isolation_level)
        parts.append("ISOLATION LEVEL " + level.name.replace("_", " "))
    if dbapi_connection.read_only is not None:
        parts.append("READ ONLY" if dbapi_connection.read_only else "READ WRITE")
    if dbapi_connection.deferrable is not None:
        parts.append("DEFERRABLE" if dbapi_connection.deferrable else "NOT DEFERRABLE")
    return " ".join(parts)


def _closed_by_server(dbapi_connection) -> bool:  # type: ignore[no-untyped-def]
    """An idle connection (the desk never LISTENs) has nothing to read unless the server said goodbye: a FATAL
    notice, then end of file."""
    pgconn = dbapi_connection.pgconn
    if pgconn.status != psycopg.pq.ConnStatus.OK:
        return True
    try:
        readable, _, _ = select.select([pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.Error):
        return True
    return bool(readable)


def to_psycopg_url(url: str | URL) -> URL:
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed
