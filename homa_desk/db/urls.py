"""Rules for a remote database URL: TLS for every non-local host, and the password kept out of files."""

from __future__ import annotations

import re

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from homa_desk.domain.errors import ValidationError

SECURE_SSLMODES = ("require", "verify-ca", "verify-full")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "")
# Neon: the pooled host is the endpoint id plus "-pooler" (neon.com/docs/connect/connection-pooling)
NEON_POOLER = re.compile(r"^(?P<endpoint>ep-[a-z0-9-]+?)-pooler\.(?P<region>[a-z0-9.-]+\.neon\.tech)$", re.IGNORECASE)
_PASTED = re.compile(r"^\s*(?:psql\s+)?(?P<quote>['\"]?)(?P<url>.*?)(?P=quote)\s*$", re.DOTALL)


def parse_database_url(raw: str, field: str = "database_url") -> URL:
    """A PostgreSQL URL; non-local hosts must ask for TLS (sslmode=require, verify-ca or verify-full)."""
    text = pasted(raw)
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


def pasted(raw: str) -> str:
    """The URL in what was pasted: Neon's console also offers it as `psql 'postgresql://…'`."""
    match = _PASTED.match(raw or "")
    return (match["url"] if match else raw or "").strip()


def is_neon_pooler(url: URL) -> bool:
    return bool(NEON_POOLER.match(url.host or ""))


def direct_url(url: URL, explicit: str | URL | None = None) -> URL:
    """The URL of the PostgreSQL server itself, never a transaction pooler: for dumps, restores, Move to Neon and
    migrations, whose snapshot and session settings must stay on one server session.

    `explicit` (Settings: "Direct URL") wins; it takes this URL's password when it names the same user without one.
    Else a Neon pooled host gives its endpoint's direct host (`ep-x-pooler.region.aws.neon.tech` → `ep-x.region…`).
    Else the URL is taken as direct.
    """
    if explicit:
        chosen = parse_database_url(explicit, "database_direct_url") if not isinstance(explicit, URL) else explicit
        if chosen.password is None and chosen.username == url.username:
            chosen = chosen.set(password=url.password)
        return chosen.set(drivername=url.drivername)
    match = NEON_POOLER.match(url.host or "")
    if match:
        return url.set(host=f"{match['endpoint']}.{match['region']}")
    return url


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
