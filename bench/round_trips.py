"""Open each view of the desk for real (widgets, background loads, callbacks) and count what it costs.

For every view: the statements (SQLAlchemy `before_cursor_execute`), the network round trips the latency proxy
saw (BEGIN, pool pre-ping and ROLLBACK/COMMIT included), and the time from building the widget to its last
background answer delivered, once straight to the database and once through the proxy adding 100 ms per round
trip. The stall watchdog runs all the while; afterwards every view is opened again while UPI sessions poll the
gateway through the same proxy, and the watchdog's longest gap is the UI-thread stall.

Each view is opened once to warm the connection pool (a desk in use has its connections), then `rounds` times.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from PySide6.QtCore import QEventLoop, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import Engine, event

from bench.latency_proxy import LatencyProxy
from bench.ui_stall import StallWatchdog
from homa_desk.backend import Backend, DatabaseTarget
from homa_desk.db.engine import make_engine
from homa_desk.domain.billing import LineInput
from homa_desk.domain.roles import Actor
from homa_desk.services import billing, upi_payments
from homa_desk.ui.billing.upi_poller import UpiPoller
from homa_desk.ui.common.garbage import freeze_long_lived_objects
from homa_desk.ui.common.worker import pending_calls, wait_for_idle

QUIET_MS = 250  # no new background call for this long after the last answer: the view has loaded


@dataclass(frozen=True)
class Cast:
    """Who opens what: the front desk opens most views, the doctor the workstation, the admin the settings."""

    receptionist: Actor
    doctor: Actor
    admin: Actor
    patient_id: int
    collection_day: date


@dataclass
class ViewOpen:
    name: str
    statements: int = 0
    round_trips: int = 0
    build_ms: float = 0.0  # constructing the widgets on the UI thread (done once at sign-in in the desk)
    stall_ms: float = 0.0  # longest UI-thread gap while it loaded through the proxy
    stall_busy_ms: float = 0.0  # of which the UI thread was running (the rest: GIL or CPU waits)
    local_ms: list[float] = field(default_factory=list)
    proxied_ms: list[float] = field(default_factory=list)

    @property
    def local(self) -> float:
        return statistics.median(self.local_ms)

    @property
    def proxied(self) -> float:
        return statistics.median(self.proxied_ms)


@dataclass
class ViewFigures:
    latency_ms: float
    views: list[ViewOpen]
    stall_loading_ms: float  # longest UI-thread gap while the views loaded through the proxy
    stall_polling_ms: float  # the same, with UPI sessions polling meanwhile
    polls: int  # gateway checks the pollers made during that second pass

    def target_ms(self, view: ViewOpen) -> float:
        return 3 * self.latency_ms + view.local


def _views(cast: Cast) -> list[tuple[str, Actor, Callable[[Backend, Actor], QWidget]]]:
    from homa_desk.ui.appointments.appointments_view import AppointmentsView
    from homa_desk.ui.billing.billing_view import BillingView
    from homa_desk.ui.consultation.workstation_view import WorkstationView
    from homa_desk.ui.patients.patient_profile import PatientProfileDialog
    from homa_desk.ui.patients.patients_view import PatientsView
    from homa_desk.ui.reports.collection_report import CollectionReportView
    from homa_desk.ui.reports.payments_view import PaymentHistoryPanel
    from homa_desk.ui.settings.settings_view import SettingsView
    from homa_desk.ui.shell.dashboard import DashboardView

    def patients_searched(backend: Backend, actor: Actor) -> QWidget:
        view = PatientsView(backend, actor)
        view.model.set_query("sharma")
        return view

    desk = cast.receptionist
    return [
        ("dashboard", desk, DashboardView),
        ("patients (search \"sharma\")", desk, patients_searched),
        ("patient profile", desk, lambda b, a: PatientProfileDialog(b, a, cast.patient_id)),
        ("appointments (day view)", desk, AppointmentsView),
        ("billing", desk, BillingView),
        ("payments history", desk, PaymentHistoryPanel),
        ("daily collection", desk, lambda b, a: CollectionReportView(b, a, day=cast.collection_day)),
        ("workstation (doctor)", cast.doctor, WorkstationView),
        ("settings (admin)", cast.admin, SettingsView),
    ]


def measure(url: str, cast: Cast, *, latency_ms: float = 100.0, rounds: int = 3,
            poll_sessions: int = 4) -> ViewFigures:
    app = QApplication.instance() or QApplication([])
    del app
    qInstallMessageHandler(_quiet_offscreen)
    views = _views(cast)
    opens = {name: ViewOpen(name) for name, _actor, _build in views}
    watchdog = StallWatchdog()
    with LatencyProxy.for_url(url, latency_ms=latency_ms) as proxy:
        direct = _backend(url)
        slow = _backend(proxy.url_for(url))
        statements: list[str] = []
        event.listen(slow.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        freeze_long_lived_objects()  # as the desk does once its main window is up
        try:
            watchdog.start()
            for name, actor, build in views:
                record = opens[name]
                for backend, times in ((direct, record.local_ms), (slow, record.proxied_ms)):
                    _open(backend, actor, build, watchdog)  # warm: connections, plans, caches, first paint
                    for _ in range(rounds):
                        statements.clear()
                        proxy.reset()
                        watchdog.reset()
                        elapsed, record.build_ms = _open(backend, actor, build, watchdog)
                        times.append(elapsed)
                        if backend is slow and watchdog.longest_stall_ms >= record.stall_ms:
                            record.stall_ms, record.stall_busy_ms = watchdog.longest_stall_ms, watchdog.longest_busy_ms
                record.statements, record.round_trips = len(statements), proxy.round_trips
            stall_loading = max(view.stall_ms for view in opens.values())
            pollers = _start_polling(slow, cast.receptionist, cast.patient_id, poll_sessions)
            watchdog.reset()
            for _name, actor, build in views:
                _open(slow, actor, build, watchdog)
                _spin(500)  # the views' callbacks and the pollers' answers keep arriving
            stall_polling = watchdog.longest_stall_ms
            polls = sum(p.calls for p in pollers)
            watchdog.stop()
            _stop_polling(slow, cast.receptionist, pollers)
        finally:
            wait_for_idle()
            direct.close()
            slow.close()
    return ViewFigures(latency_ms, list(opens.values()), stall_loading, stall_polling, polls)


def _open(backend: Backend, actor: Actor, build: Callable[[Backend, Actor], QWidget],
          watchdog: StallWatchdog) -> tuple[float, float]:
    """Build and show the view, wait until its background loads are answered; (load ms, build ms).

    Building happens once per sign-in in the desk (every page is built with the main window), so the watchdog
    does not count it; what follows (the answers arriving, tables filling, the first paint) it does."""
    started = time.perf_counter()
    view = build(backend, actor)
    view.resize(1100, 720)
    view.show()
    built = time.perf_counter()
    watchdog.resume()
    last_answer = _wait_until_loaded()
    view.close()
    view.deleteLater()
    QApplication.processEvents()
    watchdog.resume()
    return (last_answer - started) * 1000, (built - started) * 1000


def _wait_until_loaded() -> float:
    """Run the event loop until no background call is pending and none was started for QUIET_MS."""
    loop = QEventLoop()
    state = {"idle_since": None, "last": time.perf_counter()}
    deadline = time.perf_counter() + 120

    def check() -> None:
        now = time.perf_counter()
        if pending_calls():
            state["idle_since"] = None
        elif state["idle_since"] is None:
            state["idle_since"] = state["last"] = now
        elif now - state["idle_since"] >= QUIET_MS / 1000 or now > deadline:
            timer.stop()
            loop.quit()

    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    return state["last"]  # type: ignore[return-value]


def _spin(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _start_polling(backend: Backend, desk: Actor, patient_id: int, count: int) -> list[UpiPoller]:
    pollers = []
    for _ in range(count):
        bill = billing.create_bill(backend.uow(), desk, patient_id=patient_id,
                                   lines=[LineInput("consultation", "Consultation", "1", "500")])
        session = upi_payments.start_upi_payment(backend.uow(), backend.gateway, desk, bill.id,
                                                 expires_in=timedelta(minutes=10))
        poller = UpiPoller(backend, session)
        poller.start()
        poller.poll_now()
        pollers.append(poller)
    return pollers


def _stop_polling(backend: Backend, desk: Actor, pollers: list[UpiPoller]) -> None:
    for poller in pollers:
        poller.stop()
    wait_for_idle()
    for poller in pollers:
        upi_payments.cancel_upi_payment(backend.uow(), backend.gateway, desk, poller.session.id)


def _backend(url: str) -> Backend:
    engine: Engine = make_engine(url)
    return Backend(engine=engine, target=DatabaseTarget("remote", engine.url), poll_interval=2.0)


def _quiet_offscreen(_kind: QtMsgType, _context: object, message: str) -> None:
    """The offscreen platform's notes (size hints of each dialog, fonts without OpenType tables); nothing else."""
    if "propagateSizeHints" not in message and "OpenType support missing" not in message:
        print(message, file=sys.stderr)
