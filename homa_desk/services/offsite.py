"""The nightly off-site copy: the latest local backup loaded into a remote PostgreSQL (Neon or any), checked by row
counts against its manifest, with the result kept where every desk of the clinic sees it.

The URL lives in this desk's settings file without its password; the password is in this computer's keyring. The
copy's state (last good copy, last failure, retries) is one clinic setting, written under the advisory lock that
makes one desk at a time do the copy. A failed copy is retried after 5 minutes, 15 minutes and an hour, then at the
next night's time; the remote keeps the previous good copy throughout (db/offsite.py).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from homa_desk.backend import DatabaseTarget
from homa_desk.config import Settings
from homa_desk.db import backup as dumps
from homa_desk.db import offsite as remote
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.db.urls import direct_url, keyring_name, parse_database_url, without_password
from homa_desk.domain.errors import DomainError, FormErrors, ValidationError
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.timeutil import CLINIC_TZ, utcnow
from homa_desk.secret_store import SecretStoreUnavailable, get_secret, set_secret
from homa_desk.services import backup, backup_manifest

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
OFFSITE_LOCK = 7_316_014  # pg_advisory_xact_lock key: one desk makes the off-site copy
STATE_KEY = "offsite_copy"
FIELD = "offsite_url"
RETRIES = (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))  # then the next night
MISSED_AFTER = timedelta(hours=2)  # a night's time this long past with no good copy since: flagged as missed
FRESH_BACKUP = timedelta(hours=24)  # a newer local backup with its manifest is copied as it is


@dataclass(frozen=True)
class OffsitePlan:
    url: str  # without the password; "" = not set
    daily_at: time
    enabled: bool


@dataclass(frozen=True)
class CopyResult:
    at: datetime  # when the copy was checked
    made_at: datetime  # when the backup it holds was taken
    size: int
    tables: int
    rows: int
    database: str


@dataclass(frozen=True)
class CopyFailure:
    at: datetime
    key: str  # the English message with {placeholders}; the desk translates it
    params: dict[str, str] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return self.key.format(**self.params) if self.params else self.key


@dataclass(frozen=True)
class OffsiteState:
    """What every desk knows of the clinic's off-site copy (one clinic setting)."""

    enabled: bool = False
    daily_at: time | None = None
    enabled_at: datetime | None = None
    last_good: CopyResult | None = None
    last_failure: CopyFailure | None = None
    failures: int = 0  # failures since the last good copy, in this night's round
    retry_at: datetime | None = None

    @property
    def failing(self) -> bool:
        return self.last_failure is not None and (self.last_good is None or self.last_failure.at > self.last_good.at)

    def missed(self, now: datetime) -> bool:
        """A night's time passed more than two hours ago with no good copy since (while the schedule was on)."""
        if not self.enabled or self.daily_at is None:
            return False
        slot = backup.latest_slot(now, self.daily_at)
        if now - slot < MISSED_AFTER:
            slot -= timedelta(days=1)
        since = self.last_good.at if self.last_good else self.enabled_at
        return since is not None and since < slot

    def due(self, now: datetime) -> bool:
        if not self.enabled or self.daily_at is None:
            return False
        if self.retry_at is not None and now < self.retry_at:
            return False
        return self.last_good is None or self.last_good.at < backup.latest_slot(now, self.daily_at)

    def next_check(self, now: datetime) -> datetime:
        """When a desk should ask again (never later than the next night's time)."""
        if self.daily_at is None or not self.enabled:
            return now + timedelta(hours=1)
        if self.due(now):
            return now
        upcoming = backup.latest_slot(now, self.daily_at) + timedelta(days=1)
        if self.retry_at is not None and self.retry_at > now:
            return min(self.retry_at, upcoming)
        return upcoming


@dataclass(frozen=True)
class ScheduledCopy:
    state: OffsiteState
    made: CopyResult | None  # None: not due, or another desk holds the lock
    next_check: datetime


