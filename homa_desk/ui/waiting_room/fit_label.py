"""A one-line label whose type is as large as asked (pixels, from the screen's height) unless its text would not fit
its width; then as large as fits. Its width comes from the layout, never from its text, so a longer name shrinks the
type instead of pushing the screen wider than the TV."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy

LINE_HEIGHT = 1.4  # a line's height per pixel of type: room for ascenders, descenders and Devanagari's marks
SMALLEST_PX = 12


class FitLabel(QLabel):
    """`resized` after the layout gave it a new size (and it has fitted its text to it)."""

    resized = Signal()

    def __init__(self, name: str, *, color: str = "white", bold: bool = False,
                 align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignCenter) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setContentsMargins(0, 0, 0, 0)
        self._color = color
        self._bold = bold
        self.target_px = 24
        self.cap_px: int | None = None  # a smaller size asked for, so a column's lines match
        self.px = 0

    def set_target(self, px: int) -> None:
        """The type's size when the text fits; the line's height follows it."""
        self.target_px = max(SMALLEST_PX, px)
        self.setFixedHeight(math.ceil(self.target_px * LINE_HEIGHT))
        self.refit()

    def set_cap(self, px: int | None) -> None:
        if px != self.cap_px:
            self.cap_px = px
            self.refit()

    def set_color(self, color: str) -> None:
        if color != self._color:
            self._color = color
            self.px = 0
            self.refit()

    def setText(self, text: str) -> None:
        if text != self.text():
            super().setText(text)
            self.refit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.refit()
        self.resized.emit()

    def fitting_px(self, *, capped: bool = True) -> int:
        """The largest size up to the target (and the cap) at which the text fits the label's width and height."""
        width, height = self.contentsRect().width(), self.contentsRect().height()
        px = min(self.target_px, self.cap_px or self.target_px) if capped else self.target_px
        font = QFont(self.font())
        font.setBold(self._bold)
        while px > SMALLEST_PX:
            font.setPixelSize(px)
            metrics = QFontMetrics(font)
            advance = metrics.horizontalAdvance(self.text())
            if advance <= width and metrics.height() <= height:
                break
            px = max(SMALLEST_PX, min(px - 1, math.floor(px * width / max(advance, 1))))
        return px

    def refit(self) -> None:
        px = self.fitting_px()
        if px != self.px:
            self.px = px
            self.setStyleSheet(f"font-size: {px}px; font-weight: {700 if self._bold else 400}; color: {self._color};"
                               " background: transparent; padding: 0; margin: 0;")
