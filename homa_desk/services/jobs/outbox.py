"""The background sender: a plain thread with a stop event that delivers the outbox and runs the scheduled jobs.

It never touches a widget, so the desk stays responsive when a provider is slow or down; every tick reloads the
settings and secrets, so a channel set up in Settings → Setup starts working without a restart. After sending, it asks
the providers that can be asked how recent messages fared (message_channels.poll_delivery). The receipt PDF is
rendered on this thread, at send time, by the renderer the desk lends (`render_attachment`, from ui/billing/receipt.py:
QTextDocument and QPrinter work off the UI thread); without one, e-mails go without the PDF.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from homa_desk.backend import Backend
from homa_desk.config import Settings
from homa_desk.domain.notifications import Channel
from homa_desk.domain.timeutil import to_local, utcnow
from homa_desk.gateways.messaging import MessageSender, StatusChecker
from homa_desk.gateways.senders import senders_from_settings
from homa_desk.secret_store import SecretStoreUnavailable
from homa_desk.services import message_channels, notifications
from homa_desk.services.notifications import AttachmentRenderer

log = logging.getLogger(__name__)
RESTING_INTERVAL = 1800.0  # seconds between rounds while nobody uses the desk (a remote compute may suspend)

SendersFactory = Callable[[Settings], Mapping[Channel, MessageSender]]


class OutboxSender:
    def __init__(self, backend: Backend, *, settings_loader: Callable[[], Settings] = Settings.load,
                 senders_factory: SendersFactory = senders_from_settings, interval: float | None = None,
                 clock: Callable[[], datetime] = utcnow, render_attachment: AttachmentRenderer | None = None,
                 resting: Callable[[], bool] | None = None) -> None:
        self._backend = backend
        self._resting = resting  # nobody uses the desk: a round only every RESTING_INTERVAL (wake() ends the rest)
        self._load = settings_loader
        self._senders = senders_factory
        self._interval = interval
        self._clock = clock
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._render = render_attachment
        self.ticks = 0
        self.no_keyring_logged = False

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="outbox-sender", daemon=True)
        self._thread.start()
        log.info("outbox sender started")

    def stop(self, timeout: float = 20.0) -> None:
        """Ask the loop to stop and wait for the message in flight (each send has its own timeout)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        log.info("outbox sender stopped")

    def wake(self) -> None:
        """Send now instead of at the next tick (after a booking or payment, say)."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def tick(self) -> notifications.DeliveryReport | None:
        """One round: the scheduled jobs that are due, then the due messages. Never raises."""
        try:
            settings = self._load()
            self._scheduled_jobs(settings)
            senders = self._channels(settings)
            report = notifications.deliver_due(self._backend.uow(), senders, render_attachment=self._render)
            message_channels.poll_delivery(self._backend.uow(), {c: s for c, s in senders.items()
                                                                 if isinstance(s, StatusChecker)})
            return report
        except Exception as error:  # a database or keyring outage: the next tick tries again
            log.warning("outbox round failed: %s", type(error).__name__)
            return None
        finally:
            self.ticks += 1

    def _channels(self, settings: Settings) -> Mapping[Channel, MessageSender]:
        """The channels set up; none without a keyring (their secrets cannot be read), which is logged once a run."""
        try:
            return self._senders(settings)
        except SecretStoreUnavailable:
            if not self.no_keyring_logged:
                self.no_keyring_logged = True
                log.warning("no keyring: SMS, e-mail and Telegram secrets cannot be read, so messages wait in the "
                            "outbox until the file-backed keyring is accepted in Settings → Setup")
            return {}

    def _scheduled_jobs(self, settings: Settings) -> None:
        local = to_local(self._clock())
        if local.hour >= settings.reminder_hour:
            notifications.enqueue_reminders(self._backend.uow(), local.date() + timedelta(days=1))
        if local.hour >= settings.close_of_day_hour and settings.telegram_chat_id:
            notifications.enqueue_daily_collection(self._backend.uow(), local.date(), settings.telegram_chat_id)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.tick()
            interval = self._interval or self._load().outbox_interval_seconds
            if self._resting is not None and self._resting():
                interval = max(interval, RESTING_INTERVAL)
            self._wake.wait(interval)
            self._wake.clear()
