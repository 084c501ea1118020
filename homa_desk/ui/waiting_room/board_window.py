"""The waiting room screen as a window of its own: full screen on the TV (any screen the desk chooses) or a normal
window, one per main window, closed with it. The Queue page's "Waiting room screen" button opens it; the same menu
puts the board on the customer display instead."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent, QScreen
from PySide6.QtWidgets import QMenu, QPushButton, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.roles import Actor
from homa_desk.ui.billing.customer_display import display_for
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.waiting_room.board import WaitingBoardView

WINDOWED = (1024, 600)


class WaitingRoomWindow(QWidget):
    """F11 switches full screen on and off; Esc leaves full screen, and closes the window when not full screen."""

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("waiting_room_window")
        self.setWindowTitle(tr("Waiting room screen"))
        self.board = WaitingBoardView(backend, actor, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.board)

    def show_on(self, screen: QScreen | None) -> None:
        """Full screen on `screen`; None: a normal window inside the screen the desk is on."""
        if screen is not None:
            self.setGeometry(screen.geometry())
            if self.windowHandle() is not None:
                self.windowHandle().setScreen(screen)
            self.showFullScreen()
        else:
            home = (self.parentWidget().screen() if self.parentWidget() else None) or QGuiApplication.primaryScreen()
            area = home.availableGeometry()
            width, height = min(WINDOWED[0], area.width()), min(WINDOWED[1], area.height())
            self.showNormal()
            self.setGeometry(QRect(area.x() + (area.width() - width) // 2, area.y() + (area.height() - height) // 2,
                                   width, height))
        self.raise_()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_F11:
            self.showNormal() if self.isFullScreen() else self.showFullScreen()
        elif event.key() == Qt.Key.Key_Escape:
            self.showNormal() if self.isFullScreen() else self.close()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.board.hide()  # stops its polling at once
        super().closeEvent(event)


def _root(widget: QWidget) -> QWidget:
    while widget.parentWidget() is not None:
        widget = widget.parentWidget()
    return widget


def board_window_for(widget: QWidget, backend: Backend, actor: Actor) -> WaitingRoomWindow:
    """The waiting room window of the main window `widget` lives in, made on first use."""
    root = _root(widget)
    found = root.findChild(WaitingRoomWindow, "waiting_room_window", Qt.FindChildOption.FindDirectChildrenOnly)
    if found is not None:
        return found
    window = WaitingRoomWindow(backend, actor, root)
    _CloseWith(root, window)
    return window


class _CloseWith(QObject):
    """The screen closes with the desk's window (a sign-out leaves no board reading as the user who left)."""

    def __init__(self, root: QWidget, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        root.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close:
            self._window.close()
        return False


def screen_name(screen: QScreen, number: int) -> str:
    size = screen.geometry().size()
    return tr("Full screen on screen {number}: {name} ({width}×{height})").format(
        number=number, name=screen.name() or "—", width=size.width(), height=size.height())


class WaitingRoomButton(QPushButton):
    """"Waiting room screen ▾": full screen on a chosen screen, in a window, or on the customer display."""

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(tr("Waiting room screen"), parent)
        self.setObjectName("waiting_room_screen")
        self._backend = backend
        self._actor = actor
        self.choices = QMenu(self)
        self.choices.setObjectName("waiting_room_choices")
        self.choices.aboutToShow.connect(self._fill)
        self.setMenu(self.choices)
        self._fill()

    def _fill(self) -> None:
        self.choices.clear()
        primary = QGuiApplication.primaryScreen()
        screens = QGuiApplication.screens()
        ordered = sorted(screens, key=lambda screen: screen is primary)  # a TV (not the desk's own screen) first
        for screen in ordered:
            action = self.choices.addAction(screen_name(screen, screens.index(screen) + 1))
            action.triggered.connect(lambda _checked=False, s=screen: self.open_board(s))
        self.choices.addAction(tr("In a window")).triggered.connect(lambda _checked=False: self.open_board(None))
        self.choices.addAction(tr("On the customer display, between payments")).triggered.connect(
            self.open_on_customer_display)

    def open_board(self, screen: QScreen | None) -> WaitingRoomWindow:
        window = board_window_for(self, self._backend, self._actor)
        window.show_on(screen)
        return window

    def open_on_customer_display(self) -> None:
        display_for(self, self._backend).present()
