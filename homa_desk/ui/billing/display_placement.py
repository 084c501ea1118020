"""Where the customer display goes on a one-screen desk (most clinic laptops, 1366×768).

Inside the screen's available area (the display's 640×800 is taller than the screen), beside the receptionist's
UPI panel rather than over its buttons, or where the receptionist last put it on this computer. Rectangles here
are window frames (title bar and borders included) unless named geometry, as QWidget.geometry() has them.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMargins, QPoint, QRect, QSize
from PySide6.QtWidgets import QWidget

PREFERRED = QSize(640, 800)
GUESSED_FRAME = QMargins(4, 32, 4, 4)  # a window manager's borders and title bar, before any window shows its own
GAP = 8


def frame_margins(window: QWidget | None) -> QMargins:
    """The borders and title bar around a shown window's geometry (the display's will be the same)."""
    if window is None or not window.isVisible():
        return GUESSED_FRAME
    frame, inner = window.frameGeometry(), window.geometry()
    return QMargins(inner.left() - frame.left(), inner.top() - frame.top(), frame.right() - inner.right(),
                    frame.bottom() - inner.bottom())


def fitted_frame(available: QRect, margins: QMargins) -> QSize:
    """The preferred size with its frame, no wider and no taller than the screen's available area."""
    return PREFERRED.grownBy(margins).boundedTo(available.size())


def _inside(frame: QRect, available: QRect) -> QRect:
    """`frame` moved (not resized) so it lies within `available`."""
    x = max(available.left(), min(frame.x(), available.right() + 1 - frame.width()))
    y = max(available.top(), min(frame.y(), available.bottom() + 1 - frame.height()))
    return QRect(QPoint(x, y), frame.size())


def saved_place(available: QRect, margins: QMargins, saved: Sequence[int]) -> QRect | None:
    """The geometry the display was put at last time, kept on the screen; None when nothing was saved or it was on
    a screen no longer there."""
    if len(saved) != 4:
        return None
    frame = QRect(*saved).marginsAdded(margins)
    if not available.contains(frame.center()):
        return None
    return _inside(QRect(frame.topLeft(), frame.size().boundedTo(available.size())), available).marginsRemoved(margins)


def beside(available: QRect, panel: QRect, margins: QMargins) -> tuple[QRect, QPoint]:
    """The display's geometry next to the `panel` frame, on the side with room, and where the panel's frame goes:
    it moves to the screen's left edge only when neither side has room, and the display then takes the rest."""
    size = fitted_frame(available, margins)
    top = available.top()
    if available.right() - panel.right() - GAP >= size.width():
        frame, panel_at = QRect(QPoint(panel.right() + 1 + GAP, top), size), panel.topLeft()
    elif panel.left() - available.left() - GAP >= size.width():
        frame, panel_at = QRect(QPoint(panel.left() - GAP - size.width(), top), size), panel.topLeft()
    else:
        width = min(size.width(), available.width() - panel.width() - GAP)
        frame = QRect(QPoint(available.right() + 1 - width, top), QSize(width, size.height()))
        panel_at = QPoint(available.left(), panel.top())
    return frame.marginsRemoved(margins), panel_at
