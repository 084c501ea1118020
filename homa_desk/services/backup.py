"""Backups of the clinic's database into a folder the admin picks: by hand, daily at a chosen time, and restore.

Files are named `homa-<clinic>-<YYYYMMDD-HHMMSS>.dump` (clinic-local time), so a folder lists in date order and
pruning never touches anything else in it. The daily backup is taken by one desk only: the first to get a
PostgreSQL advisory lock; it then checks the shared `last_backup_at` again, so two desks never both back up.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

import platformdirs

from homa_desk.backend import DatabaseTarget
from homa_desk.config import Settings
from homa_desk.db import backup as dumps
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.errors import DomainError, FormErrors, ValidationError
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.timeutil import CLINIC_TZ, utcnow
from homa_desk.domain.validation import storable
from homa_desk.services import backup_manifest
from homa_desk.services.clinic import DEFAULT_NAME

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
BACKUP_LOCK = 7_316_008  # pg_advisory_xact_lock key: one desk takes the daily backup
LAST_BACKUP_KEY = "last_backup_at"
BEFORE_RESTORE = "before-restore"
DEFAULT_TIME = "20:00"
DEFAULT_KEEP = 30
_NAME = re.compile(r"^homa-(?P<clinic>[a-z0-9-]*?)-?(?P<stamp>\d{8}-\d{6})(?:-(?P<note>[a-z-]+))?\.dump$")


@dataclass(frozen=True)
class BackupFile:
    path: Path
    made_at: datetime  # tz-aware, from the name
    size: int
    note: str = ""

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class BackupPlan:
    """This desk's backup settings, checked."""

    folder: Path
    daily_at: time | None  # None: no scheduled backup
    keep: int


@dataclass(frozen=True)
class ScheduledOutcome:
    last_backup_at: datetime | None
    made: BackupFile | None  # None when it was not due, or another desk holds the lock


@dataclass(frozen=True)
class RestoreOutcome:
    restored: str
    revision: str | None
    safety_copy: BackupFile


def default_folder() -> Path:
    return platformdirs.user_documents_path() / "Homa Desk backups"


def plan_from(settings: Settings) -> BackupPlan:
    """The plan in the settings file, or the defaults for whatever is unreadable there."""
    folder = Path(settings.backup_folder).expanduser() if settings.backup_folder else default_folder()
    try:
        daily_at = parse_time(settings.backup_time)
    except ValidationError:
        daily_at = parse_time(DEFAULT_TIME)
    keep = settings.backup_keep if isinstance(settings.backup_keep, int) and settings.backup_keep > 0 \
        else DEFAULT_KEEP
    return BackupPlan(folder, daily_at, keep)


def parse_time(value: str) -> time | None:
    raw = (value or "").strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%H:%M").time()
    except ValueError:
        raise ValidationError("backup_time", "Enter the time as HH:MM, for example 20:30.") from None


def save_plan(actor: Actor, folder: str, daily_at: str, keep: str | int, *, path: Path | None = None) -> BackupPlan:
    """Check the three fields together and write them to this desk's settings file."""
    actor.require(Role.ADMIN)
    errors: list[ValidationError] = []
    checked_folder = checked_time = checked_keep = None
    try:
        checked_folder = _writable_folder(folder)
    except ValidationError as error:
        errors.append(error)
    try:
        checked_time = parse_time(daily_at)
    except ValidationError as error:
        errors.append(error)
    try:
        checked_keep = int(str(keep).strip())
        if not 1 <= checked_keep <= 365:
            raise ValueError
    except ValueError:
        errors.append(ValidationError("backup_keep", "Keep between 1 and 365 backups."))
    if errors:
        raise FormErrors(errors)
    settings = Settings.load(path)
    settings.backup_folder = str(checked_folder)
    settings.backup_time = checked_time.strftime("%H:%M") if checked_time else ""
    settings.backup_keep = checked_keep
    settings.save(path)
    log.info("backup plan saved by user %s", actor.user_id)
    return plan_from(settings)