@dataclass(frozen=True)
class OffsiteCheck:
    host: str
    version: str
    latest: CopyResult | None


@dataclass(frozen=True)
class RestoredCopy:
    backend: Any  # homa_desk.backend.Backend, open on the restored embedded database
    copy: CopyResult


# the plan on this desk


def plan_from(settings: Settings) -> OffsitePlan:
    try:
        daily_at = backup.parse_time(settings.offsite_time) or time(23, 30)
    except ValidationError:
        daily_at = time(23, 30)
    return OffsitePlan(settings.offsite_url or "", daily_at, bool(settings.offsite_enabled and settings.offsite_url))


def secret_name(url: URL) -> str:
    """The keyring entry of the off-site copy's password (apart from a database this desk uses)."""
    return "offsite:" + keyring_name(url)


def save_offsite(uow: UnitOfWork, actor: Actor, raw_url: str, password: str, daily_at: str, enabled: bool, *,
                 path: Path | None = None, now: datetime | None = None) -> OffsitePlan:
    """Check the fields, keep the password in the keyring and the rest in this desk's settings file; tell every
    desk the schedule (so a missed night is flagged everywhere)."""
    uow.confirm(actor, Role.ADMIN)
    errors: list[ValidationError] = []
    url: URL | None = None
    checked_time: time | None = None
    if raw_url.strip() or enabled:
        try:
            url = parse_database_url(raw_url, FIELD)
        except ValidationError as error:
            errors.append(error)
    try:
        checked_time = backup.parse_time(daily_at)
        if checked_time is None:
            raise ValidationError("offsite_time", "Enter the time as HH:MM, for example 20:30.")
    except ValidationError as error:
        errors.append(ValidationError("offsite_time", error.key, **error.params))
    if errors:
        raise FormErrors(errors)
    assert checked_time is not None
    if url is not None:
        secret = password or url.password
        try:
            if secret:
                set_secret(secret_name(url), secret)
        except SecretStoreUnavailable as error:
            raise ValidationError("offsite_password", error.key) from None
    settings = Settings.load(path)
    settings.offsite_url = _plain(url) if url is not None else ""
    settings.offsite_time = checked_time.strftime("%H:%M")
    settings.offsite_enabled = bool(enabled and url is not None)
    settings.save(path)
    with uow:
        state = _read(uow)
        turned_on = settings.offsite_enabled and not state.enabled
        _write(uow, OffsiteState(settings.offsite_enabled, checked_time,
                                 (now or utcnow()) if turned_on else state.enabled_at, state.last_good,
                                 state.last_failure, state.failures, None))
        uow.commit()
    log.info("off-site copy plan saved by user %s (on: %s)", actor.user_id, settings.offsite_enabled)
    return plan_from(settings)


def test_connection(uow: UnitOfWork, actor: Actor, raw_url: str, password: str = "") -> OffsiteCheck:
    """Connect with what the admin typed (nothing is stored); refused at the URL field with the reason."""
    uow.confirm(actor, Role.ADMIN)
    url = _url(raw_url, password)
    try:
        found = remote.check(url)
    except remote.Unreachable as refused:
        raise ValidationError(FIELD, "Cannot connect: {reason}", reason=refused.reason) from None
    if not found.can_create_databases:
        raise ValidationError(FIELD, "The role {user} may not create databases there. The off-site copy keeps each "
                              "night's copy in a database of its own: use the database's owner (on Neon, a role "
                              "made in the console).", user=url.username or "")
    return OffsiteCheck(url.host or "localhost", found.version, _result(found.latest) if found.latest else None)


# status


def copy_status(uow: UnitOfWork, actor: Actor) -> OffsiteState:
    """The clinic's off-site copy state, for an admin (Settings and the header)."""
    with uow.reading(actor, Role.ADMIN):
        return _read(uow)


# the copy


