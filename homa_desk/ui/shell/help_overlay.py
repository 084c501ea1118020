"""F1: a semi-transparent layer over the main window listing every shortcut; Esc, F1 or a click closes it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QHideEvent, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget
from shiboken6 import isValid

from homa_desk.ui.common.i18n import tr

SHADE_ALPHA = 150  # of 255: the desk stays visible, dimmed, behind the list


class HelpOverlay(QWidget):
    """Covers its parent and follows its size; hidden until `open_over_parent`."""

    def __init__(self, parent: QWidget, rows: list[tuple[str, str]]) -> None:
        super().__init__(parent)
        self.setObjectName("help_overlay")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"#help_overlay {{ background-color: rgba(0, 0, 0, {SHADE_ALPHA}); }}"
                           "#help_panel { background-color: palette(window); border-radius: 6px; padding: 12px; }")
        panel = QFrame(self)
        panel.setObjectName("help_panel")
        grid = QGridLayout(panel)
        title = QLabel(tr("<b>Keyboard shortcuts</b>"))
        title.setProperty("role", "title")
        grid.addWidget(title, 0, 0, 1, 2)
        self.rows = rows
        for number, (keys, text) in enumerate(rows, start=1):
            key_label = QLabel(f"<b>{keys}</b>")
            key_label.setObjectName("help_keys")
            grid.addWidget(key_label, number, 0)
            grid.addWidget(QLabel(text), number, 1)
        hint = QLabel(tr("Esc closes this help."))
        grid.addWidget(hint, len(rows) + 1, 0, 1, 2)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(panel, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self._focus_before: QWidget | None = None
        parent.installEventFilter(self)
        self.hide()

    def open_over_parent(self) -> None:
        self._focus_before = QApplication.focusWidget()
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()
        self.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.open_over_parent()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if self._focus_before is not None and isValid(self._focus_before) and self._focus_before.isVisible():
            self._focus_before.setFocus(Qt.FocusReason.OtherFocusReason)
        self._focus_before = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F1):
            self.hide()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.hide()
