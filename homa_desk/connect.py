"""Open the desk's database: the embedded default, or a remote PostgreSQL (Neon) from settings or the env.

SQLAlchemy, psycopg, Alembic and the keyring are imported only when a database is opened, so the desk's first
window can show before them (`new_install` needs none of them).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from homa_desk.config import Settings
from homa_desk.domain.errors import DatabaseUnavailable, DomainError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from homa_desk.backend import Backend
    from homa_desk.db.embedded import EmbeddedServer

log = logging.getLogger(__name__)

ENV_URL = "HOMA_DATABASE_URL"
ENV_DIRECT_URL = "HOMA_DIRECT_DATABASE_URL"  # the server itself, behind a pooler that is not Neon's


class SchemaOutOfDate(DomainError):
    pass


def new_install(settings: Settings, env: Mapping[str, str] = os.environ, data_dir: Path | None = None) -> bool:
    """True when no database URL is given anywhere and this computer has no embedded database yet."""
    if env.get(ENV_URL) or settings.database_url:
        return False
    from homa_desk.db.embedded import default_data_dir  # lazy: cold start

    return not ((data_dir or default_data_dir()).expanduser() / "PG_VERSION").exists()


def open_backend(settings: Settings, *, env: Mapping[str, str] = os.environ,
                 data_dir: Path | None = None, host_clinic: bool = False) -> Backend:
    """`host_clinic`: this is the desk itself (not a command), so a hosting computer opens its network ports."""
    from homa_desk.gateways.factory import gateway_from_settings  # lazy: cold start

    gateway = gateway_from_settings(settings)
    raw = env.get(ENV_URL) or settings.database_url
    direct = env.get(ENV_DIRECT_URL) or settings.database_direct_url
    if raw and settings.lan_fingerprint and raw == settings.database_url:
        backend = open_joined(raw, settings.lan_fingerprint)
    else:
        backend = open_remote(raw, direct=direct, prepared=settings.database_prepared_statements) if raw \
            else open_embedded(data_dir)
    if host_clinic and settings.lan_host and backend.embedded is not None:
        from homa_desk.db.lan.host import LanHost  # lazy: only a hosting desk

        try:
            backend.lan_host = LanHost(backend.embedded).start()
        except OSError as error:  # the port is taken (a second desk on the host computer hosts already)
            log.warning("cannot host the clinic on the network: %s", type(error).__name__)
    backend.gateway = gateway
    backend.poll_interval = settings.poll_interval_seconds
    return backend


def open_embedded(data_dir: Path | None = None) -> Backend:
    """Start (or join) the embedded server, bring its schema to the newest revision as the owner role, and connect
    the desk as the application role."""
    from homa_desk.backend import Backend, DatabaseTarget  # lazy: cold start
    from homa_desk.db.embedded import EmbeddedServer  # lazy: cold start
    from homa_desk.db.engine import make_engine  # lazy: cold start

    server = EmbeddedServer(data_dir)
    url = server.start()
    try:
        upgrade_as_owner(server)
    except BaseException:
        server.stop()
        raise
    log.info("embedded database ready")
    return Backend(engine=make_engine(url), target=DatabaseTarget("embedded", url, server.owner_url()),
                   embedded=server)


def upgrade_as_owner(server: EmbeddedServer, revision: str = "head") -> None:
    """Migrate the embedded database with the owner role's own short-lived connection."""
    from homa_desk.db import migrate  # lazy: cold start
    from homa_desk.db.engine import make_engine  # lazy: cold start

    engine = make_engine(server.owner_url(), pool_size=1)
    try:
        migrate.upgrade(engine, revision)
    finally:
        engine.dispose()


def with_stored_password(url: URL) -> URL:
    """The URL with the password the keyring keeps for it. Without a keyring it stays as it is: libpq's own
    PGPASSWORD or ~/.pgpass, or a server that asks for none, may still let it in (if not, the connect says so)."""
    from homa_desk.db.urls import keyring_name  # lazy: cold start
    from homa_desk.secret_store import SecretStoreUnavailable, get_secret  # lazy: cold start

    if url.password is not None or not url.username:
        return url
    try:
        password = get_secret(keyring_name(url))
    except SecretStoreUnavailable:
        return url
    return url.set(password=password) if password else url


def open_remote(raw: str, *, direct: str | None = None, prepared: str = "auto") -> Backend:
    """Connect to a remote PostgreSQL; its password comes from the URL (env) or the keyring, never a file.

    Remote schemas are not migrated implicitly: an admin runs `homa-desk db upgrade` once for all desks. `direct`:
    the server's own URL behind a pooler that is not Neon's (Neon's is derived); `prepared`: auto, on or off.
    """
    from sqlalchemy.exc import OperationalError  # lazy: cold start

    from homa_desk.backend import Backend, DatabaseTarget  # lazy: cold start
    from homa_desk.db import migrate  # lazy: cold start
    from homa_desk.db.engine import make_engine, prepared_statements  # lazy: cold start
    from homa_desk.db.urls import direct_url, parse_database_url  # lazy: cold start

    url = with_stored_password(parse_database_url(raw))
    server = direct_url(url, with_stored_password(parse_database_url(direct, "database_direct_url"))
                        if direct else None)
    engine = make_engine(url, prepare=prepared_statements(url, prepared))
    try:
        current = migrate.current_revision(engine)
    except OperationalError as error:
        engine.dispose()
        raise DatabaseUnavailable("Cannot reach the database at {host}. Check the network and the URL.",
                                  host=url.host) \
            from error
    if current != migrate.head_revision():
        engine.dispose()
        raise SchemaOutOfDate(
            "The database at {host} is at schema revision {current}; this desk needs {head}. Run `homa-desk db "
            "upgrade` once, then start the desk again.", host=url.host, current=current or "none",
            head=migrate.head_revision()
        )
    log.info("remote database ready")
    return Backend(engine=engine, target=DatabaseTarget("remote", url, direct=server))


def open_joined(raw: str, fingerprint: str) -> Backend:
    """The clinic host's database, as this joined desk's own role, trusting only the pinned certificate. When it
    cannot connect, the host is asked for its certificate: another one is refused in words (CertificateChanged)."""
    import dataclasses  # lazy: cold start

    from homa_desk.db.lan import join_client  # lazy: cold start
    from homa_desk.db.urls import parse_database_url  # lazy: cold start

    try:
        backend = open_remote(raw)
    except DatabaseUnavailable:
        url = parse_database_url(raw)
        join_client.check_pinned(url.host or "", url.port or 5432, fingerprint)
        raise DatabaseUnavailable("The clinic's host at {host} refused this desk: an admin may have removed it "
                                  "(Settings → Desks on the host), or its database is not running. To join again, "
                                  "run `homa-desk lan forget` here and join with a new code.", host=url.host) from None
    backend.target = dataclasses.replace(backend.target, kind="lan")
    return backend


def remember_remote_database(settings: Settings, raw: str) -> Settings:
    """Keep the URL in settings without its password, and the password in the keyring."""
    from homa_desk.db.urls import keyring_name, parse_database_url, without_password  # lazy: cold start
    from homa_desk.secret_store import set_secret  # lazy: cold start

    url = parse_database_url(raw)
    if url.password:
        set_secret(keyring_name(url), url.password)
    settings.database_url = without_password(url)
    settings.save()
    return settings
