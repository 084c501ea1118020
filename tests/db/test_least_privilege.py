"""The desk's own connection can read and write rows, and nothing that would let it silence the audit log."""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from homa_desk.db import migrate, roles
from homa_desk.domain.errors import PermissionDenied
from homa_desk.domain.roles import Role
from homa_desk.services import staff as staff_service
from tests.helpers import engine_for, libpq, new_staff

REFUSAL = r"permission denied|must be owner|not have permission"
REFUSED = [
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
    "ALTER TABLE audit_log DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_log_no_update ON audit_log",
    "CREATE TRIGGER sneak BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION homa_set_updated_at()",
    "TRUNCATE audit_log",
    "UPDATE audit_log SET action = 'tampered'",
    "DELETE FROM audit_log",
    "SET session_replication_role = replica",
    "SET LOCAL session_replication_role = replica",
    "CREATE TABLE shadow (id int)",
    "DROP TABLE audit_log",
    "DROP FUNCTION homa_refuse_change() CASCADE",
    "CREATE OR REPLACE FUNCTION homa_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$",
    "ALTER TABLE users DROP CONSTRAINT users_staff_have_credentials",
    "TRUNCATE users CASCADE",
    "GRANT homa_owner TO homa_app",
    "ALTER ROLE homa_app SUPERUSER",
    "CREATE SCHEMA elsewhere",
    "UPDATE alembic_version SET version_num = '0001'",
    "SELECT setval('patient_number_seq', 1)",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_the_desks_connection_cannot_touch_the_schema_or_the_audit_trail(engine, admin, statement):
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT current_user")) == roles.APP_ROLE
    with pytest.raises(DBAPIError, match=REFUSAL), engine.begin() as conn:
        conn.execute(text(statement))
    with engine.connect() as conn:
        triggers = conn.scalars(text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass"
                                     " AND tgenabled = 'O' AND NOT tgisinternal ORDER BY 1")).all()
        assert triggers == ["audit_log_no_truncate", "audit_log_no_update", "audit_log_patient"]
        assert conn.scalar(text("SELECT count(*) FROM audit_log")) >= 1


