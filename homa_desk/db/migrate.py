"""Run Alembic migrations programmatically (no alembic.ini needed), serialised across desks.

Run them as the schema's owner. Each run ends by granting the application role what it may do on whatever the
migrations added (`roles.grant_application_role`) and by writing the database's session defaults where they differ
(`database_defaults`: the timeouts hold through a transaction pooler), in the same transaction and under the same
lock.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from homa_desk.db.database_defaults import defaults_missing, set_database_defaults
from homa_desk.db.roles import grant_application_role, grants_missing

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 7_316_001  # pg_advisory_lock key: two desks starting together migrate one after the other


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine, revision: str = "base") -> None:
    _run(engine, lambda config: command.downgrade(config, revision))


def _run(engine: Engine, action) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        before = MigrationContext.configure(conn).get_current_revision()
        config = _config()
        config.attributes["connection"] = conn
        action(config)
        after = MigrationContext.configure(conn).get_current_revision()
        if after is not None and (after != before or grants_missing(conn)):
            grant_application_role(conn)
        if after is not None and defaults_missing(conn):
            set_database_defaults(conn)
