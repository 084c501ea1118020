"""Whether anyone is using this desk: the last mouse or keyboard event anywhere in the application.

A Neon compute is suspended after 5 minutes without queries and billed by the second while it runs
(neon.com/docs/introduction/scale-to-zero). A desk that pings every 10 seconds keeps it running day and night, so the
desk's periodic database work rests while nobody has touched it for `RESTING_AFTER_SECONDS`, and `woke` tells it
when someone does again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QApplication

from homa_desk.backend import Backend

RESTING_AFTER_SECONDS = 300.0
ACTIVITY = frozenset({
    QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress, QEvent.Type.Wheel, QEvent.Type.TouchBegin,
})


class DeskActivity(QObject):
    """One per application (`desk_activity()`): an event filter that only notes the time."""

    woke = Signal()

    def __init__(self, resting_after: float = RESTING_AFTER_SECONDS) -> None:
        super().__init__()
        self.resting_after = resting_after
        self.last_used = time.monotonic()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def resting(self) -> bool:
        return time.monotonic() - self.last_used >= self.resting_after

    def touched(self) -> None:
        """Someone used the desk now (an event, or a test standing in for one)."""
        was_resting = self.resting()
        self.last_used = time.monotonic()
        if was_resting:
            self.woke.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY:
            self.touched()
        return False


_activity: DeskActivity | None = None


def desk_activity() -> DeskActivity:
    global _activity
    if _activity is None:
        _activity = DeskActivity()
    return _activity


def when_in_use(backend: Backend, refresh: Callable[[], object]) -> Callable[[], None]:
    """A view's timed refresh that rests with the desk on a remote database (the compute may then suspend); the view
    refreshes again at its next tick after someone touches the desk."""
    remote = backend.target.kind == "remote"

    def tick() -> None:
        if not (remote and desk_activity().resting()):
            refresh()

    return tick
