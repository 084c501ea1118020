"""Where the main window opens: where it was last left on this computer, or else filling a small laptop's screen.

The place is kept in the per-computer settings file when the window closes. A place that is no longer on any screen
(a second monitor unplugged, a projector gone) is ignored, so the window always opens where it can be seen.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from homa_desk.config import Settings
from homa_desk.ui.billing.display_placement import frame_margins, saved_place

PREFERRED = QSize(1440, 900)


def screen_areas() -> list[QRect]:
    """Each screen's work area (less taskbars), the primary screen's first."""
    primary = QGuiApplication.primaryScreen()
    screens = [primary, *(s for s in QGuiApplication.screens() if s is not primary)] if primary else []
    return [screen.availableGeometry() for screen in screens]


def default_geometry(area: QRect, margins: QMargins) -> QRect:
    """The preferred size centred on the screen, no larger than its work area (the whole of a 1366×768 laptop's)."""
    frame = QRect(QPoint(0, 0), PREFERRED.grownBy(margins).boundedTo(area.size()))
    frame.moveCenter(area.center())
    return frame.marginsRemoved(margins)


def restored_geometry(areas: Sequence[QRect], margins: QMargins, saved: Sequence[int]) -> QRect | None:
    """The saved geometry kept inside the screen it was on; None when nothing was saved or that screen is gone."""
    if not isinstance(saved, Sequence) or not all(isinstance(n, int) for n in saved):
        return None
    return next((place for area in areas if (place := saved_place(area, margins, saved)) is not None), None)


def place_window(window: QWidget, areas: Sequence[QRect] | None = None) -> None:
    """Put `window` where it was left, maximised if it was; else at its default size on the primary screen."""
    areas = list(areas) if areas is not None else screen_areas()
    if not areas:
        window.resize(PREFERRED)
        return
    settings = Settings.load()
    margins = frame_margins(None)
    place = restored_geometry(areas, margins, settings.window_geometry)
    window.setGeometry(place or default_geometry(areas[0], margins))
    if place is not None and settings.window_maximized is True:
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)


def remember_place(window: QWidget) -> None:
    """Keep the window's size and place (the size it returns to when un-maximised) for the next time."""
    maximized = window.isMaximized()
    rect = window.normalGeometry() if maximized and window.normalGeometry().isValid() else window.geometry()
    settings = Settings.load()
    settings.window_geometry = [rect.x(), rect.y(), rect.width(), rect.height()]
    settings.window_maximized = maximized
    settings.save()
