"""Lock an unattended desk: patients stand at the counter, so an open session must not wait for anyone."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.roles import Actor
from homa_desk.ui.shell.lock_dialog import LockDialog

DEFAULT_IDLE_MINUTES = 10
ACTIVITY = frozenset({
    QEvent.Type.MouseMove, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.KeyPress,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate,
})


class IdleLock(QObject):
    """An application-wide event filter: any mouse or keyboard activity restarts the idle timer."""

    locked = Signal()
    unlocked = Signal()
    sign_out_requested = Signal()

    def __init__(self, window: QWidget, backend: Backend, actor: Actor, *,
                 idle_minutes: int = DEFAULT_IDLE_MINUTES, interval_ms: int | None = None,
                 unkept_work: Callable[[], int] | None = None) -> None:
        super().__init__(window)
        self._unkept_work = unkept_work
        self._window = window
        self._backend = backend
        self._actor = actor
        self.dialog: LockDialog | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(interval_ms if interval_ms is not None else idle_minutes * 60_000)
        self.timer.timeout.connect(self.lock)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)
        self.timer.start()

    @property
    def is_locked(self) -> bool:
        return self.dialog is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.dialog is None and event.type() in ACTIVITY:
            self.timer.start()
        return False

    def lock(self) -> None:
        if self.dialog is not None:
            return
        self.timer.stop()
        self.dialog = LockDialog(self._backend, self._actor, self._window, unkept_work=self._unkept_work)
        self.dialog.unlocked.connect(self._on_unlocked)
        self.dialog.sign_out_requested.connect(self.sign_out_requested)
        self._cover(True)
        self.dialog.open()
        self.locked.emit()

    def stop(self) -> None:
        """Stop watching (on sign-out); the lock screen, if open, goes with the window."""
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def _cover(self, hidden: bool) -> None:
        """Patient names must not stay readable on an unattended screen, so the window's content hides."""
        content = self._window.centralWidget() if isinstance(self._window, QMainWindow) else None
        if content is not None:
            content.setVisible(not hidden)

    def _on_unlocked(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None
        self._cover(False)
        self.timer.start()
        self.unlocked.emit()
