"""Driving the desk as a receptionist would: the sign-in window, then the main window; a double-click on a row."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QStyle

from homa_desk.ui.shell.app import DeskController
from homa_desk.ui.shell.login_dialog import LoginDialog
from homa_desk.ui.shell.main_window import MainWindow
from tests.helpers import STRONG_PASSWORD


def sign_in(qtbot, dialog: LoginDialog, email: str | None, password: str) -> None:  # type: ignore[no-untyped-def]
    """Type into the sign-in (the e-mail replaced unless None) and press Sign in."""
    if email is not None:
        dialog.email.clear()
        qtbot.keyClicks(dialog.email, email)
    qtbot.keyClicks(dialog.password, password)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)


def wait_for_sign_in(qtbot, controller: DeskController) -> LoginDialog:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: controller.login_dialog is not None and controller.login_dialog.isVisible())
    assert controller.login_dialog is not None
    return controller.login_dialog


def start_signed_in(qtbot, controller: DeskController, email: str,  # type: ignore[no-untyped-def]
                    password: str = STRONG_PASSWORD) -> MainWindow:
    """Start the desk, sign in at its sign-in window, and wait for the main window."""
    controller.start()
    sign_in(qtbot, wait_for_sign_in(qtbot, controller), email, password)
    qtbot.waitUntil(lambda: controller.main_window is not None and controller.main_window.isVisible())
    assert controller.main_window is not None
    return controller.main_window


def double_click(qtbot, view: QAbstractItemView, index: QModelIndex) -> None:  # type: ignore[no-untyped-def]
    """A user's double-click on a row: the first click's press and release, then the second press (a double-click)."""
    centre = view.visualRect(index).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)


def cut_cells(view: QAbstractItemView) -> list[tuple[str, int, int]]:  # type: ignore[no-untyped-def]
    """The cells of the rows in `view` whose text is wider than their column, as (text, text width, column width).

    A cell's text is drawn inside the focus frame's margin on each side; wider than that, it is elided ("02-1…")."""
    model, header = view.model(), view.horizontalHeader()
    margin = 2 * (view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1)
    cut = []
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            text = str(model.data(model.index(row, column)) or "")
            width = view.fontMetrics().horizontalAdvance(text) + margin
            if width > header.sectionSize(column):
                cut.append((text, width, header.sectionSize(column)))
    return cut
