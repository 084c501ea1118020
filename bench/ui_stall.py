"""A watchdog on the UI thread: a 5 ms timer whose gaps show how long the event loop was kept from running.

A gap of 5 ms is a free event loop; the longest gap beyond that is the longest stall a receptionist could feel
(a click or a key press waits that long). Qt timers are not exact, so a couple of ms of jitter is expected. The UI
thread's own CPU time in that gap tells its own work (building rows, painting) from waiting: for the GIL while a
worker thread runs Python, or for a core on a busy machine.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer


class StallWatchdog(QObject):
    def __init__(self, interval_ms: int = 5, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.longest_ms = 0.0
        self.longest_busy_ms = 0.0  # CPU time the UI thread itself spent in the longest gap
        self.ticks = 0
        self._last: float | None = None
        self._last_cpu = 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.resume()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._tick()

    def reset(self) -> None:
        self.longest_ms = 0.0
        self.longest_busy_ms = 0.0
        self.ticks = 0
        self.resume()

    def resume(self) -> None:
        """Forget the gap since the last tick (work that is deliberately not counted happened in it)."""
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()

    @property
    def longest_stall_ms(self) -> float:
        """The longest gap beyond the timer's own interval."""
        return max(0.0, self.longest_ms - self.interval_ms)

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if self._last is not None and (now - self._last) * 1000 > self.longest_ms:
            self.longest_ms = (now - self._last) * 1000
            self.longest_busy_ms = (cpu - self._last_cpu) * 1000
        self._last, self._last_cpu = now, cpu
        self.ticks += 1
