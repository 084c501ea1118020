"""A 1366×768 laptop (the `laptop` fixture in tests/ui/conftest.py): its screen, and its work area less a taskbar."""

from __future__ import annotations

from PySide6.QtCore import QRect

SCREEN = QRect(0, 0, 1366, 768)
WORK_AREA = QRect(0, 0, 1366, 728)
