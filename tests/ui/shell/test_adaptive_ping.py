"""On a remote database the header's ping rests while nobody uses the desk (so Neon can suspend the compute), and
the first touch afterwards says "connecting…" while the database wakes, never "unreachable" at once."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from homa_desk.backend import Backend, DatabaseTarget
from homa_desk.domain.errors import DatabaseUnavailable
from homa_desk.ui.common import activity as activity_module
from homa_desk.ui.common.activity import DeskActivity, when_in_use
from homa_desk.ui.shell import database_status
from homa_desk.ui.shell.database_status import CONNECTED, CONNECTING, RESTING, UNREACHABLE, DatabaseStatus

INTERVAL_MS = 100


@pytest.fixture
def remote(engine, db_url) -> Backend:
    return Backend(engine=engine, target=DatabaseTarget("remote", db_url))


@pytest.fixture
def pings(monkeypatch):
    """Counts the pings; `failing` of them (after a rest) the database does not answer, as a waking compute."""
    calls = {"count": 0, "failing": 0}
    real = database_status.auth.check_signed_in

    def ping(uow, account):  # type: ignore[no-untyped-def]
        calls["count"] += 1
        if calls["failing"]:
            calls["failing"] -= 1
            raise DatabaseUnavailable()
        return real(uow, account)

    monkeypatch.setattr(database_status.auth, "check_signed_in", ping)
    return calls


def test_the_ping_rests_while_idle_and_wakes_connecting_on_the_first_key(qtbot, remote, pings):
    activity = DeskActivity(resting_after=0.6)
    status = DatabaseStatus(remote, interval_ms=INTERVAL_MS, activity=activity)
    qtbot.addWidget(status)
    qtbot.waitUntil(lambda: status.reachable is True)
    qtbot.waitUntil(lambda: status.resting, timeout=3000)
    assert status.text.text().endswith(RESTING)
    rested_at = pings["count"]
    qtbot.wait(6 * INTERVAL_MS)
    assert pings["count"] == rested_at  # no ping while nobody uses the desk

    pings["failing"] = 1  # the compute takes a moment to resume
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    qtbot.keyClick(field, Qt.Key.Key_A)  # anyone touching the desk wakes it
    assert status.text.text().endswith(CONNECTING)
    assert not status.text.text().endswith(UNREACHABLE)
    qtbot.waitUntil(lambda: status.text.text().endswith(CONNECTED), timeout=8000)
    assert status.reachable is True and pings["count"] >= rested_at + 2
    activity.deleteLater()


def test_an_embedded_desk_keeps_pinging(qtbot, backend, pings):
    activity = DeskActivity(resting_after=0.2)
    status = DatabaseStatus(backend, interval_ms=INTERVAL_MS, activity=activity)
    qtbot.addWidget(status)
    qtbot.waitUntil(lambda: status.reachable is True)
    before = pings["count"]
    qtbot.waitUntil(lambda: pings["count"] >= before + 3, timeout=5000)
    assert not status.resting


def test_views_refresh_only_while_the_desk_is_used(remote, backend, monkeypatch):
    resting = DeskActivity(resting_after=0.0)
    monkeypatch.setattr(activity_module, "_activity", resting)
    loads: list[str] = []
    when_in_use(remote, lambda: loads.append("remote"))()
    when_in_use(backend, lambda: loads.append("embedded"))()
    assert loads == ["embedded"]
    resting.resting_after = 3600
    when_in_use(remote, lambda: loads.append("remote"))()
    assert loads == ["embedded", "remote"]
