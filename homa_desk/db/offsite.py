"""The off-site copy's layout in the remote PostgreSQL: one database per copy, and a pointer to the good one.

The URL the admin gives names a control database. In it, schema `homa_offsite` holds table `copies`: one row per
copy database the desk created (`<control>_copy_<stamp>`). A night's load goes into a new database; only after its
rows were counted and matched does one transaction mark it `good` and the previous one `replaced`. So a load that
fails, or a desk killed mid-way, never leaves a half copy as "last good": the pointer still names the old database,
and the leftovers are dropped on the next run. The role needs CREATEDB (Neon's console roles have it).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL

from homa_desk.db import backup as dumps
from homa_desk.db.reach import Unreachable
from homa_desk.logging_setup import scrub

log = logging.getLogger(__name__)

SCHEMA = "homa_offsite"
_SAFE = re.compile(r"[^a-z0-9_]+")


@dataclass(frozen=True)
class RemoteCopy:
    """A copy database on the remote server and what its manifest said when it was loaded."""

    database: str
    made_at: datetime  # when the local dump was taken
    loaded_at: datetime
    size: int
    schema_revision: str | None
    counts: dict[str, int]


@dataclass(frozen=True)
class RemoteCheck:
    version: str
    can_create_databases: bool
    latest: RemoteCopy | None


def copy_name(control: str, stamp: datetime) -> str:
    prefix = _SAFE.sub("_", control.lower()).strip("_")[:30] or "homa"
    return f"{prefix}_copy_{stamp.strftime('%Y%m%d%H%M%S')}"


def check(url: URL) -> RemoteCheck:
    """Connect, and say what the server is, whether this role may create databases, and its latest good copy."""
    try:
        with dumps.connect(url, autocommit=True) as conn:
            version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
            creates = bool(conn.execute("SELECT rolcreatedb OR rolsuper FROM pg_roles "
                                        "WHERE rolname = current_user").fetchone()[0])  # type: ignore[index]
            latest = _latest(conn) if _has_control(conn) else None
    except psycopg.Error as error:
        raise unreachable(error) from None
    return RemoteCheck(version, creates, latest)


def latest_good(url: URL) -> RemoteCopy | None:
    try:
        with dumps.connect(url, autocommit=True) as conn:
            return _latest(conn) if _has_control(conn) else None
    except psycopg.Error as error:
        raise unreachable(error) from None


def start_copy(url: URL, made_at: datetime, now: datetime) -> str:
    """Drop what earlier failed runs left, note a new `loading` copy, and create its empty database."""
    try:
        with dumps.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA)))
            conn.execute(sql.SQL("""CREATE TABLE IF NOT EXISTS {}.copies (
                database text PRIMARY KEY, status text NOT NULL CHECK (status IN ('loading', 'good', 'replaced')),
                made_at timestamptz NOT NULL, loaded_at timestamptz, size bigint, schema_revision text,
                counts jsonb)""").format(sql.Identifier(SCHEMA)))
            _drop_leftovers(conn)
            name = copy_name(url.database or "", now)
            conn.execute(sql.SQL("INSERT INTO {}.copies (database, status, made_at) VALUES (%s, 'loading', %s) "
                                 "ON CONFLICT (database) DO UPDATE SET status = 'loading'")
                         .format(sql.Identifier(SCHEMA)), (name, made_at))
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
            return name
    except psycopg.Error as error:
        raise unreachable(error) from None


def count_rows(url: URL) -> dict[str, int]:
    try:
        with dumps.connect(url, autocommit=True) as conn:
            return dumps.row_counts(conn)
    except psycopg.Error as error:
        raise unreachable(error) from None


def download(copy_url: URL, destination: Path, *, progress: dumps.Progress | None = None) -> dict[str, int]:
    """Dump a copy database to `destination`, with its row counts taken in the dump's own snapshot."""
    try:
        with dumps.exported_snapshot(copy_url) as (conn, snapshot):
            counts = dumps.row_counts(conn)
            dumps.dump(copy_url, destination, snapshot=snapshot, progress=progress)
    except psycopg.Error as error:
        raise unreachable(error) from None
    return counts


def mark_good(url: URL, database: str, *, loaded_at: datetime, size: int, schema_revision: str | None,
              counts: dict[str, int]) -> None:
    """In one transaction: this copy becomes the good one, the previous good one `replaced`; then drop those."""
    try:
        with dumps.connect(url) as conn, conn.transaction():
            conn.execute(sql.SQL("UPDATE {}.copies SET status = 'replaced' WHERE status = 'good'")
                         .format(sql.Identifier(SCHEMA)))
            updated = conn.execute(
                sql.SQL("UPDATE {}.copies SET status = 'good', loaded_at = %s, size = %s, schema_revision = %s, "
                        "counts = %s WHERE database = %s AND status = 'loading'").format(sql.Identifier(SCHEMA)),
                (loaded_at, size, schema_revision, json.dumps(counts), database)).rowcount
            if updated != 1:
                raise psycopg.DatabaseError("the copy was discarded while it loaded")
        with dumps.connect(url, autocommit=True) as conn:
            _drop_leftovers(conn)
    except psycopg.Error as error:
        raise unreachable(error) from None


def discard(url: URL, database: str) -> None:
    """Best effort after a failed load: drop its database and row (the next run retries what this leaves)."""
    try:
        with dumps.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
            conn.execute(sql.SQL("DELETE FROM {}.copies WHERE database = %s AND status = 'loading'")
                         .format(sql.Identifier(SCHEMA)), (database,))
    except psycopg.Error as error:
        log.warning("a failed off-site copy's database could not be dropped yet: %s", unreachable(error).reason)


def unreachable(error: psycopg.Error) -> Unreachable:
    """The driver's first line, scrubbed, as the refusal the desk shows."""
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return Unreachable(scrub(reason)[:200])


def _has_control(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"{SCHEMA}.copies",)).fetchone()[0]  # type: ignore[index]


def _latest(conn: psycopg.Connection) -> RemoteCopy | None:
    row = conn.execute(sql.SQL("SELECT database, made_at, loaded_at, size, schema_revision, counts FROM {}.copies "
                               "WHERE status = 'good' ORDER BY loaded_at DESC LIMIT 1")
                       .format(sql.Identifier(SCHEMA))).fetchone()
    if row is None:
        return None
    return RemoteCopy(row[0], row[1], row[2], int(row[3] or 0), row[4], {k: int(v) for k, v in (row[5] or {}).items()})


def _drop_leftovers(conn: psycopg.Connection) -> None:
    """Every copy database that is not the good one: loads that never finished, copies since replaced."""
    rows = conn.execute(sql.SQL("SELECT database FROM {}.copies WHERE status <> 'good'")
                        .format(sql.Identifier(SCHEMA))).fetchall()
    for (name,) in rows:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("DELETE FROM {}.copies WHERE database = %s AND status <> 'good'")
                     .format(sql.Identifier(SCHEMA)), (name,))


__all__ = ["RemoteCheck", "RemoteCopy", "Unreachable", "check", "copy_name", "count_rows", "discard", "download",
           "latest_good", "mark_good", "start_copy", "unreachable"]
