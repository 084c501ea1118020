"""Backups end to end on the real embedded PostgreSQL: back up, change, restore; schedule, lock and pruning."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from homa_desk.backend import DatabaseTarget
from homa_desk.config import Settings
from homa_desk.db import backup as dumps
from homa_desk.db import migrate
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.errors import DomainError, FormErrors, PermissionDenied
from homa_desk.domain.roles import Role
from homa_desk.domain.timeutil import CLINIC_TZ
from homa_desk.services import backup, clinic
from homa_desk.services import staff as staff_service
from tests.helpers import engine_for, libpq, new_staff


@pytest.fixture
def target(db_url, owner_url) -> DatabaseTarget:
    return DatabaseTarget("embedded", db_url, owner_url)


@pytest.fixture
def settings(tmp_path) -> Settings:
    settings = Settings(backup_folder=str(tmp_path / "backups"), backup_time="20:00", backup_keep=30)
    settings.save()
    return settings


def staff_emails(uow: UnitOfWork, admin) -> set[str]:  # type: ignore[no-untyped-def]
    return {member.email for member in staff_service.list_staff(uow, admin)}


def test_backup_change_restore_brings_the_data_back(engine, uow, target, admin, settings):
    before = staff_emails(uow, admin)
    stages: list[str] = []
    made = backup.back_up_now(UnitOfWork(engine), target, admin, settings, progress=stages.append)
    assert made.path.parent == Path(settings.backup_folder).resolve()
    assert made.name.startswith("homa-sunrise-clinic-") and made.name.endswith(".dump")
    assert made.size == made.path.stat().st_size > 0
    assert "Table users…" in stages
    assert not list(made.path.parent.glob("*.part"))  # written under a temporary name, then renamed

    clinic.set_clinic_name(uow, admin, "Renamed Clinic")
    staff_service.add_staff(uow, admin, new_staff(Role.RECEPTIONIST, email="late@clinic.example"))
    assert "late@clinic.example" in staff_emails(uow, admin)

    other_desk = engine_for(target.url)  # another desk on this computer, its pooled connection open
    assert clinic.clinic_name(UnitOfWork(other_desk)) == "Renamed Clinic"

    outcome = backup.restore_backup(UnitOfWork(engine), target, admin, made.path, settings)

    assert clinic.clinic_name(uow) == "Sunrise Clinic"
    assert clinic.clinic_name(UnitOfWork(other_desk)) == "Sunrise Clinic"  # reconnected to the restored data
    other_desk.dispose()
    assert staff_emails(uow, admin) == before
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert outcome.safety_copy.note == "before-restore"
    with uow:
        restored = uow.audit.for_entity("database", made.name)
    assert [entry.action for entry in restored] == ["backup_restored"]
    assert restored[0].after == {"schema_revision": migrate.head_revision()}

    backup.restore_backup(uow, target, admin, outcome.safety_copy.path, settings)  # the safety copy undoes it
    assert clinic.clinic_name(uow) == "Renamed Clinic"
    assert "late@clinic.example" in staff_emails(uow, admin)


def test_an_older_backup_comes_up_to_the_newest_schema(cluster, engine, target, admin, settings, tmp_path):
    old_url = cluster.owner_url(cluster.fresh_database(migrated=False))
    old_engine = engine_for(old_url)
    try:
        migrate.upgrade(old_engine, "0007")
        dumps.dump(old_url, tmp_path / "old.dump")
    finally:
        old_engine.dispose()
        cluster.drop(old_url)
    assert backup.inspect(tmp_path / "old.dump") == "0007"

    outcome = backup.restore_backup(UnitOfWork(engine), target, admin, tmp_path / "old.dump", settings)

    assert outcome.revision == "0007"
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_files_that_are_not_homa_desk_backups_are_refused(cluster, engine, target, admin, settings, tmp_path):
    (tmp_path / "notes.dump").write_text("this is not a database dump")
    (tmp_path / "empty.dump").write_bytes(b"")
    other_url = cluster.owner_url(cluster.fresh_database(migrated=False))
    with psycopg.connect(libpq(other_url), autocommit=True) as conn:
        conn.execute("CREATE TABLE inventory (id int PRIMARY KEY, item text)")
    try:
        with pytest.raises(dumps.NotAHomaDump):
            dumps.dump(other_url, tmp_path / "other.dump")  # the check after writing refuses it too
    finally:
        cluster.drop(other_url)
    assert not (tmp_path / "other.dump").exists()
    for name in ("notes.dump", "empty.dump", "missing.dump"):
        with pytest.raises(dumps.NotAHomaDump, match="not a Homa Desk backup"):
            backup.restore_backup(UnitOfWork(engine), target, admin, tmp_path / name, settings)
    assert backup.list_backups(Path(settings.backup_folder)) == []  # refused before any safety copy


def test_a_backup_from_a_newer_desk_is_refused(engine, owner_engine, target, admin, settings, tmp_path):
    with owner_engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    dumps.dump(target.url, tmp_path / "newer.dump")
    with owner_engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": migrate.head_revision()})
    with pytest.raises(DomainError, match="newer version of Homa Desk"):
        backup.restore_backup(UnitOfWork(engine), target, admin, tmp_path / "newer.dump", settings)


def test_only_an_admin_backs_up_or_restores(engine, target, receptionist, settings, tmp_path):
    with pytest.raises(PermissionDenied):
        backup.back_up_now(UnitOfWork(engine), target, receptionist, settings)
    with pytest.raises(PermissionDenied):
        backup.restore_backup(UnitOfWork(engine), target, receptionist, tmp_path / "any.dump", settings)
    with pytest.raises(PermissionDenied):
        backup.save_plan(receptionist, str(tmp_path), "20:00", "30")


def test_restore_refuses_a_remote_database(engine, db_url, admin, settings, tmp_path):
    with pytest.raises(DomainError, match="embedded database"):
        backup.restore_backup(UnitOfWork(engine), DatabaseTarget("remote", db_url), admin, tmp_path / "x.dump",
                              settings)


def fake_backup(folder: Path, moment: datetime, name: str = "sunrise-clinic") -> Path:
    path = folder / backup.backup_name(name, moment)
    path.write_bytes(b"old")
    return path


def test_scheduled_backup_runs_when_due_once_and_keeps_the_newest(engine, target, admin, settings, tmp_path):
    folder = Path(settings.backup_folder)
    folder.mkdir(parents=True)
    start = datetime(2026, 11, 1, 20, 0, tzinfo=CLINIC_TZ)
    olds = [fake_backup(folder, start + timedelta(days=day)) for day in range(4)]
    stranger = folder / "tax-return.pdf"
    stranger.write_bytes(b"not ours")
    settings.backup_keep = 3
    now = datetime(2026, 11, 26, 20, 5, tzinfo=CLINIC_TZ)

    outcome = backup.run_scheduled_backup(UnitOfWork(engine), target, settings, now=now)

    assert outcome.made is not None
    kept = backup.list_backups(folder)
    assert [f.path for f in kept] == [outcome.made.path, olds[3], olds[2]]
    assert stranger.exists()
    again = backup.run_scheduled_backup(UnitOfWork(engine), target, settings, now=now + timedelta(minutes=1))
    assert again.made is None and again.last_backup_at == backup.last_backup_at(UnitOfWork(engine))
    tomorrow = backup.run_scheduled_backup(UnitOfWork(engine), target, settings, now=now + timedelta(days=1))
    assert tomorrow.made is not None


def test_a_desk_waiting_for_the_lock_leaves_the_backup_to_the_other(engine, target, admin, settings):
    with engine.connect() as other_desk, other_desk.begin():
        other_desk.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": backup.BACKUP_LOCK})
        outcome = backup.run_scheduled_backup(UnitOfWork(engine), target, settings)
    assert outcome.made is None
    assert backup.list_backups(Path(settings.backup_folder)) == []


def test_due_after_the_slot_and_a_missed_day_runs_at_the_next_start():
    at = time(20, 0)
    morning = datetime(2026, 11, 26, 9, 0, tzinfo=CLINIC_TZ)
    evening = datetime(2026, 11, 26, 20, 1, tzinfo=CLINIC_TZ)
    yesterday_backup = datetime(2026, 11, 25, 20, 0, 30, tzinfo=CLINIC_TZ)
    assert backup.is_due(morning, at, None)
    assert not backup.is_due(morning, at, yesterday_backup)
    assert backup.is_due(evening, at, yesterday_backup)
    assert backup.is_due(morning, at, datetime(2026, 11, 24, 20, 0, tzinfo=CLINIC_TZ))  # desk closed at 20:00
    assert not backup.is_due(evening, None, None)
    assert backup.latest_slot(morning, at) == datetime(2026, 11, 25, 20, 0, tzinfo=CLINIC_TZ)


def test_the_plan_is_checked_field_by_field_and_saved(admin, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(FormErrors) as refused:
        backup.save_plan(admin, str(blocker / "sub"), "25:99", "0")
    assert set(refused.value.by_field()) == {"backup_folder", "backup_time", "backup_keep"}

    plan = backup.save_plan(admin, str(tmp_path / "b"), "21:30", "14")
    assert plan == backup.BackupPlan((tmp_path / "b").resolve(), time(21, 30), 14)
    assert Settings.load().backup_time == "21:30"
    off = backup.save_plan(admin, str(tmp_path / "b"), "", "14")
    assert off.daily_at is None
