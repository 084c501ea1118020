"""Windows and pages made for the smallest screen the desk is used on: a 1366×768 laptop with a taskbar.

A window opens no larger than its screen's work area (less the window manager's frame, which is not known until
the window is shown), and a page or dialog taller than that scrolls inside itself instead of growing its window.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

FRAME = QSize(8, 40)  # borders and a title bar, allowed for before the window manager has drawn them


def available_area(window: QWidget) -> QRect:
    """The work area (the screen less its taskbar) of the screen the window is on, or the primary one."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Size a top-level window `width`×`height`, or as large as its screen's work area where that is smaller."""
    area = available_area(window)
    window.resize(min(width, area.width() - FRAME.width()), min(height, area.height() - FRAME.height()))


def scrolling(content: QWidget, name: str) -> QScrollArea:
    """`content` in a frameless scroll area that gives it all the room there is and scrolls when there is less."""
    area = QScrollArea()
    area.setObjectName(name)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from field to field, never to the scroller itself
    area.setWidget(content)
    return area