def test_the_desks_role_owns_nothing_and_has_no_special_powers(engine):
    with engine.connect() as conn:
        role = conn.execute(text("SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls"
                                 " FROM pg_roles WHERE rolname = current_user")).one()
        assert tuple(role) == (False, False, False, False, False)
        owned = conn.scalar(text("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                                 " WHERE n.nspname = 'public' AND pg_has_role(current_user, c.relowner, 'USAGE')"))
        assert owned == 0
        assert not conn.scalar(text("SELECT has_schema_privilege('public', 'CREATE')"))
        assert not conn.scalar(text("SELECT has_database_privilege(current_database(), 'CREATE')"))
        audit = conn.scalars(text("SELECT privilege_type FROM information_schema.role_table_grants"
                                  " WHERE table_name = 'audit_log' AND grantee = current_user ORDER BY 1")).all()
        assert audit == ["INSERT", "SELECT"]


def test_every_table_a_migration_made_is_granted_and_the_owner_owns_it(engine):
    with engine.connect() as conn:
        missing = conn.scalars(text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'alembic_version'"
            " AND NOT (has_table_privilege(c.oid, 'SELECT') AND has_table_privilege(c.oid, 'INSERT'))")).all()
        assert missing == list(roles.READ_ONLY_TABLES)
        owners = set(conn.scalars(text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")))
        assert owners == {roles.OWNER_ROLE}


def test_a_desk_can_read_the_join_codes_but_never_mint_one(engine):
    """A backup as the desk's role reads every table; a desk that could insert a code could let in a computer no
    admin approved (db/lan/desks.py)."""
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM lan_join_codes")) == 0
        for statement in ("INSERT INTO lan_join_codes (code_hash, expires_at) VALUES "
                          "('$2b$10$' || repeat('a', 53), now() + interval '5 minutes')",
                          "UPDATE lan_join_codes SET failed_attempts = 0", "DELETE FROM lan_join_codes"):
            with pytest.raises(DBAPIError, match="permission denied"):
                conn.execute(text(statement))
            conn.rollback()


def test_every_append_only_table_is_insert_and_select_only(engine):
    """Whatever migration made it: a table whose trigger refuses changes (`homa_refuse_change`) is only appended to."""
    with engine.connect() as conn:
        grants = conn.execute(text(
            "SELECT c.relname, array_agg(DISTINCT g.privilege_type::text ORDER BY g.privilege_type::text)"
            " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN information_schema.role_table_grants g ON g.table_name = c.relname AND g.grantee = current_user"
            " WHERE t.tgfoid = 'homa_refuse_change'::regproc GROUP BY c.relname")).all()
    assert {"audit_log", "cash_counts"} <= {table for table, _ in grants}
    assert all(privileges == ["INSERT", "SELECT"] for _, privileges in grants), grants


def test_a_table_a_later_migration_adds_is_granted_by_default(engine, owner_engine):
    with owner_engine.begin() as conn:
        conn.execute(text("CREATE TABLE later_table (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
                          " note text)"))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO later_table (note) VALUES ('granted')"))
        conn.execute(text("UPDATE later_table SET note = 'changed'"))
        assert conn.scalar(text("SELECT note FROM later_table")) == "changed"


def test_an_append_only_table_a_later_migration_adds_is_insert_and_select_only(engine, owner_engine):
    with owner_engine.begin() as conn:
        conn.execute(text("CREATE TABLE later_log (id integer PRIMARY KEY, note text);"
                          " CREATE TRIGGER later_log_no_update BEFORE UPDATE OR DELETE ON later_log"
                          " FOR EACH ROW EXECUTE FUNCTION homa_refuse_change()"))
        roles.grant_application_role(conn)  # what migrate.upgrade does after every migration
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO later_log VALUES (1, 'kept')"))
    for statement in ("UPDATE later_log SET note = 'x'", "DELETE FROM later_log"):
        with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as conn:
            conn.execute(text(statement))


def test_a_normal_day_works_as_the_desks_role(uow, admin):
    member = staff_service.add_staff(uow, admin, new_staff(Role.RECEPTIONIST))
    assert member.id > 0


def test_upgrading_again_keeps_the_grants(cluster, engine, owner_url):
    owner = engine_for(owner_url)
    try:
        migrate.upgrade(owner)
    finally:
        owner.dispose()
    test_the_desks_role_owns_nothing_and_has_no_special_powers(engine)


@pytest.fixture
def remote_owner(cluster):
    """A database owned by a role that may create roles, as a Neon project's owner is; and a name for its desks' role
    (the shared test cluster's own `homa_app` exists already)."""
    suffix = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
    owner, desks = f"clinic_owner_{suffix}", f"desks_{suffix}"
    url = cluster.fresh_database(migrated=False)
    with psycopg.connect(libpq(cluster.admin_url), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {owner} LOGIN CREATEROLE PASSWORD 'Owner-Pass-42'")
        conn.execute(f'ALTER DATABASE "{url.database}" OWNER TO {owner}')
    yield url.set(username=owner)._replace(password="Owner-Pass-42"), desks
    cluster.drop(url)
    with psycopg.connect(libpq(cluster.admin_url), autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {desks}")
        conn.execute(f"DROP ROLE IF EXISTS {owner}")


def test_given_the_owners_url_the_desks_role_is_created_with_sql_and_granted(remote_owner):
    url, desks = remote_owner
    owner = engine_for(url)
    try:
        migrate.upgrade(owner)
        password = roles.provision_application_role(owner, desks)
        assert password is not None and len(password) == 40
        assert roles.provision_application_role(owner, desks) is None  # the second run only grants again
    finally:
        owner.dispose()
    desk = engine_for(url.set(username=desks)._replace(password=password))
    try:
        with desk.begin() as conn:
            assert not conn.scalar(text("SELECT rolcreaterole OR rolcreatedb OR rolsuper FROM pg_roles"
                                        " WHERE rolname = current_user"))
            conn.execute(text("INSERT INTO audit_log (action, entity) VALUES ('checked', 'clinic')"))
        for statement in ("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update", "DELETE FROM audit_log",
                          "CREATE TABLE shadow (id int)"):
            with pytest.raises(DBAPIError, match=REFUSAL), desk.begin() as conn:
                conn.execute(text(statement))
    finally:
        desk.dispose()


def test_an_owner_that_may_not_create_roles_is_told_what_to_run(owner_engine):
    with pytest.raises(PermissionDenied, match="CREATE ROLE desks_never LOGIN"):
        roles.provision_application_role(owner_engine, "desks_never")
