"""The patient-facing window: full screen on a second monitor when there is one, else a normal window that fits
the screen, opens beside the UPI panel and comes back where the receptionist last put it (per computer).

It shows what the receptionist's UPI panel shows, in large type: the QR with amount and countdown, then Paid,
Expired or Cancelled, and goes back to idle after a few seconds. Idle, it shows the waiting room board (whose turn
it is) when the desk's user may read the queue, else a welcome. One per main window, made on first use and kept
between payments.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QHideEvent, QMoveEvent, QPixmap, QResizeEvent, QScreen
from PySide6.QtWidgets import QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.config import Settings
from homa_desk.domain.billing import SessionStatus, UpiSession
from homa_desk.domain.money import format_inr
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import clinic
from homa_desk.ui.billing.display_placement import beside, fitted_frame, frame_margins, saved_place
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import run_in_background
from homa_desk.ui.waiting_room.board import WaitingBoardView

RETURN_TO_IDLE_MS = 6000
QR_SIZE = 420
QR_SMALLEST = 220
SAVE_PLACE_MS = 500
SETTLE_MS = 1000  # the window manager may still nudge a window this long after it shows


def display_screen(screens: Sequence[QScreen], primary: QScreen | None) -> QScreen | None:
    """The screen to go full screen on: the first one that is not the primary, when more than one is attached."""
    if len(screens) < 2:
        return None
    return next((screen for screen in screens if screen is not primary), screens[1])


def countdown_text(expires_at: datetime, now: datetime | None = None) -> str:
    left = max(0, int((expires_at - (now or utcnow())).total_seconds()))
    return f"{left // 60}:{left % 60:02d}"


# Sizes for a patient a metre or two from the screen. They are style sheet rules because the desk's style sheet
# (`QWidget { font-size: … }`) overrides fonts set in code; an #id rule on this window is more specific.
FONTS = {"display_clinic": (28, True), "display_greeting": (36, False), "display_amount": (54, True),
         "display_countdown": (22, False), "display_message": (48, True), "display_hint": (18, False)}


def display_style() -> str:
    rules = [f"#{name} {{ font-size: {size}pt; font-weight: {700 if bold else 400}; }}"
             for name, (size, bold) in FONTS.items()]
    return "\n".join(["#customer_display { background: white; }", *rules])


def _label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    return label


class QrLabel(QLabel):
    """The QR as large as the window leaves room for (up to QR_SIZE), so the display fits a 768-pixel screen."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("display_qr")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._source = QPixmap()

    def show_png(self, png: bytes) -> None:
        self._source.loadFromData(png)
        self._fit()

    def clear(self) -> None:
        self._source = QPixmap()
        super().clear()

    def sizeHint(self) -> QSize:
        return QSize(QR_SIZE, QR_SIZE)

    def minimumSizeHint(self) -> QSize:
        return QSize(QR_SMALLEST, QR_SMALLEST)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if not self._source.isNull():
            side = max(QR_SMALLEST, min(QR_SIZE, self.width(), self.height()))
            self.setPixmap(self._source.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                               Qt.TransformationMode.FastTransformation))


