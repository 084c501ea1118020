"""Rules for a remote database URL: TLS for every non-local host, and the password kept out of files."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from homa_desk.domain.errors import ValidationError

SECURE_SSLMODES = ("require", "verify-ca", "verify-full")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "")


def parse_database_url(raw: str, field: str = "database_url") -> URL:
    """A PostgreSQL URL; non-local hosts must ask for TLS (sslmode=require, verify-ca or verify-full)."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(field, "Enter the database URL, for example postgresql://user@host/db?sslmode=require.")
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise ValidationError(field, "This is not a database URL (postgresql://user:password@host/dbname).") from None
    if url.get_backend_name() not in ("postgresql", "postgres"):
        raise ValidationError(field, "Homa Desk works with PostgreSQL only: the URL starts with postgresql://.")
    if not url.database:
        raise ValidationError(field, "The URL needs the database name after the host (…/dbname).")
    if not is_local(url):
        sslmode = url.query.get("sslmode")
        if sslmode not in SECURE_SSLMODES:
            raise ValidationError(
                field, "A database on another machine must use TLS: add ?sslmode=require (or verify-full)."
            )
    return url.set(drivername="postgresql+psycopg")


def is_local(url: URL) -> bool:
    host = url.host or ""
    socket_dir = url.query.get("host")
    return host in LOCAL_HOSTS and (not socket_dir or str(socket_dir).startswith("/"))


def without_password(raw: str | URL) -> str:
    url = make_url(raw) if isinstance(raw, str) else raw
    return url._replace(password=None).render_as_string(hide_password=False)


def keyring_name(url: URL) -> str:
    """Where a URL's password lives in the keyring: one entry per user, host and database."""
    return f"database:{url.username or ''}@{url.host or ''}:{url.port or 5432}/{url.database or ''}"
