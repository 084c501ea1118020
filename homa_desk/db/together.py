"""Independent reads sent in one round trip (psycopg's pipeline mode): `uow.together(read_a, read_b)`.

Over a LAN or Neon every round trip costs 1–150 ms, and a view that needs three unrelated things (the clinic's name,
the doctors' hours, a bill) paid three. A repository can instead hand out a `Later`: its statement and how to shape
the rows it returns. `UnitOfWork.together` sends every statement at once on the unit of work's own connection, with
one Sync, and shapes each answer when all have arrived.

SQLAlchemy cannot run a statement inside a pipeline (it reads each cursor's description at once), so the statements
are compiled by SQLAlchemy (with the bound values) and sent on the driver's connection. What SQLAlchemy's events do
for other statements is done here: a reading unit of work sends only SELECT/WITH, and the actor check is folded into
the first statement exactly as the unit of work folds it into its first SELECT (unit_of_work.py). A driver error is
raised as SQLAlchemy raises it, so the unit of work turns it into the same DatabaseUnavailable or AccountRevoked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

T = TypeVar("T")

_READS = re.compile(r"[\s(]*(SELECT|WITH)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Later(Generic[T]):
    """A read prepared by a repository: the statement, its values, and what its rows become."""

    statement: Executable
    shape: Callable[[list[Any]], T]
    params: dict[str, Any] = field(default_factory=dict)


def run_together(conn: Connection, reads: tuple[Later[Any], ...], *, guard: Any | None) -> list[Any]:
    """Send `reads` in one pipeline on `conn`'s driver connection; their shaped answers, in order.

    `guard` is the unit of work's pending actor check (or None): folded into the first statement, and marked done
    once the answers came back without the database refusing."""
    compiled = []
    for read in reads:
        statement = read.statement.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        sql = str(statement)
        if not _READS.match(sql):
            raise ValueError("together() sends reads only (SELECT or WITH)")
        compiled.append((sql, statement.construct_params(read.params, escape_names=False)))
    if guard is not None and guard.pending:
        sql, params = compiled[0]
        compiled[0] = (f"SELECT homa_guarded.* FROM (\n{sql.rstrip().rstrip(';')}\n) AS homa_guarded "
                       f"WHERE {guard.condition}", params)
    driver = conn.connection.dbapi_connection
    assert isinstance(driver, psycopg.Connection)
    cursors = []
    try:
        with driver.pipeline():
            for sql, params in compiled:
                cursor = driver.cursor(row_factory=namedtuple_row)
                cursor.execute(sql, params)
                cursors.append(cursor)
        answers = [cursor.fetchall() for cursor in cursors]
    except psycopg.Error as error:
        raise DBAPIError.instance(compiled[0][0], compiled[0][1], error, psycopg.Error,
                                  connection_invalidated=driver.closed) from error
    finally:
        for cursor in cursors:
            cursor.close()
    if guard is not None:
        guard.pending = False
    return [read.shape(rows) for read, rows in zip(reads, answers, strict=True)]


def together_on(session: Session, *reads: Later[Any]) -> list[Any]:
    """`reads` in one round trip on the session's connection, with the unit of work's pending actor check."""
    conn = session.connection()
    return run_together(conn, reads, guard=conn.get_execution_options().get("homa_guard"))