class CustomerDisplay(QWidget):
    """States: idle, qr, paid, expired, cancelled, review (`state` names the one shown)."""

    def __init__(self, parent: QWidget | None = None, *, return_after_ms: int = RETURN_TO_IDLE_MS,
                 screens: Sequence[QScreen] | None = None, available: QRect | None = None,
                 board: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("customer_display")
        self.setWindowTitle(tr("Customer display"))
        self.setStyleSheet(display_style())
        self.return_after_ms = return_after_ms
        self.state = "idle"
        self.session: UpiSession | None = None
        self._screens = screens
        self._available = available
        self._placed: QRect | None = None

        self.clinic = _label("display_clinic")
        self.greeting = _label("display_greeting")
        self.amount = _label("display_amount")
        self.qr = QrLabel()
        self.countdown = _label("display_countdown")
        self.message = _label("display_message")
        self.hint = _label("display_hint")

        qr_page = QWidget()
        qr_layout = QVBoxLayout(qr_page)
        for widget in (self.greeting, self.amount, self.qr, self.countdown):
            qr_layout.addWidget(widget, 1 if widget is self.qr else 0)
        qr_layout.addWidget(self.hint)
        message_page = QWidget()
        message_layout = QVBoxLayout(message_page)
        message_layout.addStretch(1)
        message_layout.addWidget(self.message)
        message_layout.addStretch(1)
        self.pages = QStackedWidget()
        self.pages.addWidget(message_page)
        self.pages.addWidget(qr_page)
        self.board = board
        if board is not None:
            self.pages.addWidget(board)
        layout = QVBoxLayout(self)
        layout.addWidget(self.clinic)
        layout.addWidget(self.pages, 1)

        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._update_countdown)
        self._idle_timer = QTimer(self)
        self._idle_timer.setSingleShot(True)
        self._idle_timer.timeout.connect(self.show_idle)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_PLACE_MS)
        self._save_timer.timeout.connect(self._save_place)
        self._settle_timer = QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(SETTLE_MS)
        self._settle_timer.timeout.connect(lambda: setattr(self, "_placed", self.geometry()))
        self.show_idle()

    # -- window placement -------------------------------------------------------------------------------------

    def present(self, panel: QWidget | None = None) -> None:
        """Full screen on the second monitor when one is attached; otherwise a normal, movable window inside the
        screen, where it was last put or else beside `panel` (the UPI panel), never over it."""
        screens = list(self._screens) if self._screens is not None else QGuiApplication.screens()
        target = display_screen(screens, QGuiApplication.primaryScreen())
        if target is not None:
            self.setGeometry(target.geometry())
            if self.windowHandle() is not None:
                self.windowHandle().setScreen(target)
            self.showFullScreen()
        elif not self.isVisible():
            self._place(panel)
            self.show()
            self._settle_timer.start()
        self.raise_()

    @property
    def settling(self) -> bool:
        """Just shown: moves now are the window manager's, not the receptionist's, and are not remembered."""
        return self._settle_timer.isActive()

    def _place(self, panel: QWidget | None) -> None:
        screen = (panel.screen() if panel is not None else None) or QGuiApplication.primaryScreen()
        available = self._available or screen.availableGeometry()
        margins = frame_margins(panel)
        place = saved_place(available, margins, Settings.load().customer_display_geometry)
        if place is None and panel is not None:
            place, panel_at = beside(available, panel.frameGeometry(), margins)
            panel.move(panel_at)
        self._placed = place or QRect(available.topLeft(), fitted_frame(available, margins)).marginsRemoved(margins)
        self.setGeometry(self._placed)

    def moveEvent(self, event: QMoveEvent) -> None:
        super().moveEvent(event)
        self._moved()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._moved()

    def hideEvent(self, event: QHideEvent) -> None:
        if self._save_timer.isActive():
            self._save_timer.stop()
            self._save_place()
        super().hideEvent(event)

    def _moved(self) -> None:
        if self.isVisible() and not self.full_screen and not self.settling:
            self._save_timer.start()

    def _save_place(self) -> None:
        """Remember a place the receptionist chose (not the one the desk chose) for the next time, on this computer."""
        if self.full_screen or self.geometry() == self._placed:
            return
        settings = Settings.load()
        rect = self.geometry()
        settings.customer_display_geometry = [rect.x(), rect.y(), rect.width(), rect.height()]
        settings.save()
        self._placed = rect

    @property
    def full_screen(self) -> bool:
        return bool(self.windowState() & Qt.WindowState.WindowFullScreen)

    # -- states -----------------------------------------------------------------------------------------------

    def set_clinic_name(self, name: str) -> None:
        self.clinic.setText(name)

    def show_idle(self) -> None:
        self._tick.stop()
        self._idle_timer.stop()
        self.session = None
        self.qr.clear()
        self._message("idle", tr("Welcome"), "")
        if self.board is not None:
            self.pages.setCurrentWidget(self.board)

    def show_qr(self, session: UpiSession, png: bytes) -> None:
        self._idle_timer.stop()
        self.session = session
        self.state = "qr"
        self.greeting.setText(tr("Namaste, {name}").format(name=session.patient_first_name)
                              if session.patient_first_name else tr("Namaste"))
        self.amount.setText(format_inr(session.amount))
        self.qr.show_png(png)
        self.hint.setText(tr("Scan with any UPI app to pay"))
        self.pages.setCurrentIndex(1)
        self._update_countdown()
        self._tick.start()

    def show_session(self, session: UpiSession) -> None:
        """Mirror a settled session; an active one keeps the QR that is shown."""
        if self.session is not None and session.id != self.session.id:
            return
        amount = format_inr(session.amount)
        if session.status is SessionStatus.COMPLETED:
            self._message("paid", tr("Paid ✓") + f"\n{amount}", "#1b7f3b")
        elif session.status is SessionStatus.EXPIRED:
            self._message("expired", tr("This QR code has expired"), "#8a5a00")
        elif session.status is SessionStatus.CANCELLED:
            self._message("cancelled", tr("Payment cancelled"), "#555555")
        elif session.status is SessionStatus.REVIEW:
            self._message("review", tr("Please wait — the clinic is checking your payment"), "#8a5a00")
        else:
            return
        self._idle_timer.start(self.return_after_ms)

    def _message(self, state: str, text: str, color: str) -> None:
        self._tick.stop()
        self.state = state
        self.qr.clear()
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {color};" if color else "")
        self.pages.setCurrentIndex(0)

    def _update_countdown(self) -> None:
        if self.session is not None:
            self.countdown.setText(tr("Valid for {time}").format(time=countdown_text(self.session.expires_at)))


def display_for(widget: QWidget, backend: Backend) -> CustomerDisplay:
    """The customer display of the main window `widget` lives in, made on first use and kept until it closes."""
    root = widget
    while root.parentWidget() is not None:
        root = root.parentWidget()
    found = root.findChild(CustomerDisplay, "customer_display", Qt.FindChildOption.FindDirectChildrenOnly)
    if found is not None:
        return found
    actor = getattr(root, "actor", None)
    desk = isinstance(actor, Actor) and actor.role in (Role.RECEPTIONIST, Role.ADMIN)
    display = CustomerDisplay(root, board=WaitingBoardView(backend, actor) if desk else None)
    _CloseWith(root, display)
    run_in_background(display, clinic.clinic_name, backend.uow(), on_success=display.set_clinic_name,
                      on_failure=lambda _error: None)
    return display


class _CloseWith(QObject):
    """Hides the display when its main window closes (a sign-out must not leave a QR on the patient's side)."""

    def __init__(self, root: QWidget, display: CustomerDisplay) -> None:
        super().__init__(display)
        self._display = display
        root.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close:
            self._display.close()
        return False