def copy_now(uow: UnitOfWork, target: DatabaseTarget, actor: Actor, settings: Settings, *,
             progress: Progress | None = None) -> CopyResult:
    """The admin's "Copy now": a copy whether or not one is due; a failure is recorded and retried like the night's."""
    uow.confirm(actor, Role.ADMIN)
    with dumps.advisory_lock(uow, OFFSITE_LOCK) as ours:
        if not ours:
            raise DomainError("Another desk is making the off-site copy right now; try again in a few minutes.")
        return _copy_recorded(uow, target, settings, utcnow(), progress)


def run_scheduled_copy(uow: UnitOfWork, target: DatabaseTarget, settings: Settings, *,
                       now: datetime | None = None) -> ScheduledCopy:
    """The night's copy (or a retry) if it is due and no other desk is making it. No role check: the desk's own
    schedule calls it. A failure is recorded (and raised) for the header and Settings to show."""
    now = now or utcnow()
    with dumps.advisory_lock(uow, OFFSITE_LOCK) as ours:
        with uow.reading(None):
            state = _read(uow)
        if not ours:
            return ScheduledCopy(state, None, now + RETRIES[0])
        if not plan_from(settings).enabled or not state.due(now):
            return ScheduledCopy(state, None, state.next_check(now))
        made = _copy_recorded(uow, target, settings, now, None)
    with uow.reading(None):
        state = _read(uow)
    return ScheduledCopy(state, made, state.next_check(now))


def _copy_recorded(uow: UnitOfWork, target: DatabaseTarget, settings: Settings, now: datetime,
                   progress: Progress | None) -> CopyResult:
    try:
        made = _copy(uow, target, settings, now, progress)
    except DomainError as error:
        _record_failure(uow, settings, now, error)
        raise
    except Exception as error:  # an unexpected failure is still recorded, never silent
        log.exception("the off-site copy failed unexpectedly")
        failure = DomainError("The off-site copy failed: {reason}", reason=type(error).__name__)
        _record_failure(uow, settings, now, failure)
        raise failure from error
    with uow:
        state = _read(uow)
        _write(uow, OffsiteState(state.enabled, state.daily_at, state.enabled_at, made, state.last_failure, 0, None))
        uow.audit.record(None, "offsite_copy_made", "database", made.database[:64],
                         after={"tables": made.tables, "rows": made.rows, "size": made.size})
        uow.commit()
    log.info("off-site copy made: %d tables, %d rows, %d bytes", made.tables, made.rows, made.size)
    return made


def _copy(uow: UnitOfWork, target: DatabaseTarget, settings: Settings, now: datetime,
          progress: Progress | None) -> CopyResult:
    if target.kind != "embedded":
        raise DomainError("This desk's data is on a remote server already; its provider keeps the off-site "
                          "backups.")
    plan = plan_from(settings)
    if not plan.url:
        raise ValidationError(FIELD, "Enter the off-site database's URL first.")
    url = _url(plan.url, "")
    dump, manifest = _latest_backup(uow, target, settings, now, progress)
    if progress:
        progress("Loading the backup into {host}…".format(host=url.host or "localhost"))
    try:
        name = remote.start_copy(url, manifest.made_at, now)
    except remote.Unreachable as refused:
        raise DomainError("Cannot connect to the off-site database: {reason}", reason=refused.reason) from None
    copy_url = url.set(database=name)
    try:
        dumps.restore(dump, copy_url, progress=progress)
        if progress:
            progress("Checking every table…")
        found = remote.count_rows(copy_url)
        _require_same(manifest.counts, found)
        result = CopyResult(now, manifest.made_at, manifest.size, len(found), sum(found.values()), name)
        remote.mark_good(url, name, loaded_at=result.at, size=result.size, schema_revision=manifest.schema_revision,
                         counts=manifest.counts)
    except remote.Unreachable as refused:
        remote.discard(url, name)
        raise DomainError("The off-site database stopped answering: {reason}", reason=refused.reason) from None
    except BaseException:
        remote.discard(url, name)
        raise
    return result


