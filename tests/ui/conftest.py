"""Fixtures for the desk's widgets: a Backend on the test's own database, and no call left running after a test."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QApplication, QWidget

from homa_desk.backend import Backend, DatabaseTarget
from homa_desk.ui.common import worker
from homa_desk.ui.common.resources import apply_style
from tests.ui.screen_helpers import SCREEN, WORK_AREA


@pytest.fixture
def backend(engine, db_url, owner_url) -> Backend:
    """Torn down before the engine: every call it started has answered before the database goes away."""
    yield Backend(engine=engine, target=DatabaseTarget("embedded", db_url, owner_url))
    assert worker.wait_for_idle(15)


@pytest.fixture(autouse=True)
def _no_call_left_running(qapp):
    """A background call still running would touch a database the next fixture drops."""
    yield
    assert worker.wait_for_idle(15)
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QApplication.processEvents()


def top_level(kind: type[QWidget]) -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


@pytest.fixture
def laptop(qapp, monkeypatch):
    """The desk's code sees a 1366×768 laptop's screen (QScreen as Python calls it), with the desk's style sheet,
    which sets the fonts and paddings that decide what fits."""
    monkeypatch.setattr(QScreen, "availableGeometry", lambda _screen: QRect(WORK_AREA))
    monkeypatch.setattr(QScreen, "geometry", lambda _screen: QRect(SCREEN))
    previous = qapp.styleSheet()
    assert apply_style(qapp)
    yield
    qapp.setStyleSheet(previous)
