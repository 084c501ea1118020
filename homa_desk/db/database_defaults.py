"""Settings every session on the desk's database starts with, wherever it comes from: `ALTER DATABASE … SET`.

Through a transaction pooler (Neon's pooled host, a self-hosted PgBouncer in transaction mode) a desk's statements
run on whichever server connection is free; the session `SET`s the desk sends when it connects reach one of them
only. Transactions set their timeouts again (`SET LOCAL`, db/engine.py), but a statement outside a transaction (a
reading unit of work, `together`, the ping) would run with none on a server connection that never saw the desk's
`SET`s. The database's own defaults hold on every new server connection, for every role (the desks' role and each
LAN desk's role alike), and `RESET ALL` or PgBouncer's `DISCARD ALL` returns to them.

They are written after migrations, as the database's owner (who alone may), only when they differ: a restored
database (a new one, swapped in) gets them when `restore` brings it up to date. A session may still lower them for
itself (a bulk load sets `statement_timeout = 0` for its own transaction).
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.exc import ProgrammingError

from homa_desk.db.engine import LOCK_TIMEOUT, STATEMENT_TIMEOUT
from homa_desk.domain.errors import PermissionDenied

DEFAULTS = {"statement_timeout": STATEMENT_TIMEOUT, "lock_timeout": LOCK_TIMEOUT, "TimeZone": "UTC"}

_SET = """
SELECT coalesce((SELECT setconfig FROM pg_db_role_setting
                 WHERE setrole = 0 AND setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())),
                '{}')
"""


def defaults_missing(conn: Connection) -> bool:
    """True when the database's defaults are not the desk's: one catalog query, no writes."""
    found = {name.lower(): value for name, _, value in (entry.partition("=") for entry in conn.scalar(text(_SET)))}
    return any(found.get(name.lower()) != value for name, value in DEFAULTS.items())


def set_database_defaults(conn: Connection) -> None:
    """As the database's owner: the desk's timeouts and time zone become the database's defaults. PermissionDenied
    (nothing changed) when the connected role does not own the database."""
    database = conn.scalar(text("SELECT current_database()"))
    quoted = '"' + str(database).replace('"', '""') + '"'
    try:
        with conn.begin_nested():
            for name, value in DEFAULTS.items():
                conn.execute(text(f"ALTER DATABASE {quoted} SET {name} = '{value}'"))
    except ProgrammingError as error:
        if getattr(error.orig, "sqlstate", None) != "42501":  # insufficient_privilege
            raise
        raise PermissionDenied("Only the database's owner may set its timeouts: run `homa-desk db upgrade` with "
                               "the URL of the role that owns the database {database}.", database=database) from None
