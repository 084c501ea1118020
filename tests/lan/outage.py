"""The joining desk (this test process, real widgets) with a patient form open while the clinic's host goes away
and comes back: the header says so, what was typed stays, a save meanwhile is refused in words, the desk
reconnects by itself, and the save then goes through to the host."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import text

from homa_desk.config import Settings
from homa_desk.connect import open_backend
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.errors import DatabaseUnavailable
from homa_desk.domain.roles import Role
from homa_desk.services import clinic_network
from homa_desk.services import staff as staff_service
from homa_desk.ui.common import worker
from homa_desk.ui.shell.app import DeskController
from homa_desk.ui.shell.database_status import CONNECTED, UNREACHABLE
from tests.helpers import new_staff
from tests.ui.desk_helpers import start_signed_in

PING_MS = 300


def in_background(qtbot, fn) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    thread = threading.Thread(target=fn)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=120_000)
    return time.monotonic() - started


def host_goes_away_and_comes_back(qtbot, host, settings_path, go_away) -> None:  # type: ignore[no-untyped-def]
    clinic_network.join_clinic(host.network.host_address, host.code(), settings_path=settings_path,
                               desk_name="Reception 2")
    backend = open_backend(Settings.load(settings_path))
    try:
        uow = UnitOfWork(backend.engine)
        admin = staff_service.create_first_admin(uow, new_staff(Role.ADMIN), "Sunrise Clinic").as_actor()
        receptionist = staff_service.add_staff(uow, admin, new_staff(Role.RECEPTIONIST)).as_actor()
        controller = DeskController(backend, ping_interval_ms=PING_MS)
        window = start_signed_in(qtbot, controller, receptionist.email)
        status = window.database_status
        qtbot.waitUntil(lambda: status.reachable is True, timeout=10_000)
        assert status.text.text() == f"Clinic host ({host.network.host_address}): {CONNECTED}"

        window.show_page("patients")
        form = window.views["patients"].register_new()
        qtbot.keyClicks(form.full_name, "Sunil Rao")
        qtbot.keyClicks(form.phone, "9876501234")
        qtbot.keyClicks(form.age_years, "40")

        in_background(qtbot, go_away)
        qtbot.waitUntil(lambda: status.reachable is False, timeout=10_000)
        assert status.text.text() == f"Clinic host ({host.network.host_address}): {UNREACHABLE}"
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: form.general_error.text() != "", timeout=20_000)
        assert form.general_error.text() == DatabaseUnavailable().message
        assert form.isVisible() and form.full_name.text() == "Sunil Rao" and form.phone.text() == "9876501234"

        took = in_background(qtbot, host.start)
        print(f"the host took {took:.1f} s to come back")
        qtbot.waitUntil(lambda: status.reachable is True, timeout=30_000)  # by itself: nobody pressed anything
        assert status.text.text().endswith(CONNECTED)
        assert form.full_name.text() == "Sunil Rao"
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: form.saved is not None, timeout=20_000)
        with backend.engine.connect() as conn:
            assert conn.execute(text("SELECT full_name FROM users WHERE role = 'patient'")).scalars().all() == [
                "Sunil Rao"]
        window.close()
    finally:
        assert worker.wait_for_idle(30)
        for widget in QApplication.topLevelWidgets():
            widget.close()
            widget.deleteLater()
        QApplication.processEvents()
        backend.close()
