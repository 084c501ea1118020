"""A second real PostgreSQL as the off-site server: Move to Neon's stand-in (scram password, non-superuser owner),
whose owner may create databases as Neon's console roles may."""

from __future__ import annotations

import psycopg
from sqlalchemy.engine import URL

from tests.helpers import libpq
from tests.services.test_move_database import OWNER, PASSWORD, StandIn

__all__ = ["OWNER", "PASSWORD", "OffsiteServer", "raw"]


class OffsiteServer(StandIn):
    """Neon's stand-in with CREATEDB for its owner; `control()` hands out a new empty database for one test."""

    def __init__(self, base) -> None:  # type: ignore[no-untyped-def]
        super().__init__(base)
        with psycopg.connect(libpq(self.admin), autocommit=True) as conn:
            conn.execute(f"ALTER ROLE {OWNER} CREATEDB")

    def databases(self) -> set[str]:
        with psycopg.connect(libpq(self.admin), autocommit=True) as conn:
            return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}

    def as_admin(self, database: str) -> URL:
        return self.admin.set(database=database)


def raw(url: URL, password: str | None = None) -> str:
    return url.set(drivername="postgresql")._replace(password=password).render_as_string(hide_password=False)

