"""Move to Neon, against a second local PostgreSQL standing in for Neon: a non-superuser owner with a password."""

from __future__ import annotations

import itertools
import json

import psycopg
import pytest
from sqlalchemy.engine import URL

from homa_desk.backend import DatabaseTarget
from homa_desk.config import Settings, config_file
from homa_desk.db import backup as dumps
from homa_desk.db import migrate
from homa_desk.db.embedded import EmbeddedServer
from homa_desk.db.engine import make_engine
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.db.urls import keyring_name, without_password
from homa_desk.domain.errors import DomainError, PermissionDenied, ValidationError
from homa_desk.domain.roles import Role
from homa_desk.secret_store import SERVICE
from homa_desk.services import clinic
from homa_desk.services import staff as staff_service
from homa_desk.services.move_database import move_to_remote
from tests.helpers import libpq, new_staff, private_keyring

OWNER, PASSWORD = "neondb_owner", "npg-Stand-in-9xQ"
_names = itertools.count(1)


class StandIn:
    """A second embedded cluster where the owner must give a password (scram), as on Neon."""

    def __init__(self, base) -> None:  # type: ignore[no-untyped-def]
        self.server = EmbeddedServer(base / "neon-pgdata", delete_on_stop=True)
        with private_keyring():
            self.server.start()
        self.admin = self.server.url("postgres")
        with psycopg.connect(libpq(self.admin), autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {OWNER} LOGIN PASSWORD '{PASSWORD}'")
        hba = self.server.data_dir / "pg_hba.conf"
        hba.write_text(f"local all {OWNER} scram-sha-256\nhost all {OWNER} 127.0.0.1/32 scram-sha-256\n"
                       + hba.read_text())
        with psycopg.connect(libpq(self.admin), autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")

    def new_database(self) -> URL:
        name = f"neondb_{next(_names)}"
        with psycopg.connect(libpq(self.admin), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} OWNER {OWNER}")
        return self.server.url(name).set(username=OWNER)._replace(password=None)


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory):
    server = StandIn(tmp_path_factory.mktemp("neon"))
    yield server
    server.server.stop()


def raw(url: URL, password: str | None = None) -> str:
    return url.set(drivername="postgresql")._replace(password=password).render_as_string(hide_password=False)


def test_move_copies_every_row_checks_the_counts_and_switches_the_setting(
        stand_in, engine, db_url, uow, admin, receptionist, memory_keyring):
    clinic.set_clinic_name(uow, admin, "Sunrise Clinic")
    remote = stand_in.new_database()
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(libpq(remote)).close()  # the stand-in really asks for the password
    stages: list[str] = []

    outcome = move_to_remote(DatabaseTarget("embedded", db_url), admin, raw(remote), PASSWORD,
                             progress=stages.append)

    with psycopg.connect(libpq(db_url)) as source:
        expected = dumps.row_counts(source)
    remote_engine = make_engine(remote.set(password=PASSWORD), pool_size=1)
    try:
        with remote_engine.connect() as conn:
            counts = dumps.row_counts(conn.connection.driver_connection)
        assert migrate.current_revision(remote_engine) == migrate.head_revision()
        remote_uow = UnitOfWork(remote_engine)
        assert clinic.clinic_name(remote_uow) == "Sunrise Clinic"
        assert {m.email for m in staff_service.list_staff(remote_uow, admin)} == {admin.email, receptionist.email}
        with remote_uow:
            moved = remote_uow.audit.for_entity("database", remote.database)
        assert [entry.action for entry in moved] == ["database_moved_here"]
    finally:
        remote_engine.dispose()
    assert outcome.tables == len(expected) > 20
    assert outcome.rows == sum(expected.values()) - 1  # the source has since logged "moved away"
    assert {t: n for t, n in counts.items() if t != "public.audit_log"} == \
        {t: n for t, n in expected.items() if t != "public.audit_log"}
    assert any(stage.startswith("Table ") for stage in stages)

    saved = json.loads(config_file().read_text(encoding="utf-8"))
    assert saved["database_url"] == without_password(remote)
    assert PASSWORD not in config_file().read_text(encoding="utf-8")
    assert memory_keyring.secrets[(SERVICE, keyring_name(remote))] == PASSWORD
    assert Settings.load().database_url == without_password(remote)


def test_a_database_with_tables_is_refused(stand_in, db_url, admin):
    remote = stand_in.new_database()
    with psycopg.connect(libpq(remote.set(password=PASSWORD)), autocommit=True) as conn:
        conn.execute("CREATE TABLE old_app_data (id int)")
    with pytest.raises(ValidationError, match="already has 1 table") as refused:
        move_to_remote(DatabaseTarget("embedded", db_url), admin, raw(remote), PASSWORD)
    assert refused.value.field == "database_url"
    assert Settings.load().database_url is None


def test_wrong_password_bad_url_and_plain_remote_hosts_are_refused_at_the_field(stand_in, db_url, admin):
    target = DatabaseTarget("embedded", db_url)
    with pytest.raises(ValidationError, match="Cannot connect") as wrong:
        move_to_remote(target, admin, raw(stand_in.new_database()), "not-the-password")
    assert PASSWORD not in wrong.value.message and "not-the-password" not in wrong.value.message
    with pytest.raises(ValidationError, match="TLS"):
        move_to_remote(target, admin, "postgresql://u:p@ep-cool-1.aws.neon.tech/neondb")
    with pytest.raises(ValidationError, match="database URL"):
        move_to_remote(target, admin, "")
    assert Settings.load().database_url is None


def test_only_an_admin_on_the_embedded_database_moves(stand_in, db_url, uow, admin):
    receptionist = staff_service.add_staff(uow, admin, new_staff(Role.RECEPTIONIST)).as_actor()
    remote = raw(stand_in.new_database())
    with pytest.raises(PermissionDenied):
        move_to_remote(DatabaseTarget("embedded", db_url), receptionist, remote, PASSWORD)
    with pytest.raises(DomainError, match="already uses a remote database"):
        move_to_remote(DatabaseTarget("remote", db_url), admin, remote, PASSWORD)


def test_a_server_older_than_17_gets_the_script_through_psql(stand_in, db_url, admin, monkeypatch):
    """Neon still offers PostgreSQL 14-16, which refuse `SET transaction_timeout`; the stand-in is told it is old."""
    monkeypatch.setattr(dumps, "DIRECT_RESTORE_FROM", 10**9)
    remote = stand_in.new_database()
    stages: list[str] = []
    outcome = move_to_remote(DatabaseTarget("embedded", db_url), admin, raw(remote), PASSWORD,
                             progress=stages.append)
    assert outcome.tables > 20
    assert "Table users…" in stages
    with psycopg.connect(libpq(remote.set(password=PASSWORD))) as conn:
        assert dumps.row_counts(conn)["public.users"] == 1


@pytest.mark.parametrize("direct_from", [dumps.DIRECT_RESTORE_FROM, 10**9], ids=["pg_restore", "psql"])
def test_a_failing_restore_leaves_the_target_empty_and_the_desk_where_it_was(stand_in, db_url, admin, monkeypatch,
                                                                             direct_from):
    monkeypatch.setattr(dumps, "DIRECT_RESTORE_FROM", direct_from)
    remote = stand_in.new_database()
    with psycopg.connect(libpq(stand_in.admin.set(database=remote.database)), autocommit=True) as conn:
        conn.execute(f"REVOKE CREATE ON DATABASE {remote.database} FROM PUBLIC, {OWNER}")
        conn.execute(f"ALTER DATABASE {remote.database} OWNER TO postgres")
    with pytest.raises(DomainError, match="The restore failed"):
        move_to_remote(DatabaseTarget("embedded", db_url), admin, raw(remote), PASSWORD)
    with psycopg.connect(libpq(stand_in.admin.set(database=remote.database))) as conn:
        assert dumps.user_tables(conn) == []
    assert Settings.load().database_url is None