def list_backups(folder: Path) -> list[BackupFile]:
    """The desk's backups in `folder`, newest first; other files are ignored."""
    found = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for path in entries:
        match = _NAME.match(path.name)
        if not match or not path.is_file():
            continue
        made_at = datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S").replace(tzinfo=CLINIC_TZ)
        stat = path.stat()
        found.append((made_at, stat.st_mtime_ns, BackupFile(path, made_at, stat.st_size, match["note"] or "")))
    return [entry[2] for entry in sorted(found, key=lambda entry: entry[:2], reverse=True)]


def backup_name(clinic: str, moment: datetime, note: str = "") -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", clinic.lower()).strip("-")[:40].strip("-") or "clinic"
    stamp = moment.astimezone(CLINIC_TZ).strftime("%Y%m%d-%H%M%S")
    return f"homa-{slug}-{stamp}{'-' + note if note else ''}.dump"


def latest_slot(now: datetime, daily_at: time) -> datetime:
    """The most recent moment, at or before `now`, when the daily backup was due (clinic-local time)."""
    local = now.astimezone(CLINIC_TZ)
    slot = datetime.combine(local.date(), daily_at, tzinfo=CLINIC_TZ)
    return slot if slot <= local else slot - timedelta(days=1)


def is_due(now: datetime, daily_at: time | None, last_backup_at: datetime | None) -> bool:
    """Due when no backup was made since the latest slot: a day missed while every desk was closed runs now."""
    if daily_at is None:
        return False
    return last_backup_at is None or last_backup_at < latest_slot(now, daily_at)


def back_up_now(uow: UnitOfWork, target: DatabaseTarget, actor: Actor, settings: Settings, *,
                progress: Progress | None = None) -> BackupFile:
    """The admin's "Back up now"."""
    uow.confirm(actor, Role.ADMIN)
    plan = plan_from(settings)
    made = make_backup(uow, target, plan.folder, plan.keep, progress=progress)
    log.info("backup made by user %s (%d bytes)", actor.user_id, made.size)
    return made


def make_backup(uow: UnitOfWork, target: DatabaseTarget, folder: Path, keep: int, *, note: str = "",
                progress: Progress | None = None, moment: datetime | None = None) -> BackupFile:
    """Dump, check, keep the newest `keep` backups, and note the time for every desk. No role check: the daily
    schedule and the command line call this directly; the desk's buttons go through the admin-only services."""
    folder = _writable_folder(str(folder))
    with uow:
        clinic = uow.settings.get("clinic_name") or DEFAULT_NAME
    moment = moment or utcnow()
    path = folder / backup_name(clinic, moment, note)
    while path.exists():  # two backups in one second: the second takes the next second's name
        moment += timedelta(seconds=1)
        path = folder / backup_name(clinic, moment, note)
    if progress:
        progress("Backing up…")
    size = backup_manifest.dump_with_manifest(target.tools_url, path, moment, progress=progress).size
    with uow:
        uow.settings.put(LAST_BACKUP_KEY, moment.isoformat())
        uow.commit()
    made = BackupFile(path, moment.astimezone(CLINIC_TZ).replace(microsecond=0), size, note)
    prune(folder, keep, spare=made.path)
    return made


def prune(folder: Path, keep: int, *, spare: Path | None = None) -> list[Path]:
    """Delete all but the newest `keep` backups (never `spare`); returns what was deleted."""
    deleted = []
    for old in list_backups(folder)[keep:]:
        if old.path == spare:
            continue
        try:
            old.path.unlink()
            backup_manifest.manifest_path(old.path).unlink(missing_ok=True)
            deleted.append(old.path)
        except OSError as error:
            log.warning("could not delete an old backup: %s", type(error).__name__)
    return deleted


