"""Backup, restore and Move to Neon against the TLS-only stand-in: the bundled tools (built without TLS) go through
the desk's TLS relay, and everything that keeps session state goes to the direct host, never the pooler."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from homa_desk.backend import DatabaseTarget
from homa_desk.config import Settings
from homa_desk.connect import open_remote
from homa_desk.db import backup as dumps
from homa_desk.db import roles
from homa_desk.domain.roles import Role
from homa_desk.services import backup, clinic, staff
from homa_desk.services.move_database import move_to_remote
from tests.helpers import libpq, new_staff
from tests.neon.conftest import plain
from tests.neon.stand_in import OWNER_PASSWORD

DEFAULT_SEARCH_PATH = '"$user", public'


def without_password(url) -> str:  # type: ignore[no-untyped-def]
    return plain(url._replace(password=None))


def desks_on_every_server_connection(neon, database: str, clients: int = 8) -> list[str]:  # type: ignore[no-untyped-def]
    """What a desk's first query meets on each of the pooler's server connections (each client holds one in its
    open transaction): its search_path, or the error of looking up the audit log without a schema."""
    held = [psycopg.connect(plain(neon.pooled_url(database=database))) for _ in range(clients)]
    seen = []
    try:
        for conn in held:
            try:
                conn.execute("SELECT count(*) FROM audit_log")
                seen.append(conn.execute("SHOW search_path").fetchone()[0])
            except psycopg.errors.UndefinedTable as error:
                seen.append(str(error).splitlines()[0])
    finally:
        for conn in held:
            conn.close()
    return seen


def test_the_bundled_tools_cannot_speak_tls_themselves(neon):
    result = subprocess.run([str(dumps.tool("pg_dump")), "--schema-only", f"--dbname={plain(neon.direct_url())}"],
                            capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "SSL support is not compiled in" in result.stderr


def test_backup_of_a_clinic_on_the_endpoint_and_its_restore(neon, clinic, tmp_path):
    pooled = plain(neon.pooled_url(roles.APP_ROLE, clinic.app_password, clinic.database))
    direct = plain(neon.direct_url(roles.APP_ROLE, clinic.app_password, clinic.database))
    backend = open_remote(pooled, direct=direct)
    try:
        admin = staff.create_first_admin(backend.uow(), new_staff(Role.ADMIN), "Neon Clinic").as_actor()
        staff.add_staff(backend.uow(), admin, new_staff(Role.RECEPTIONIST))
        assert backend.target.tools_url.port == neon.direct_port
        made = backup.back_up_now(backend.uow(), backend.target, admin, Settings(backup_folder=str(tmp_path)))
    finally:
        backend.close()
    assert dumps.check_homa_dump(made.path)

    neon.new_database("restored")
    dumps.restore(made.path, neon.direct_url(database="restored"))
    with psycopg.connect(plain(neon.direct_url(database=clinic.database))) as source, \
            psycopg.connect(plain(neon.direct_url(database="restored"))) as restored:
        expected, found = dumps.row_counts(source), dumps.row_counts(restored)
    expected["public.clinic_settings"] -= 1  # last_backup_at, noted once the dump was written
    assert found == expected
    assert expected["public.users"] == 2


def test_a_relay_checks_the_certificate_as_the_url_asks(neon, clinic, tmp_path):
    path = tmp_path / "checked.dump"
    good = neon.direct_url(database=clinic.database, sslmode="verify-full", sslrootcert=str(neon.ca))
    dumps.dump(good, path)  # the relay checks the chain and the host name, then pg_dump runs through it
    assert path.stat().st_size > 0
    other_ca = tmp_path / "other"
    other_ca.mkdir()
    from tests.neon.stand_in import make_certificate

    stranger = make_certificate(other_ca)[0]
    with pytest.raises(dumps.BackupError):
        dumps.dump(neon.direct_url(database=clinic.database, sslmode="verify-ca", sslrootcert=str(stranger)),
                   tmp_path / "refused.dump")
    assert not (tmp_path / "refused.dump").exists()


def test_move_to_the_pooler_loads_on_the_direct_host_and_no_desk_inherits_its_session(
        neon, db_url, uow, admin, tmp_path, memory_keyring):
    clinic.set_clinic_name(uow, admin, "Sunrise Clinic")
    neon.new_database("moved")
    outcome = move_to_remote(DatabaseTarget("embedded", db_url), admin,
                             without_password(neon.pooled_url(database="moved")), OWNER_PASSWORD,
                             direct=without_password(neon.direct_url(database="moved")))
    assert outcome.rows > 0
    assert desks_on_every_server_connection(neon, "moved") == [DEFAULT_SEARCH_PATH] * 8
    settings = Settings.load()
    kept, direct = make_url(settings.database_url), make_url(settings.database_direct_url)
    assert (kept.port, kept.database, kept.password) == (neon.pooled_port, "moved", None)  # the URL as pasted
    assert (direct.port, direct.database, direct.password) == (neon.direct_port, "moved", None)
    desk = open_remote(settings.database_url, direct=settings.database_direct_url)
    try:
        assert clinic.clinic_name(desk.uow()) == "Sunrise Clinic"
    finally:
        desk.close()

    # what the direct host spares the desks: the same restore through the pooler leaves an empty search_path on
    # a server connection, and the next desk there cannot find its tables
    dump = tmp_path / "copy.dump"
    dumps.dump(db_url, dump)
    neon.new_database("through_pooler")
    try:
        dumps.restore(dump, neon.pooled_url(database="through_pooler"))
        assert 'relation "audit_log" does not exist' in desks_on_every_server_connection(neon, "through_pooler")
    finally:
        neon.restart_pooler()  # no later test should meet that server connection
    assert Path(libpq(db_url).split("?")[0]).name  # the embedded source is untouched
