"""Ask the gateway about one UPI session until it is settled, off the UI thread, one call at a time.

The next call is scheduled only when the previous one has answered (single-shot timer), so a slow gateway never
gets overlapping requests; the delay comes from PollSchedule: the interval, Retry-After on 429, back-off on errors.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from homa_desk.backend import Backend
from homa_desk.domain.billing import SessionStatus, UpiSession
from homa_desk.domain.errors import DomainError
from homa_desk.gateways.polling import PollSchedule
from homa_desk.services import upi_payments
from homa_desk.ui.common.changes import MONEY, Change
from homa_desk.ui.common.worker import CollectionOp

log = logging.getLogger(__name__)


class UpiPoller(QObject):
    """`session_changed` on every answer that moved the session; `paid` and then `ended` when it is settled
    (`ended` for every final status); `gateway_failed` with the error when a call failed and will be retried."""

    session_changed = Signal(object)
    paid = Signal(object)
    ended = Signal(object)
    gateway_failed = Signal(object)
    gateway_recovered = Signal()

    def __init__(self, backend: Backend, session: UpiSession, parent: QObject | None = None, *,
                 schedule: PollSchedule | None = None) -> None:
        super().__init__(parent)
        self._backend = backend
        self.session = session
        self.schedule = schedule or PollSchedule(backend.poll_interval)
        self.calls = 0
        self.busy = False
        self.failing = False
        self.running = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.poll_now)

    def start(self) -> None:
        if self.session.status.final:
            self._finish(self.session)
            return
        self.running = True
        self._timer.start(int(self.schedule.interval * 1000))

    def stop(self) -> None:
        self.running = False
        self._timer.stop()

    def poll_now(self) -> None:
        """One check now, unless one is already under way or polling has stopped."""
        if self.busy or not self.running:
            return
        self._timer.stop()
        self.busy = True
        self.calls += 1
        CollectionOp(self, money_moved, upi_payments.check_upi_payment, self._backend.uow(), self._backend.gateway,
                     self.session.id).success(self._checked).failure(self._failed).run_in_background()

    def adopt(self, session: UpiSession) -> None:
        """A session the desk got by other means (cancel, UTR confirmation): settle on it if it is final."""
        if session.id != self.session.id:
            return
        self._update(session)

    def _checked(self, session: UpiSession) -> None:
        self.busy = False
        if self.failing:
            self.failing = False
            self.gateway_recovered.emit()
        if not self._update(session):
            self._schedule(self.schedule.next_delay(None))

    def _failed(self, error: DomainError) -> None:
        self.busy = False
        self.failing = True
        log.warning("UPI session %s: check failed (%s); retrying", self.session.id, type(error).__name__)
        self.gateway_failed.emit(error)
        self._schedule(self.schedule.next_delay(error))

    def _update(self, session: UpiSession) -> bool:
        """True when the session is settled and polling has stopped."""
        if not self.running and self.session.status.final:
            return True
        changed = session != self.session
        self.session = session
        if changed:
            self.session_changed.emit(session)
        if session.status.final:
            self._finish(session)
            return True
        return False

    def _finish(self, session: UpiSession) -> None:
        self.stop()
        if session.status is SessionStatus.COMPLETED:
            self.paid.emit(session)
        self.ended.emit(session)

    def _schedule(self, seconds: float) -> None:
        if self.running:
            self._timer.start(max(1, int(seconds * 1000)))


def money_moved(session: UpiSession) -> tuple[Change, ...]:
    """What a UPI write changed: a session that ended (paid, held for review, cancelled, expired) moved money or
    freed its bill for another payment; one still open changed nothing a view shows."""
    return MONEY if session.status.final else ()
