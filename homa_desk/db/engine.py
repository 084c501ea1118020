"""Engines for the embedded server and for remote PostgreSQL (Neon)."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from homa_desk import APP_NAME

CONNECT_TIMEOUT_SECONDS = 5


def make_engine(url: str | URL, *, pool_size: int = 5) -> Engine:
    """An engine that notices a dropped connection (pre-ping) and never waits long to connect."""
    url = to_psycopg_url(url)
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=5,
        pool_recycle=300,  # Neon closes idle connections; recycle before it does
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS, "application_name": APP_NAME},
    )

    @event.listens_for(engine, "connect")
    def _set_session(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'; SET statement_timeout = '30s'")
        dbapi_connection.commit()

    return engine


def to_psycopg_url(url: str | URL) -> URL:
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed
