"""The desk's style sheet keeps every choice readable."""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox

from homa_desk.ui.common.resources import apply_style


@pytest.fixture
def desk_style(qapp):
    previous = qapp.styleSheet()
    assert apply_style(qapp)
    yield
    qapp.setStyleSheet(previous)


def _luminance(color: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def _contrast(a: QColor, b: QColor) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_highlighted_entry_of_a_dropdown_can_be_read(qtbot, desk_style):
    """White on white with the style sheet before: the row's text must stand out from its own background
    (WCAG's 4.5:1 for text), and the highlight must differ from the other rows'."""
    combo = QComboBox()
    qtbot.addWidget(combo)
    combo.addItems(["Cash", "UPI", "Card", "Net banking"])
    combo.resize(200, 32)
    combo.show()
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    view.setCurrentIndex(view.model().index(1, 0))
    qtbot.wait(20)

    image = view.viewport().grab().toImage()

    def colours(row: int) -> Counter:
        rect = view.visualRect(view.model().index(row, 0)).intersected(view.viewport().rect())
        return Counter(image.pixelColor(x, y).rgb() for x in range(rect.left(), rect.right())
                       for y in range(rect.top(), rect.bottom()))

    highlighted = colours(1)
    background = QColor.fromRgb(highlighted.most_common(1)[0][0])
    text = max((QColor.fromRgb(rgb) for rgb in highlighted), key=lambda colour: _contrast(colour, background))
    assert _contrast(text, background) >= 4.5
    other_background = QColor.fromRgb(colours(0).most_common(1)[0][0])
    assert other_background != background
    combo.hidePopup()
