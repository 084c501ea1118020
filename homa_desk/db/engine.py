"""Engines for the embedded server and for remote PostgreSQL (Neon)."""

from __future__ import annotations

import select
import time

import psycopg
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url

from homa_desk import APP_NAME

CONNECT_TIMEOUT_SECONDS = 5
PING_AFTER_IDLE_SECONDS = 10.0


def make_engine(url: str | URL, *, pool_size: int = 5) -> Engine:
    """An engine that never waits long to connect and checks a connection that sat idle before lending it out."""
    url = to_psycopg_url(url)
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=5,
        pool_recycle=300,  # Neon closes idle connections; recycle before it does
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS, "application_name": APP_NAME},
    )

    @event.listens_for(engine, "connect")
    def _set_session(dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'; SET statement_timeout = '30s'")
        dbapi_connection.commit()
        record.info["returned_at"] = time.monotonic()

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