def last_backup_at(uow: UnitOfWork) -> datetime | None:
    with uow.reading(None):
        raw = uow.settings.get(LAST_BACKUP_KEY)
    return datetime.fromisoformat(raw) if raw else None


def run_scheduled_backup(uow: UnitOfWork, target: DatabaseTarget, settings: Settings, *,
                         now: datetime | None = None) -> ScheduledOutcome:
    """The daily backup, if it is due and no other desk is taking it right now."""
    plan = plan_from(settings)
    now = now or utcnow()
    with dumps.advisory_lock(uow, BACKUP_LOCK) as ours:
        if not ours:
            log.info("another desk is taking the daily backup")
            return ScheduledOutcome(None, None)
        last = last_backup_at(uow)
        if not is_due(now, plan.daily_at, last):
            return ScheduledOutcome(last, None)
        made = make_backup(uow, target, plan.folder, plan.keep, moment=now)
    log.info("daily backup made (%d bytes)", made.size)
    return ScheduledOutcome(made.made_at, made)


def inspect(path: Path) -> str | None:
    """The schema revision of a Homa Desk dump; NotAHomaDump, or a refusal when a newer desk made it."""
    dumps.check_homa_dump(path)
    revision = dumps.schema_revision(path)
    if revision is not None and revision not in dumps.known_revisions():
        raise DomainError("“{name}” was made by a newer version of Homa Desk (schema {revision}). Update this desk, "
                          "then restore it.", name=path.name, revision=revision)
    return revision


def restore_backup(uow: UnitOfWork, target: DatabaseTarget, actor: Actor | None, path: Path, settings: Settings, *,
                   progress: Progress | None = None) -> RestoreOutcome:
    """Replace the database with a backup, after a safety backup of today's data. `actor` None: the command line.

    The restored database is brought to this desk's schema, and the restore is written to its audit log.
    """
    if actor is not None:
        uow.confirm(actor, Role.ADMIN)
    if target.kind != "embedded":
        raise DomainError("Restore works on the embedded database. A remote database (Neon) is restored from "
                          "its provider's own backups.")
    revision = inspect(path)
    plan = plan_from(settings)
    if progress:
        progress("Saving a safety copy of today's data…")
    safety = make_backup(uow, target, plan.folder, max(plan.keep, len(list_backups(plan.folder)) + 1),
                         note=BEFORE_RESTORE, progress=progress)
    if progress:
        progress("Restoring…")
    with tempfile.TemporaryDirectory(prefix="homa-restore-") as private:
        local = Path(private) / "restore.dump"  # the chosen file may be on a USB stick or a share: copy it first
        shutil.copyfile(path, local)
        uow.drop_connections()
        dumps.replace_database(local, target.schema_url, progress=progress)  # the owner creates and swaps
    uow.drop_connections()
    with uow:
        member = uow.staff.get(actor.user_id) if actor is not None else None
        known = actor if (member is not None and actor is not None and member.email == actor.email
                          and member.is_active and member.role is actor.role) else None
        before = {"safety_copy": safety.name}
        if actor is not None and known is None:
            before["restored_by"] = actor.full_name  # the backup predates this account, or has it disabled
        uow.audit.record(known, "backup_restored", "database", path.name[:64], before=before,
                         after={"schema_revision": revision})
        uow.commit()
    log.info("backup restored (schema %s)", revision)
    return RestoreOutcome(path.name, revision, safety)


def _writable_folder(raw: str) -> Path:
    text_value = (raw or "").strip()
    if not text_value:
        raise ValidationError("backup_folder", "Choose the folder for the backups.")
    folder = Path(storable(text_value, "backup_folder", "The folder"))
    try:
        folder = folder.expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".homa-write-test-"):
            pass
    except (OSError, RuntimeError):  # RuntimeError: ~name of a user this machine does not have
        raise ValidationError("backup_folder", "Homa Desk cannot write to this folder; choose another.") from None
    return folder.resolve()
