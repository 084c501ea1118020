"""Questions asked of a database the desk does not use yet (a remote URL being tested, or moved into): one short
connection each, and a refusal in words the settings form can show."""

from __future__ import annotations

import psycopg
from sqlalchemy.engine import URL

from homa_desk.db import backup as dumps
from homa_desk.db.engine import make_engine
from homa_desk.db.roles import grant_application_role
from homa_desk.logging_setup import scrub


class Unreachable(Exception):
    """The server could not be reached or refused us; `reason` is the driver's first line, without secrets."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def server_version(url: URL, *, timeout: int = 5) -> str:
    """The PostgreSQL version the server at `url` reports."""
    target = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(target, connect_timeout=timeout) as conn:
            return str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    except psycopg.Error as error:
        raise _unreachable(error) from None


def user_tables(url: URL) -> list[str]:
    """The tables of the database at `url` (schema.name), to tell an empty database from one in use."""
    try:
        with dumps.connect(url, autocommit=True) as conn:
            return dumps.user_tables(conn)
    except psycopg.Error as error:
        raise _unreachable(error) from None


def grant_desks_role(url: URL) -> bool:
    """Give the desks' own role its grants in the database at `url`; False when that role does not exist there."""
    engine = make_engine(url, pool_size=1)
    try:
        with engine.begin() as conn:
            return grant_application_role(conn)
    finally:
        engine.dispose()


def _unreachable(error: psycopg.Error) -> Unreachable:
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return Unreachable(scrub(reason)[:200])
