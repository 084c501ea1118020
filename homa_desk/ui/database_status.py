"""The header's database light: which database this desk uses, and whether it answers right now."""

from __future__ import annotations

from PySide6.QtCore import QT_TR_NOOP, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.errors import DomainError
from homa_desk.services import clinic
from homa_desk.ui.i18n import tr
from homa_desk.ui.worker import run_in_background

PING_INTERVAL_MS = 10_000
CONNECTED = QT_TR_NOOP("connected")
UNREACHABLE = QT_TR_NOOP("unreachable")
CHECKING = QT_TR_NOOP("checking…")


class DatabaseStatus(QWidget):
    """Pings the database on a timer (and once at start), never on the UI thread, one ping at a time."""

    reachability_changed = Signal(bool)

    def __init__(self, backend: Backend, parent: QWidget | None = None, *,
                 interval_ms: int = PING_INTERVAL_MS) -> None:
        super().__init__(parent)
        self.setObjectName("database_status")
        self._backend = backend
        self._pinging = False
        self.reachable: bool | None = None
        self.dot = QLabel("●")
        self.dot.setObjectName("database_dot")
        self.text = QLabel()
        self.text.setObjectName("database_text")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.dot)
        layout.addWidget(self.text)
        self._show(None)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check_now)
        self.timer.start()
        self.check_now()

    def check_now(self) -> None:
        if self._pinging:
            return
        self._pinging = True
        run_in_background(self, clinic.ping, self._backend.uow(), on_success=self._answered,
                          on_failure=self._unanswered)

    def stop(self) -> None:
        self.timer.stop()

    def _answered(self, _result: object) -> None:
        self._pinging = False
        self._show(True)

    def _unanswered(self, _error: DomainError) -> None:
        self._pinging = False
        self._show(False)

    def _show(self, reachable: bool | None) -> None:
        state = tr(CHECKING if reachable is None else CONNECTED if reachable else UNREACHABLE)
        target = self._backend.target
        where = tr("Embedded database") if target.kind == "embedded" else tr("Remote database ({host})").format(
            host=target.url.host)
        self.text.setText(f"{where}: {state}")
        self.dot.setProperty("state", "unknown" if reachable is None else state)
        self.dot.style().unpolish(self.dot)
        self.dot.style().polish(self.dot)
        color = "#9aa0a6" if reachable is None else "#1e8e3e" if reachable else "#d93025"
        self.dot.setStyleSheet(f"color: {color};")
        changed = reachable is not None and reachable != self.reachable
        self.reachable = reachable
        if changed:
            self.reachability_changed.emit(bool(reachable))
