"""The lock screen in Hindi: its refusal is in Hindi and every line of it shows whole (the vowel signs above and
below the letters are not cut off)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QLabel, QMainWindow

from homa_desk.ui.common.i18n import install_language
from homa_desk.ui.common.resources import apply_style
from homa_desk.ui.shell.lock_dialog import LockDialog


@pytest.fixture
def hindi_desk(qapp):
    previous = qapp.styleSheet()
    assert install_language(qapp, "hi") and apply_style(qapp)
    yield
    install_language(qapp, "en")
    qapp.setStyleSheet(previous)


def fits(label: QLabel) -> bool:
    """The label as laid out is as tall as its size hint (at its width, when it wraps) and holds the wrapped text's
    height measured with its font."""
    room = label.contentsRect()
    needed = label.fontMetrics().boundingRect(QRect(0, 0, room.width(), 100_000), Qt.TextFlag.TextWordWrap,
                                              label.text())
    hint = label.heightForWidth(label.width()) if label.wordWrap() else label.sizeHint().height()
    return label.height() >= hint and room.height() >= needed.height()


def test_the_lock_screens_refusal_is_hindi_and_never_clipped(qtbot, backend, admin, hindi_desk):
    window = QMainWindow()
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    dialog = LockDialog(backend, admin, window)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.password, "Not-The-Password-1")
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.error.isVisible, timeout=10_000)
    qtbot.wait(50)

    text = dialog.error.text()
    assert text.startswith("ई-मेल या पासवर्ड गलत है।") and "5" in text and "15" in text
    for label in (dialog.error, dialog.prompt):
        assert fits(label), (label.objectName(), label.geometry(), label.sizeHint())
    assert dialog.geometry().height() <= 768 and dialog.error.geometry().bottom() < dialog.unlock_button.y()
    dialog.sign_out_instead()
