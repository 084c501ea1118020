"""Fixtures for the desk's widgets: a Backend on the test's own database, and no call left running after a test."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from homa_desk.backend import Backend, DatabaseTarget
from homa_desk.ui import worker


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
