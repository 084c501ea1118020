"""Settings every session on the desk's database starts with, wherever it comes from: `ALTER DATABASE … SET`.

Through a transaction pooler (Neon's pooled host, a self-hosted PgBouncer in transaction mode) a desk's statements
run on whichever server connection is free; the session `SET`s the desk sends when it connects reach one of them
only. Transactions set their timeouts again (`SET LOCAL`, db/engine.py), but a statement outside a transaction (a
reading unit of work, `together`, the ping) would run with none on a server connection that never saw the desk's
`SET`s. The database's own defaults hold on every new server connection, for every role (the desks' role and each
LAN desk's role alike), and `RESET ALL` or PgBouncer's `DISCARD ALL` returns to them.

They are written after migrations, as the database's owner (who alone may), only when they differ: a restored
database (a new one, swapped in) gets them when `restore` brings it up to date. A migrating role that does not own
the database sets them as its own role's defaults instead. A session may still lower them for
itself (a bulk load sets `statement_timeout = 0` for its own transaction).
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, text
from sqlalchemy.exc import ProgrammingError

from homa_desk.db.engine import LOCK_TIMEOUT, STATEMENT_TIMEOUT

log = logging.getLogger(__name__)

DEFAULTS = {"statement_timeout": STATEMENT_TIMEOUT, "lock_timeout": LOCK_TIMEOUT, "TimeZone": "UTC"}

# what a new session of the connected role starts with: the database's defaults, then the role's own over them
_SET = """
SELECT setconfig FROM pg_db_role_setting
WHERE (setrole = 0 AND setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()))
   OR (setrole = (SELECT oid FROM pg_roles WHERE rolname = current_user) AND setdatabase = 0)
ORDER BY setrole
"""


def defaults_missing(conn: Connection) -> bool:
    """True when a new session of the connected role would not start with the desk's defaults: one catalog query,
    no writes."""
    found: dict[str, str] = {}
    for config in conn.scalars(text(_SET)):
        found.update((name.lower(), value) for name, _, value in (entry.partition("=") for entry in config))
    return any(found.get(name.lower()) != value for name, value in DEFAULTS.items())


def set_database_defaults(conn: Connection) -> None:
    """As the database's owner: the desk's timeouts and time zone become the database's defaults. A role that does
    not own the database (a schema owner given the database by someone else) may still set its own defaults, which
    is what a desk connecting as that role needs; that is done instead, with a warning in the log."""
    database = conn.scalar(text("SELECT current_database()"))
    quoted = '"' + str(database).replace('"', '""') + '"'
    try:
        with conn.begin_nested():
            _set_all(conn, f"ALTER DATABASE {quoted}")
        return
    except ProgrammingError as error:
        if getattr(error.orig, "sqlstate", None) != "42501":  # insufficient_privilege
            raise
    log.warning("not the database's owner: the timeouts are set for this role only")
    _set_all(conn, "ALTER ROLE CURRENT_USER")


def _set_all(conn: Connection, target: str) -> None:
    for name, value in DEFAULTS.items():
        conn.execute(text(f"{target} SET {name} = '{value}'"))
