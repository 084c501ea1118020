"""Answering the desk's Save / Discard / Stay question (ui/common/unsaved.py) as a user would."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton


def questions() -> list[QMessageBox]:
    return [w for w in QApplication.allWidgets()
            if isinstance(w, QMessageBox) and w.objectName() == "unsaved_changes" and w.isVisible()]


def the_question(qtbot) -> QMessageBox:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: len(questions()) == 1)
    return questions()[0]


def answer(qtbot, choice: str) -> QMessageBox:  # type: ignore[no-untyped-def]
    """Click Save, Discard or Stay ("save", "discard", "stay") on the question now shown."""
    box = the_question(qtbot)
    button = box.findChild(QPushButton, f"unsaved_{choice}")
    assert button is not None and button.isVisible(), choice
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not questions())
    return box
