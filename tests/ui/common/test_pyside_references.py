"""The installed PySide6 keeps Python's reference counts right: PySide6 6.12.0 dropped a reference to None on every
Qt call that returns nothing, and Python 3.11 (None is not yet immortal) aborted the desk after ~35 opens of the
payment history ("Fatal Python error: none_dealloc"). pyproject.toml excludes that release; this catches the next."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QWidget


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_qt_calls_returning_nothing_leave_none_alone(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(1000):
        widget.setEnabled(True)
    assert sys.getrefcount(None) - before > -100  # a few come and go with the interpreter's own work
