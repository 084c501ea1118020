"""The daily backup while a desk is open: a minute timer over the schedule in services/jobs/backup_schedule.py,
which decides when the backup service is asked; the service runs on the worker pool, never on the UI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from homa_desk.backend import Backend
from homa_desk.config import Settings
from homa_desk.domain.errors import DomainError
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import backup
from homa_desk.services.backup import ScheduledOutcome
from homa_desk.services.jobs.backup_schedule import RETRY_AFTER, BackupSchedule
from homa_desk.ui.common.worker import QueryOp

log = logging.getLogger(__name__)

CHECK_INTERVAL_MS = 60_000


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
        self.schedule = BackupSchedule()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)

    @property
    def running(self) -> bool:
        return self.schedule.running

    def start(self) -> None:
        self._timer.start()
        self.check()

    def stop(self) -> None:
        self._timer.stop()

    def check(self) -> None:
        """Start the backup service in the background when the schedule says a backup may be due."""
        settings = self._load_settings()
        now = self._clock()
        if not self.schedule.should_run(now, settings):
            return
        op = QueryOp(self, backup.run_scheduled_backup, self._backend.uow(), self._backend.target, settings, now=now)
        op.success(self._done).failure(self._failed).run_in_background()

    def _done(self, outcome: ScheduledOutcome) -> None:
        self.schedule.done(outcome)
        if outcome.made is not None:
            self.backup_made.emit(outcome.made)

    def _failed(self, error: DomainError) -> None:
        self.schedule.failed(self._clock())
        log.warning("daily backup failed; retrying in %d minutes: %s", RETRY_AFTER.seconds // 60, error.message)
        self.backup_failed.emit(error.message)
