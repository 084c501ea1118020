"""The nightly off-site copy while a desk is open: a minute timer that asks the off-site service when the last answer
said to (the service decides what is due, retries with backoff and records every failure for the header)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from homa_desk.backend import Backend
from homa_desk.config import Settings
from homa_desk.domain.errors import DomainError
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import offsite
from homa_desk.services.offsite import RETRIES, ScheduledCopy
from homa_desk.ui.common.worker import QueryOp

log = logging.getLogger(__name__)

CHECK_INTERVAL_MS = 60_000


class OffsiteScheduler(QObject):
    copy_made = Signal(object)  # CopyResult
    copy_failed = Signal(str)

    def __init__(self, backend: Backend, *, interval_ms: int = CHECK_INTERVAL_MS,
                 load_settings: Callable[[], Settings] = Settings.load,
                 clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__()
        self._backend = backend
        self._load_settings = load_settings
        self._clock = clock
        self.running = False
        self.next_check: datetime | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        self._timer.start()
        self.check()

    def stop(self) -> None:
        self._timer.stop()

    def check(self) -> None:
        """Ask the service in the background when the copy may be due (never on a desk whose data is remote)."""
        settings = self._load_settings()
        now = self._clock()
        if self.running or self._backend.target.kind != "embedded" or not offsite.plan_from(settings).enabled:
            return
        if self.next_check is not None and now < self.next_check:
            return
        self.running = True
        op = QueryOp(self, offsite.run_scheduled_copy, self._backend.uow(), self._backend.target, settings, now=now)
        op.success(self._done).failure(self._failed).run_in_background()

    def _done(self, outcome: ScheduledCopy) -> None:
        self.running = False
        self.next_check = outcome.next_check
        if outcome.made is not None:
            self.copy_made.emit(outcome.made)

    def _failed(self, error: DomainError) -> None:
        self.running = False
        self.next_check = self._clock() + RETRIES[0]
        log.warning("off-site copy failed: %s", error.message)
        self.copy_failed.emit(error.message)