def _latest_backup(uow: UnitOfWork, target: DatabaseTarget, settings: Settings, now: datetime,
                   progress: Progress | None) -> tuple[Path, backup_manifest.Manifest]:
    """The newest local backup when it is recent and has its manifest; otherwise a new backup."""
    plan = backup.plan_from(settings)
    newest = next(iter(backup.list_backups(plan.folder)), None)
    if newest is not None and now - newest.made_at <= FRESH_BACKUP:
        manifest = backup_manifest.read(newest.path)
        if manifest is not None:
            return newest.path, manifest
    made = backup.make_backup(uow, target, plan.folder, plan.keep, progress=progress, moment=now)
    manifest = backup_manifest.read(made.path)
    if manifest is None:
        raise DomainError("The backup's manifest could not be read back; check the backup folder.")
    return made.path, manifest


def _require_same(expected: dict[str, int], found: dict[str, int]) -> None:
    differing = sorted(t for t in expected.keys() | found.keys() if expected.get(t) != found.get(t))
    if differing:
        names = ", ".join(t.removeprefix("public.") for t in differing[:5])
        raise DomainError("The copy does not match the backup in {count} table(s) ({names}).",
                          count=len(differing), names=names)


def _record_failure(uow: UnitOfWork, settings: Settings, now: datetime, error: DomainError) -> None:
    with uow:
        state = _read(uow)
        daily_at = state.daily_at or plan_from(settings).daily_at
        round_start = backup.latest_slot(now, daily_at)
        earlier = state.failures if state.last_failure and state.last_failure.at >= round_start else 0
        failures = earlier + 1
        retry_at = now + RETRIES[failures - 1] if failures <= len(RETRIES) else round_start + timedelta(days=1)
        failure = CopyFailure(now, error.key, {k: str(v) for k, v in error.params.items()})
        _write(uow, OffsiteState(state.enabled, state.daily_at, state.enabled_at, state.last_good, failure, failures,
                                 retry_at))
        uow.commit()
    log.warning("off-site copy failed (%d in a row); next try %s: %s", failures, retry_at.isoformat(),
                failure.reason)


# restore on a new computer


def restore_to_new_computer(raw_url: str, password: str, *, data_dir: Path | None = None,
                            settings_path: Path | None = None, progress: Progress | None = None) -> RestoredCopy:
    """The set-up wizard's "Restore from the off-site copy": the latest good copy into this computer's new embedded
    database, checked table by table against the copy's manifest; then the desk signs in with the clinic's
    accounts. Refused when this computer already has a clinic."""
    from homa_desk.connect import open_embedded  # lazy: starts the embedded server

    url = _url(raw_url, password)
    try:
        latest = remote.latest_good(url)
    except remote.Unreachable as refused:
        raise ValidationError(FIELD, "Cannot connect: {reason}", reason=refused.reason) from None
    if latest is None:
        raise ValidationError(FIELD, "That database holds no off-site copy made by Homa Desk.")
    copy_url = url.set(database=latest.database)
    with tempfile.TemporaryDirectory(prefix="homa-offsite-") as private:
        local_dump = Path(private) / "offsite.dump"
        if progress:
            progress("Downloading the off-site copy…")
        try:
            remote_counts = remote.download(copy_url, local_dump, progress=progress)
        except remote.Unreachable as refused:
            raise DomainError("Cannot read the off-site copy: {reason}", reason=refused.reason) from None
        _require_same(latest.counts, remote_counts)
        if progress:
            progress("Restoring into this computer's database…")
        backend = open_embedded(data_dir)
        try:
            uow = backend.uow()
            with uow.reading(None):
                if uow.staff.clinic_had_admin():
                    raise DomainError("This computer already has a clinic. Restore from the off-site copy is for a "
                                      "new computer; use Settings → Backup to restore here.")
            uow.drop_connections()
            dumps.replace_database(local_dump, backend.target.schema_url, progress=progress)
            uow.drop_connections()
            if progress:
                progress("Checking every table…")
            with dumps.connect(backend.target.schema_url) as conn:
                here = dumps.row_counts(conn)
            _require_same(latest.counts, {t: n for t, n in here.items() if t in latest.counts})
            with uow:
                uow.audit.record(None, "offsite_copy_restored", "database", latest.database[:64],
                                 after={"tables": len(latest.counts), "rows": sum(latest.counts.values())})
                uow.commit()
        except BaseException:
            backend.close()
            raise
    _remember(url, settings_path)
    copy = _result(latest)
    log.info("off-site copy restored on this computer: %d tables, %d rows", copy.tables, copy.rows)
    return RestoredCopy(backend, copy)


