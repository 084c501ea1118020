"""One window per record: asking again for a patient's profile or a bill that is already open raises that window.

A double-click, Enter on the same row, or the same bill opened from Billing and from Payments all reach the one
window, so two bill editors for one visit cannot happen. A window counts as open until it is closed or deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import shiboken6
from PySide6.QtWidgets import QWidget

W = TypeVar("W", bound=QWidget)

_open: dict[tuple[str, int], QWidget] = {}


def _is_open(window: QWidget) -> bool:
    return shiboken6.isValid(window) and window.isVisible()


def open_once(kind: str, record_id: int, make: Callable[[], W]) -> W:
    """The open window for (kind, record_id), raised and activated; else `make()`'s window, shown and remembered."""
    for key in [key for key, window in _open.items() if not _is_open(window)]:
        del _open[key]
    window = _open.get((kind, record_id))
    if window is not None:
        if window.isMinimized():
            window.showNormal()
        window.raise_()
        window.activateWindow()
        return window  # type: ignore[return-value]
    window = make()
    _open[(kind, record_id)] = window
    if not window.isVisible():
        window.show()
    return window
