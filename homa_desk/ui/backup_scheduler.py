"""The daily backup while a desk is open: a minute timer that asks the backup service only when a backup is due.

The first check runs at start, so a day missed while every desk was closed is backed up at the next start. The
service takes a PostgreSQL advisory lock and re-reads the shared last-backup time, so of several open desks one
backs up. A failure is logged and retried a quarter of an hour later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import QObject, QTimer, Signal

from homa_desk.backend import Backend
from homa_desk.config import Settings
from homa_desk.domain.errors import DomainError
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import backup
from homa_desk.services.backup import ScheduledOutcome
from homa_desk.ui.worker import run_in_background

log = logging.getLogger(__name__)

CHECK_INTERVAL_MS = 60_000
RETRY_AFTER = timedelta(minutes=15)


class BackupScheduler(QObject):
    backup_made = Signal(object)  # BackupFile
    backup_failed = Signal(str)

    def __init__(self, backend: Backend, *, interval_ms: int = CHECK_INTERVAL_MS,
                 load_settings: Callable[[], Settings] = Settings.load,
                 clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__()
        self._backend = backend
        self._load_settings = load_settings
        self._clock = clock
        self._last: datetime | None = None
        self._known = False  # True once the shared last-backup time has been read
        self._running = False
        self._retry_at: datetime | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        self._timer.start()
        self.check()

    def stop(self) -> None:
        self._timer.stop()

    def check(self) -> None:
        """Start the backup service in the background when the local view says a backup may be due."""
        if self._running:
            return
        settings = self._load_settings()
        plan = backup.plan_from(settings)
        now = self._clock()
        if plan.daily_at is None or (self._retry_at is not None and now < self._retry_at):
            return
        if self._known and not backup.is_due(now, plan.daily_at, self._last):
            return
        self._running = True
        run_in_background(self, backup.run_scheduled_backup, self._backend.uow(), self._backend.target, settings,
                          now=now, on_success=self._done, on_failure=self._failed)

    def _done(self, outcome: ScheduledOutcome) -> None:
        self._running = False
        self._retry_at = None
        self._last = outcome.last_backup_at
        self._known = outcome.last_backup_at is not None
        if outcome.made is not None:
            self.backup_made.emit(outcome.made)

    def _failed(self, error: DomainError) -> None:
        self._running = False
        self._retry_at = self._clock() + RETRY_AFTER
        log.warning("daily backup failed; retrying in %d minutes: %s", RETRY_AFTER.seconds // 60, error.message)
        self.backup_failed.emit(error.message)
