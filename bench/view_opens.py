"""Every view the desk opens, and what opening it costs in network round trips.

A round trip is counted on the wire: the latency proxy (bench/latency_proxy.py) sits between the desk's engine and
PostgreSQL and counts each burst the client sends after the server has answered. That counts everything the desk
waits for: each statement, BEGIN and COMMIT/ROLLBACK, `SET LOCAL`, a pool ping, and several statements sent in one
burst (psycopg's pipeline mode, db/together.py) as one. Beside it, `statement_kinds` lists what was sent (each
statement's first word, BEGIN/COMMIT/ROLLBACK when psycopg sends them, PIPELINE[n] for n reads sent together), so a
reader can see where the round trips go.

Each view is opened through its real widget, worker and service, as the desk opens it, once to warm the pool (a
desk in use has its connections, and the first open of a connection costs the handshake), then counted. A view
with tabs counts its first tab on open; each further tab is its own row ("patient profile → Bills"), counted from
the moment the tab is chosen, since a tab's data loads only when it comes forward.

`python -m bench --only roundtrips` prints the table (with open times at +100 ms and +2 ms per round trip);
`tests/ui/test_round_trips.py` opens the same list against the test database and holds every view to two.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

import psycopg
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import Engine, event

from bench.latency_proxy import LatencyProxy
from homa_desk.backend import Backend, DatabaseTarget
from homa_desk.db import together
from homa_desk.db.engine import make_engine
from homa_desk.domain.roles import Actor
from homa_desk.ui.common.worker import pending_calls, wait_for_idle

ROUND_TRIP_LIMIT = 2
QUIET_MS = 150  # no background call pending for this long after the last answer: the view has loaded


@dataclass(frozen=True)
class Cast:
    """Who opens what, and on which records: a receptionist opens most views, the doctor the workstation and the
    consultation, the admin the settings."""

    receptionist: Actor
    doctor: Actor
    admin: Actor
    patient_id: int
    collection_day: date
    bill_id: int
    appointment_id: int  # the doctor's, today: the consultation opened from the workstation


Build = Callable[[Backend, Actor, Cast], QWidget]
Then = Callable[[QWidget], object]


@dataclass(frozen=True)
class ViewSpec:
    name: str
    who: str  # "receptionist", "doctor" or "admin"
    build: Build
    then: Then | None = None  # a tab or part opened inside the built view: counted on its own


@dataclass
class Count:
    name: str
    round_trips: int = 0
    statements: int = 0
    statement_kinds: list[str] = field(default_factory=list)


def catalogue() -> list[ViewSpec]:
    """Every view a desk opens, in the order a day meets them."""
    from homa_desk.ui.appointments.appointments_view import AppointmentsView
    from homa_desk.ui.appointments.consultation_followups import FollowUpsWidget
    from homa_desk.ui.appointments.queue_view import QueueView
    from homa_desk.ui.billing.bill_editor import BillEditorDialog
    from homa_desk.ui.billing.bill_screen import BillDialog
    from homa_desk.ui.billing.billing_view import BillingView
    from homa_desk.ui.billing.customer_display import display_for
    from homa_desk.ui.billing.held_money_view import HeldMoneyPanel
    from homa_desk.ui.consultation.consultation_widget import ConsultationWidget
    from homa_desk.ui.consultation.workstation_view import WorkstationView
    from homa_desk.ui.patients.patient_profile import PatientProfileDialog
    from homa_desk.ui.patients.patients_view import PatientsView
    from homa_desk.ui.reports.audit_view import AuditLogView
    from homa_desk.ui.reports.collection_report import CollectionReportView
    from homa_desk.ui.reports.owner_view import OwnerReportsView
    from homa_desk.ui.reports.payments_view import PaymentHistoryPanel
    from homa_desk.ui.settings.settings_view import SettingsView
    from homa_desk.ui.shell.dashboard import DashboardView
    from homa_desk.ui.waiting_room.board import WaitingBoardView

    def searched(backend: Backend, actor: Actor, _cast: Cast) -> QWidget:
        view = PatientsView(backend, actor)
        view.model.set_query("sharma")
        return view

    def profile(backend: Backend, actor: Actor, cast: Cast) -> QWidget:
        return PatientProfileDialog(backend, actor, cast.patient_id)

    def profile_tab(index: int) -> Then:
        return lambda view: view.sections.setCurrentIndex(index)  # type: ignore[attr-defined]

    def settings_tab(name: str) -> Then:
        return lambda view: view.tabs.setCurrentIndex(view.tabs.indexOf(view.tabs._frames[name]))  # type: ignore[attr-defined]

    reports_tab = settings_tab  # the Reports page's tabs are built as the settings' are (LazyTabs)

    def bill_editor(backend: Backend, actor: Actor, cast: Cast) -> QWidget:
        return BillEditorDialog(backend, actor, cast.patient_id, "Priya")

    def price_lookup(view: QWidget) -> None:
        view.picker.setText("con")  # type: ignore[attr-defined]
        view.picker.search()  # type: ignore[attr-defined]

    def audit_log(backend: Backend, actor: Actor, _cast: Cast) -> QWidget:
        return AuditLogView(backend, actor)

    def audit_next_page(view: QWidget) -> None:
        view.model._request_next()  # type: ignore[attr-defined]  # what scrolling to the end asks for

    def embedded_settings(backend: Backend, actor: Actor, _cast: Cast) -> QWidget:
        """On the clinic's own (embedded) server the Backup tab's off-site box reads the copy's state."""
        return SettingsView(replace(backend, target=replace(backend.target, kind="embedded")), actor)

    windows: list[QWidget] = []  # the main windows the customer displays belong to, kept until the next one

    def customer_display(backend: Backend, actor: Actor, _cast: Cast) -> QWidget:
        windows[:] = [QWidget()]
        windows[0].actor = actor  # type: ignore[attr-defined]
        return display_for(windows[0], backend)

    def board_poll(view: QWidget) -> None:
        view.poll()  # type: ignore[attr-defined]

    views = [
        ViewSpec("home (dashboard)", "receptionist", lambda b, a, _c: DashboardView(b, a)),
        ViewSpec('patients (search "sharma")', "receptionist", searched),
        ViewSpec("patient profile", "receptionist", profile),
        ViewSpec("patient profile → past appointments", "receptionist", profile, profile_tab(1)),
        ViewSpec("patient profile → bills and payments", "receptionist", profile, profile_tab(2)),
        ViewSpec("patient profile → advances", "receptionist", profile, profile_tab(3)),
        ViewSpec("patient profile → messages", "receptionist", profile, profile_tab(4)),
        ViewSpec("appointments (day view)", "receptionist", lambda b, a, _c: AppointmentsView(b, a)),
        ViewSpec("appointments → queue", "receptionist", lambda b, a, _c: QueueView(b, a)),
        ViewSpec("appointments → follow-ups", "receptionist", lambda b, a, _c: FollowUpsWidget(b, a)),
        ViewSpec("workstation queue (doctor)", "doctor", lambda b, a, _c: WorkstationView(b, a)),
        ViewSpec("consultation open (doctor)", "doctor", lambda b, a, c: ConsultationWidget(b, a, c.appointment_id)),
        ViewSpec("billing (unbilled visits, bills)", "receptionist", lambda b, a, _c: BillingView(b, a)),
        ViewSpec("bill screen", "receptionist", lambda b, a, c: BillDialog(b, a, c.bill_id)),
        ViewSpec("bill editor → price-list completion (each lookup)", "receptionist", bill_editor, price_lookup),
        ViewSpec("payments history", "receptionist", lambda b, a, _c: PaymentHistoryPanel(b, a)),
        ViewSpec("daily collection and close of day", "receptionist",
                 lambda b, a, c: CollectionReportView(b, a, day=c.collection_day)),
        ViewSpec("held for review", "admin", lambda b, a, _c: HeldMoneyPanel(b, a)),
        ViewSpec("waiting-room board (each poll)", "receptionist", lambda b, a, _c: WaitingBoardView(b, a),
                 board_poll),
        ViewSpec("customer display", "receptionist", customer_display),
        ViewSpec("reports → collections", "admin", lambda b, a, _c: OwnerReportsView(b, a)),
        ViewSpec("reports → visits and patients", "admin", lambda b, a, _c: OwnerReportsView(b, a),
                 reports_tab("visits")),
        ViewSpec("reports → procedures and medicines", "admin", lambda b, a, _c: OwnerReportsView(b, a),
                 reports_tab("items")),
        ViewSpec("reports → audit log (first page)", "admin", lambda b, a, _c: OwnerReportsView(b, a),
                 reports_tab("audit")),
        ViewSpec("reports → audit log (next page)", "admin", audit_log, audit_next_page),
    ]
    for name in ("staff", "clinic", "doctors", "setup", "messages", "backup", "whatsapp", "price_list"):
        views.append(ViewSpec(f"settings → {name.replace('_', ' ')}", "admin", lambda b, a, _c: SettingsView(b, a),
                              None if name == "staff" else settings_tab(name)))
    views.append(ViewSpec("settings → backup with the off-site copy box", "admin", embedded_settings,
                          settings_tab("backup")))
    return views


