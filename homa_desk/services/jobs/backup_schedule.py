"""When this desk asks for the daily backup: the schedule's decisions, with no timer and no Qt.

The desk checks once a minute (ui/backup_scheduler.py lends the timer and the worker thread). The first check
asks the backup service straight away, so a day missed while every desk was closed is backed up at the next start;
after that, only when the last backup this desk knows of is older than the latest slot. The service takes a
PostgreSQL advisory lock and re-reads the shared last-backup time, so of several open desks one backs up. A failure
is retried a quarter of an hour later.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from homa_desk.config import Settings
from homa_desk.services import backup
from homa_desk.services.backup import ScheduledOutcome

RETRY_AFTER = timedelta(minutes=15)


class BackupSchedule:
    """One desk's view of the daily backup: `should_run` before asking the service, then `done` or `failed`."""

    def __init__(self) -> None:
        self.last: datetime | None = None
        self.known = False  # True once the shared last-backup time has been read
        self.running = False
        self.retry_at: datetime | None = None

    def should_run(self, now: datetime, settings: Settings) -> bool:
        """True when the service should be asked now; the schedule then counts as running until answered."""
        if self.running:
            return False
        daily_at = backup.plan_from(settings).daily_at
        if daily_at is None or (self.retry_at is not None and now < self.retry_at):
            return False
        if self.known and not backup.is_due(now, daily_at, self.last):
            return False
        self.running = True
        return True

    def done(self, outcome: ScheduledOutcome) -> None:
        self.running = False
        self.retry_at = None
        self.last = outcome.last_backup_at
        self.known = outcome.last_backup_at is not None

    def failed(self, now: datetime) -> None:
        self.running = False
        self.retry_at = now + RETRY_AFTER
