"""Settings → Desks on the host: a join code, the joined computers, Remove (the role is gone at once); on a desk
that does not host, nothing to press but what applies."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from homa_desk.db.lan.host import LanHost
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.roles import Role
from homa_desk.services import staff as staff_service
from homa_desk.ui.settings.desks_tab import DesksTab
from tests.helpers import new_staff


@pytest.fixture
def host(backend, cluster, db_url):
    backend.lan_host = LanHost(cluster.server, addresses=[], announce=False, database=db_url.database)
    backend.embedded = cluster.server
    yield backend.lan_host
    backend.lan_host.stop()
    backend.lan_host = backend.embedded = None


def test_the_host_makes_a_code_lists_the_desk_that_used_it_and_removes_it(qtbot, backend, host, owner_engine):
    admin = staff_service.create_first_admin(UnitOfWork(backend.engine), new_staff(Role.ADMIN), "Sunrise").as_actor()
    tab = DesksTab(backend, admin)
    qtbot.addWidget(tab)
    assert tab.host_button.isHidden() and tab.new_code_button.isEnabled()
    assert host.fingerprint[:4].upper() in tab.about.text()
    qtbot.mouseClick(tab.new_code_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.code.text() != "")
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", tab.code.text())
    credentials = host._redeem(tab.code.text(), "Doctor room", "192.168.1.21")  # what the join port does
    assert credentials is not None
    tab.refresh()
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1)
    assert [tab.table.item(0, c).text() for c in (0, 1, 3)] == ["Doctor room", "192.168.1.21", "never"]
    tab.table.selectRow(0)
    qtbot.mouseClick(tab.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 0)
    with owner_engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": credentials.role}) == 0
        assert conn.scalar(text("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1")) == "desk_removed"


def test_a_receptionist_gets_no_code(qtbot, backend, host):
    uow = UnitOfWork(backend.engine)
    admin = staff_service.create_first_admin(uow, new_staff(Role.ADMIN), "Sunrise").as_actor()
    desk = staff_service.add_staff(uow, admin, new_staff(Role.RECEPTIONIST)).as_actor()
    tab = DesksTab(backend, desk)
    qtbot.addWidget(tab)
    qtbot.mouseClick(tab.new_code_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.general_error.text() != "")
    assert tab.code.text() == ""


def test_a_desk_that_does_not_host_offers_nothing_it_cannot_do(qtbot, backend):
    admin = staff_service.create_first_admin(UnitOfWork(backend.engine), new_staff(Role.ADMIN), "Sunrise").as_actor()
    tab = DesksTab(backend, admin)
    qtbot.addWidget(tab)
    assert not tab.new_code_button.isEnabled() and not tab.remove_button.isEnabled()
    assert tab.host_button.isHidden()