class Counter:
    """The desk's engine through a latency proxy, counting round trips (wire) and statements (SQLAlchemy)."""

    def __init__(self, url: str, *, latency_ms: float) -> None:
        self._url = url
        self._latency_ms = latency_ms
        self.statements: list[str] = []

    def __enter__(self) -> Counter:
        self.proxy = LatencyProxy.for_url(self._url, latency_ms=self._latency_ms).__enter__()
        # Prepared statements off: psycopg prepares a statement on its 5th run on a connection, which costs one extra
        # round trip once per connection and statement (outside a pipeline); with the pool lending FIFO it would land
        # on whichever view happened to run it 5th, not on what opening a view costs.
        engine: Engine = make_engine(self.proxy.url_for(self._url), prepare=False)
        self.backend = Backend(engine=engine, target=DatabaseTarget("remote", engine.url), poll_interval=2.0)
        event.listen(engine, "before_cursor_execute", self._executed)
        self._run_together = together.run_together
        together.run_together = self._together  # reads sent in one pipeline: one label, n statements
        for kind in ("commit", "rollback"):
            event.listen(engine, kind, lambda conn, kind=kind: self._ended(conn, kind.upper()))
        return self

    def _executed(self, conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        """The statement, after the BEGIN psycopg sends first when a transaction is not yet open."""
        driver = conn.connection.dbapi_connection
        if not driver.autocommit and driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            self.statements.append("BEGIN")
        self.statements.append(_first_word(statement))

    def _together(self, conn, reads, *, guard):  # type: ignore[no-untyped-def]
        self.statements.append(f"PIPELINE[{len(reads)}]")
        return self._run_together(conn, reads, guard=guard)

    def _ended(self, conn, kind: str) -> None:  # type: ignore[no-untyped-def]
        """COMMIT or ROLLBACK, when a transaction is open (psycopg sends nothing otherwise)."""
        if conn.connection.dbapi_connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self.statements.append(kind)

    def __exit__(self, *exc: object) -> None:
        together.run_together = self._run_together
        wait_for_idle()
        self.backend.close()
        self.proxy.__exit__(None, None, None)

    def reset(self) -> None:
        self.statements.clear()
        self.proxy.reset()

    def open(self, spec: ViewSpec, actor: Actor, cast: Cast) -> tuple[Count, float]:
        """Open the view warm (a first open fills the pool), then again counted: (count, ms until loaded)."""
        self._open_once(spec, actor, cast)
        self.reset()
        count = Count(spec.name)
        elapsed = self._open_once(spec, actor, cast, counted=count)
        return count, elapsed

    def _open_once(self, spec: ViewSpec, actor: Actor, cast: Cast, *, counted: Count | None = None) -> float:
        started = time.perf_counter()
        view = spec.build(self.backend, actor, cast)
        view.resize(1100, 720)
        view.show()
        finished = wait_until_loaded()
        if spec.then is not None:
            if counted is not None:
                self.reset()
            started = time.perf_counter()
            spec.then(view)
            finished = wait_until_loaded()
        if counted is not None:
            counted.round_trips = self.proxy.round_trips
            counted.statement_kinds = list(self.statements)
            counted.statements = sum(int(s[9:-1]) if s.startswith("PIPELINE[") else 1 for s in self.statements)
        view.close()
        view.deleteLater()
        QApplication.processEvents()
        return (finished - started) * 1000


def wait_until_loaded(quiet_ms: int = QUIET_MS, timeout_s: float = 60) -> float:
    """Run the event loop until no background call is pending and none was started for `quiet_ms`; the time the
    last answer was seen."""
    loop = QEventLoop()
    state: dict[str, float | None] = {"idle_since": None, "last": time.perf_counter()}
    deadline = time.perf_counter() + timeout_s

    def check() -> None:
        now = time.perf_counter()
        if pending_calls():
            state["idle_since"] = None
        elif state["idle_since"] is None:
            state["idle_since"] = state["last"] = now
        elif now - state["idle_since"] >= quiet_ms / 1000 or now > deadline:  # type: ignore[operator]
            timer.stop()
            loop.quit()

    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    return state["last"]  # type: ignore[return-value]


def _first_word(statement: str) -> str:
    words = statement.split(None, 2)
    if words[:2] == ["SELECT", "homa_guarded.*"]:
        return "SELECT"
    return words[0].upper() if words else ""


@dataclass
class ViewFigure:
    name: str
    round_trips: int
    statements: int
    open_ms: dict[float, float]  # added latency per round trip (ms) -> median open time (ms)


def measure(url: str, cast: Cast, *, latencies: tuple[float, ...] = (100.0, 2.0), rounds: int = 3) -> list[ViewFigure]:
    """Every view of the catalogue: round trips (counted at the first latency), and the median time from building
    the view to its last answer at each added latency."""
    from homa_desk.ui.common.garbage import freeze_long_lived_objects

    app = QApplication.instance() or QApplication([])
    del app
    freeze_long_lived_objects()
    figures = {spec.name: ViewFigure(spec.name, 0, 0, {}) for spec in catalogue()}
    for latency in latencies:
        with Counter(url, latency_ms=latency) as counter:
            for spec in catalogue():
                times = []
                for _ in range(rounds):
                    count, elapsed = counter.open(spec, getattr(cast, spec.who), cast)
                    times.append(elapsed)
                figure = figures[spec.name]
                figure.open_ms[latency] = sorted(times)[len(times) // 2]
                if latency == latencies[0]:
                    figure.round_trips, figure.statements = count.round_trips, count.statements
    return list(figures.values())
