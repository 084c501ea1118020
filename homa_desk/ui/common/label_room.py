"""Room for wrapped text: a label squeezed below the height its lines need cuts off Hindi's vowel signs (matras)
above and below the letters, so a window whose message can grow makes room for it."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLayout, QWidget


def grow_with_text(window: QWidget) -> None:
    """Let `window` grow (never shrink below its layout's minimum) when a message appears in it."""
    window.layout().setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)


def make_room(window: QWidget, *labels: QLabel) -> None:
    """Each shown label at least as tall as its font's metrics need for its wrapped lines at its width, and
    `window` (set up with `grow_with_text`) grown to hold them."""
    window.layout().activate()
    for label in labels:
        label.setMinimumHeight(label.heightForWidth(label.width()) if label.isVisible() else 0)
    window.layout().activate()
