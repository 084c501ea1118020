"""Shared test helpers: a real embedded PostgreSQL, fresh databases cloned from a migrated template."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring
import psycopg
from keyring.backend import KeyringBackend
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from homa_desk.db import migrate
from homa_desk.db.embedded import EmbeddedServer
from homa_desk.db.engine import make_engine
from homa_desk.db.roles import OWNER_ROLE
from homa_desk.domain.roles import Role
from homa_desk.domain.staff import NewStaff

TEMPLATE = "homa_template"
STRONG_PASSWORD = "Correct-Horse-7-Battery"
_counter = itertools.count(1)


def libpq(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class MemoryKeyring(KeyringBackend):
    """CI has no keyring daemon; tests keep secrets in memory."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@contextmanager
def private_keyring() -> Iterator[MemoryKeyring]:
    """A server started for several tests keeps its roles' passwords in its own memory: never in the developer's
    keyring, nor in the keyring of whichever test happened to start it."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


class TestCluster:
    """One embedded server for the whole test session, and a migrated template to clone per test.

    As on a clinic's computer, the template is migrated by the owner role and every test database belongs to it;
    `fresh_database` hands out the application role's URL, so the whole suite runs with the desk's own grants.
    `owner_url` and `admin_url` (the cluster's superuser) are for tests that need more.
    """

    def __init__(self, base_dir: Path) -> None:
        self.server = EmbeddedServer(base_dir / "pgdata", delete_on_stop=True)
        with private_keyring():
            self.server.start()
        self.admin_url = self.server.url("postgres")
        with psycopg.connect(libpq(self.admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
            conn.execute(f'CREATE DATABASE "{TEMPLATE}" OWNER {OWNER_ROLE}')
        engine = make_engine(self.server.owner_url(TEMPLATE))
        migrate.upgrade(engine)
        engine.dispose()

    def fresh_database(self, *, migrated: bool = True) -> URL:
        """A new database owned by the owner role (a clone of the migrated template, or empty); the desk's URL."""
        name = f"t{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"
        template = f' TEMPLATE "{TEMPLATE}" STRATEGY FILE_COPY' if migrated else ""
        with psycopg.connect(libpq(self.admin_url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" OWNER {OWNER_ROLE}{template}')
        return self.server.app_url(name)

    def owner_url(self, url: URL) -> URL:
        """The owner role's URL of the same database."""
        return self.server.owner_url(url.database or "")

    def superuser_url(self, url: URL) -> URL:
        """The cluster superuser's URL of the same database: for setting up what no desk could."""
        return self.server.url(url.database or "")

    def drop(self, url: URL) -> None:
        with psycopg.connect(libpq(self.admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')

    def stop(self) -> None:
        self.server.stop()


def new_staff(role: Role = Role.RECEPTIONIST, *, email: str | None = None, name: str = "Asha Verma") -> NewStaff:
    return NewStaff(
        email=email or f"{role.value}{next(_counter)}@clinic.example",
        full_name=name,
        phone="+919876543210",
        role=role,
        password=STRONG_PASSWORD,
    )


def engine_for(url: URL) -> Engine:
    return make_engine(url, pool_size=2)