def _remember(url: URL, settings_path: Path | None) -> None:
    """The new computer keeps the off-site URL (off until an admin turns it on) and its password in the keyring."""
    if url.password:
        try:
            set_secret(secret_name(url), url.password)
        except SecretStoreUnavailable:
            log.warning("no keyring: the off-site copy's password is not kept on this computer")
    settings = Settings.load(settings_path)
    settings.database_url = None
    settings.offsite_url = _plain(url)
    settings.offsite_enabled = False
    settings.save(settings_path)


# helpers


def _url(raw_url: str, password: str) -> URL:
    """The copy's server itself (a Neon pooled host becomes its direct host: the load and the exported snapshot
    need one server session), with its password from the field or the keyring (kept under the URL as typed)."""
    url = parse_database_url(raw_url, FIELD)
    if password:
        url = url.set(password=password)
    elif url.password is None and url.username:
        try:
            stored = get_secret(secret_name(url))
        except SecretStoreUnavailable:
            stored = None
        if stored:
            url = url.set(password=stored)
    return direct_url(url)


def _plain(url: URL) -> str:
    return without_password(url.set(drivername="postgresql"))


def _result(copy: remote.RemoteCopy) -> CopyResult:
    return CopyResult(copy.loaded_at, copy.made_at, copy.size, len(copy.counts), sum(copy.counts.values()),
                      copy.database)


def _read(uow: UnitOfWork) -> OffsiteState:
    raw = uow.settings.get(STATE_KEY) or {}
    try:
        good = raw.get("last_good")
        bad = raw.get("last_failure")
        return OffsiteState(
            enabled=bool(raw.get("enabled")),
            daily_at=backup.parse_time(raw["daily_at"]) if raw.get("daily_at") else None,
            enabled_at=_when(raw.get("enabled_at")),
            last_good=CopyResult(_when(good["at"]), _when(good["made_at"]), int(good["size"]), int(good["tables"]),
                                 int(good["rows"]), str(good["database"])) if good else None,
            last_failure=CopyFailure(_when(bad["at"]), str(bad["key"]), dict(bad.get("params") or {}))
            if bad else None,
            failures=int(raw.get("failures") or 0),
            retry_at=_when(raw.get("retry_at")),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        log.warning("the off-site copy's state was unreadable; starting afresh")
        return OffsiteState()


def _write(uow: UnitOfWork, state: OffsiteState) -> None:
    good, bad = state.last_good, state.last_failure
    uow.settings.put(STATE_KEY, {
        "enabled": state.enabled,
        "daily_at": state.daily_at.strftime("%H:%M") if state.daily_at else None,
        "enabled_at": _iso(state.enabled_at),
        "last_good": None if good is None else {
            "at": good.at.isoformat(), "made_at": good.made_at.isoformat(), "size": good.size,
            "tables": good.tables, "rows": good.rows, "database": good.database},
        "last_failure": None if bad is None else {"at": bad.at.isoformat(), "key": bad.key, "params": bad.params},
        "failures": state.failures,
        "retry_at": _iso(state.retry_at),
    })


def _when(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw).astimezone(CLINIC_TZ) if raw else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
