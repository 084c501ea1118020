"""A drop-down whose choices are read when the user first reaches for it, not when its page opens.

A filter most page opens never touch (the payment history's doctor) would cost every open one more round trip to a
database up to 150 ms away. Here the read starts when the box takes the focus (Tab, or the click that opens it);
a click that comes before the answer opens the list once the answer is in.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QComboBox, QWidget


class LazyCombo(QComboBox):
    """`load()` is called once, on first focus or first click; the page calls `loaded()` (or `load_failed()`) when
    the choices are in the model."""

    def __init__(self, load: Callable[[], object], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._load = load
        self.state = "not asked"  # "asked", "loaded"
        self._popup_wanted = False

    def ensure_loaded(self) -> None:
        if self.state == "not asked":
            self.state = "asked"
            self._load()

    def loaded(self) -> None:
        self.state = "loaded"
        if self._popup_wanted and self.isVisible():
            self._popup_wanted = False
            super().showPopup()

    def load_failed(self) -> None:
        """The next focus or click asks again."""
        self.state = "not asked"
        self._popup_wanted = False

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.ensure_loaded()
        super().focusInEvent(event)

    def showPopup(self) -> None:
        if self.state != "loaded":
            self._popup_wanted = True
            self.ensure_loaded()
            return
        super().showPopup()
