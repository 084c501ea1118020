"""The nightly off-site copy against a second real PostgreSQL (scram owner with CREATEDB, as on Neon): loaded,
checked by row counts, retried with backoff when it fails, and the previous good copy kept."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from homa_desk.backend import DatabaseTarget
from homa_desk.config import Settings
from homa_desk.db import backup as dumps
from homa_desk.db import offsite as remote_layout
from homa_desk.domain.errors import DomainError, FormErrors, PermissionDenied, ValidationError
from homa_desk.domain.roles import Role
from homa_desk.domain.timeutil import CLINIC_TZ
from homa_desk.secret_store import SERVICE
from homa_desk.services import backup, backup_manifest, clinic, offsite
from homa_desk.services import staff as staff_service
from tests.helpers import libpq, new_staff
from tests.offsite_helpers import PASSWORD, raw

NIGHT = datetime(2026, 12, 2, 23, 45, tzinfo=CLINIC_TZ)  # 15 minutes after the copy's time


@pytest.fixture
def server(offsite_server):
    return offsite_server


@pytest.fixture
def control(server):
    return server.new_database()


@pytest.fixture
def target(db_url, owner_url) -> DatabaseTarget:
    return DatabaseTarget("embedded", db_url, owner_url)


@pytest.fixture
def settings(uow, admin, control, tmp_path) -> Settings:
    Settings(backup_folder=str(tmp_path / "backups"), backup_time="20:00").save()
    offsite.save_offsite(uow, admin, raw(control), PASSWORD, "23:30", True, now=NIGHT - timedelta(days=3))
    return Settings.load()


def good_copy(server, control) -> remote_layout.RemoteCopy:  # type: ignore[no-untyped-def]
    latest = remote_layout.latest_good(control.set(password=PASSWORD))
    assert latest is not None
    return latest


def remote_counts(server, database: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with psycopg.connect(libpq(server.as_admin(database))) as conn:
        return dumps.row_counts(conn)


def copy_databases(server, control) -> set[str]:  # type: ignore[no-untyped-def]
    return {name for name in server.databases() if name.startswith(f"{control.database}_copy_")}


def test_the_nightly_copy_loads_the_backup_and_matches_every_table(server, control, uow, target, admin, settings,
                                                                  memory_keyring, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    staff_service.add_staff(uow, admin, new_staff(Role.RECEPTIONIST))
    with psycopg.connect(libpq(target.url)) as conn:
        local = dumps.row_counts(conn)

    outcome = offsite.run_scheduled_copy(uow, target, settings, now=NIGHT)

    assert outcome.made is not None
    latest = good_copy(server, control)
    assert latest.database == outcome.made.database
    assert remote_counts(server, latest.database) == latest.counts == local
    assert outcome.made.tables == len(local) > 20 and outcome.made.rows == sum(local.values())
    assert outcome.state.last_good == outcome.made and not outcome.state.failing
    assert not outcome.state.missed(NIGHT)
    dump = next(Path(settings.backup_folder).glob("*.dump"))  # made for the copy: there was no backup yet
    manifest = backup_manifest.read(dump)
    assert manifest is not None and manifest.counts == local
    # the same night again: nothing to do; the next check is the next night's time
    again = offsite.run_scheduled_copy(uow, target, settings, now=NIGHT + timedelta(minutes=30))
    assert again.made is None
    assert again.next_check == datetime(2026, 12, 3, 23, 30, tzinfo=CLINIC_TZ)
    # the password is in the keyring only: not in any file the desk wrote, nor in the log
    assert memory_keyring.secrets[(SERVICE, offsite.secret_name(control))] == PASSWORD
    written = [p for p in tmp_path.rglob("*") if p.is_file() and "pgdata" not in p.parts]
    assert any(p.name == "settings.json" for p in written) and any(p.name.endswith(".dump.json") for p in written)
    for path in written:
        assert PASSWORD.encode() not in path.read_bytes(), path
    assert PASSWORD not in caplog.text
    with uow:
        audit = uow.audit.for_entity("database", latest.database)
    assert [entry.action for entry in audit] == ["offsite_copy_made"]


def test_a_recent_backup_with_its_manifest_is_copied_as_it_is(server, control, uow, target, admin, settings):
    made = backup.make_backup(uow, target, Path(settings.backup_folder), 30, moment=NIGHT - timedelta(hours=3))
    outcome = offsite.run_scheduled_copy(uow, target, settings, now=NIGHT)
    assert outcome.made is not None and outcome.made.made_at == made.made_at
    assert len(list(Path(settings.backup_folder).glob("*.dump"))) == 1


def test_a_wrong_password_fails_is_shown_and_retried_with_backoff_and_the_good_copy_stays(
        server, control, uow, target, admin, settings, memory_keyring):
    first = offsite.run_scheduled_copy(uow, target, settings, now=NIGHT - timedelta(days=1)).made
    assert first is not None
    memory_keyring.secrets[(SERVICE, offsite.secret_name(control))] = "not-the-password"

    moments = [NIGHT, NIGHT + timedelta(minutes=5), NIGHT + timedelta(minutes=20), NIGHT + timedelta(minutes=80)]
    expected_retry = [NIGHT + timedelta(minutes=5), NIGHT + timedelta(minutes=20), NIGHT + timedelta(minutes=80),
                      datetime(2026, 12, 3, 23, 30, tzinfo=CLINIC_TZ)]
    for moment, retry in zip(moments, expected_retry, strict=True):
        with pytest.raises(DomainError, match="Cannot connect to the off-site database") as failed:
            offsite.run_scheduled_copy(uow, target, settings, now=moment)
        assert "not-the-password" not in failed.value.message
        state = offsite.copy_status(uow, admin)
        assert state.failing and state.retry_at == retry
        assert state.last_good == first  # the previous good copy is still the one shown
        # before the retry time nothing is tried
        assert offsite.run_scheduled_copy(uow, target, settings, now=moment + timedelta(minutes=1)).made is None
    assert state.failures == 4 and "password" in state.last_failure.reason
    assert good_copy(server, control).database == first.database
    assert state.missed(NIGHT + timedelta(hours=3))  # the night passed without a good copy: flagged

    memory_keyring.secrets[(SERVICE, offsite.secret_name(control))] = PASSWORD
    recovered = offsite.run_scheduled_copy(uow, target, settings, now=expected_retry[-1])
    assert recovered.made is not None and not recovered.state.failing and recovered.state.failures == 0
    assert copy_databases(server, control) >= {recovered.made.database}
    assert first.database not in server.databases()  # replaced, then dropped


def test_a_connection_dropped_mid_load_leaves_the_previous_copy_as_last_good(server, control, uow, target, admin,
                                                                            settings, monkeypatch):
    first = offsite.run_scheduled_copy(uow, target, settings, now=NIGHT - timedelta(days=1)).made
    assert first is not None
    real_restore = dumps.restore

    def dropped(path, url, *, progress=None, **kwargs):  # type: ignore[no-untyped-def]
        def cut(stage: str) -> None:
            if stage.startswith("Table "):
                with psycopg.connect(libpq(server.admin), autocommit=True) as conn:
                    conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                                 (url.database,))
        return real_restore(path, url, progress=cut, **kwargs)

    monkeypatch.setattr(offsite.dumps, "restore", dropped)
    with pytest.raises(DomainError, match="restore failed"):
        offsite.run_scheduled_copy(uow, target, settings, now=NIGHT)
    state = offsite.copy_status(uow, admin)
    assert state.failing and state.retry_at == NIGHT + timedelta(minutes=5)
    assert good_copy(server, control).database == first.database
    assert remote_counts(server, first.database) == good_copy(server, control).counts
    assert copy_databases(server, control) == {first.database}  # the half-loaded one was dropped


def test_a_copy_whose_counts_differ_is_refused_and_the_previous_one_stays(server, control, uow, target, admin,
                                                                        settings, monkeypatch):
    first = offsite.run_scheduled_copy(uow, target, settings, now=NIGHT - timedelta(days=1)).made
    assert first is not None
    real_restore = dumps.restore

    def tampered(path, url, **kwargs):  # type: ignore[no-untyped-def]
        real_restore(path, url, **kwargs)
        with psycopg.connect(libpq(server.as_admin(url.database)), autocommit=True) as conn:
            conn.execute("DELETE FROM clinic_settings WHERE key = 'clinic_name'")

    monkeypatch.setattr(offsite.dumps, "restore", tampered)
    with pytest.raises(DomainError, match=r"does not match the backup in 1 table\(s\) \(clinic_settings\)"):
        offsite.run_scheduled_copy(uow, target, settings, now=NIGHT)
    state = offsite.copy_status(uow, admin)
    assert state.failing and "clinic_settings" in state.last_failure.reason
    assert good_copy(server, control).database == first.database
    assert copy_databases(server, control) == {first.database}


def test_save_checks_the_fields_keeps_the_password_out_of_the_file_and_is_for_admins(uow, admin, control, tmp_path):
    with pytest.raises(FormErrors) as refused:
        offsite.save_offsite(uow, admin, "postgresql://u@ep-x.aws.neon.tech/neondb", "", "25:99", True)
    assert {error.field for error in refused.value.errors} == {"offsite_url", "offsite_time"}
    receptionist = staff_service.add_staff(uow, admin, new_staff(Role.RECEPTIONIST)).as_actor()
    with pytest.raises(PermissionDenied):
        offsite.save_offsite(uow, receptionist, raw(control), PASSWORD, "23:30", True)
    offsite.save_offsite(uow, admin, raw(control, PASSWORD), "", "02:15", True)
    saved = Settings.load()
    assert saved.offsite_url == raw(control) and saved.offsite_time == "02:15" and saved.offsite_enabled
    for path in (tmp_path / "config").rglob("*"):
        if path.is_file():
            assert PASSWORD not in path.read_text(encoding="utf-8")
    state = offsite.copy_status(uow, admin)
    assert state.enabled and state.daily_at.strftime("%H:%M") == "02:15" and state.enabled_at is not None


def test_test_connection_reports_the_server_and_refuses_a_role_that_cannot_create_databases(server, control, uow,
                                                                                            admin):
    found = offsite.test_connection(uow, admin, raw(control), PASSWORD)
    assert found.version and found.latest is None
    with pytest.raises(ValidationError, match="Cannot connect") as wrong:
        offsite.test_connection(uow, admin, raw(control), "not-the-password")
    assert wrong.value.field == "offsite_url" and "not-the-password" not in wrong.value.message
    with psycopg.connect(libpq(server.admin), autocommit=True) as conn:
        conn.execute("CREATE ROLE plain_user LOGIN PASSWORD 'Plain-pass-1'")
    try:
        with pytest.raises(ValidationError, match="may not create databases"):
            offsite.test_connection(uow, admin, raw(control.set(username="plain_user")), "Plain-pass-1")
    finally:
        with psycopg.connect(libpq(server.admin), autocommit=True) as conn:
            conn.execute("DROP ROLE plain_user")


def test_a_remote_copy_tampered_after_the_night_is_refused_before_this_computer_is_touched(
        server, control, uow, target, admin, settings, tmp_path):
    made = offsite.run_scheduled_copy(uow, target, settings, now=NIGHT).made
    assert made is not None
    with psycopg.connect(libpq(server.as_admin(made.database)), autocommit=True) as conn:
        conn.execute("DELETE FROM clinic_settings WHERE key = 'clinic_name'")
    data_dir = tmp_path / "new-computer"
    with pytest.raises(DomainError, match=r"does not match the backup in 1 table\(s\) \(clinic_settings\)"):
        offsite.restore_to_new_computer(raw(control), PASSWORD, data_dir=data_dir)
    assert not data_dir.exists()
    with pytest.raises(ValidationError, match="no off-site copy"):
        offsite.restore_to_new_computer(raw(server.new_database()), PASSWORD, data_dir=data_dir)


def test_only_an_embedded_clinic_makes_the_copy(uow, db_url, admin, settings):
    with pytest.raises(DomainError, match="remote server already"):
        offsite.copy_now(uow, DatabaseTarget("remote", db_url), admin, settings)
    assert offsite.copy_status(uow, admin).failing
    assert clinic.clinic_name(uow)
