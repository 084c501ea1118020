"""Settings → Backup → Off-site copy, driven like an admin against a second real PostgreSQL: test, save, copy now,
a failure shown with its next try in Settings and in the header, never silent."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTime

from homa_desk.config import Settings, config_file
from homa_desk.domain.roles import Role
from homa_desk.secret_store import SERVICE
from homa_desk.services import offsite
from homa_desk.services import staff as staff_service
from homa_desk.ui.settings.backup_tab import BackupTab
from homa_desk.ui.shell.main_window import MainWindow
from tests.helpers import new_staff
from tests.offsite_helpers import PASSWORD, raw


def click(qtbot, button) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def open_box(qtbot, backend, actor, tmp_path):  # type: ignore[no-untyped-def]
    Settings(backup_folder=str(tmp_path / "backups")).save()
    tab = BackupTab(backend, actor)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitUntil(lambda: tab.offsite.state is not None, timeout=10_000)
    return tab  # the box lives as long as its tab


def test_the_admin_tests_saves_and_copies_then_a_failure_is_shown_with_its_next_try(
        qtbot, backend, uow, admin, offsite_server, memory_keyring, tmp_path):
    tab = open_box(qtbot, backend, admin, tmp_path)
    box = tab.offsite
    assert box.last_good.text() == "No off-site copy yet." and box.problem.text() == ""
    control = offsite_server.new_database()
    qtbot.keyClicks(box.url, raw(control))
    qtbot.keyClicks(box.password, "not-the-password")
    click(qtbot, box.test_button)
    qtbot.waitUntil(lambda: box.errors.label("offsite_url").text() != "", timeout=10_000)
    assert "Cannot connect" in box.errors.label("offsite_url").text()
    box.password.clear()
    qtbot.keyClicks(box.password, PASSWORD)
    click(qtbot, box.test_button)
    qtbot.waitUntil(lambda: box.last_good.text().startswith("Connected to"), timeout=10_000)

    box.enabled.setChecked(True)
    box.daily_at.setTime(QTime(23, 15))
    with qtbot.waitSignal(box.saved, timeout=10_000):
        click(qtbot, box.save_button)
    saved = Settings.load()
    assert saved.offsite_enabled and saved.offsite_time == "23:15" and saved.offsite_url == raw(control)
    assert box.password.text() == "" and PASSWORD not in config_file().read_text(encoding="utf-8")

    with qtbot.waitSignal(box.copied, timeout=60_000):
        click(qtbot, box.copy_button)
    qtbot.waitUntil(lambda: box.last_good.text().startswith("Last good copy:"), timeout=10_000)
    assert "rows matched the backup" in box.last_good.text() and box.problem.text() == ""

    memory_keyring.secrets[(SERVICE, offsite.secret_name(control))] = "changed-on-neon"
    click(qtbot, box.copy_button)
    qtbot.waitUntil(lambda: "failed" in box.problem.text(), timeout=30_000)
    assert "Next try at" in box.problem.text() and box.last_good.text().startswith("Last good copy:")

    window = MainWindow(backend, admin)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.offsite_badge.isVisible(), timeout=10_000)
    assert window.offsite_badge.text() == "Off-site copy failed"
    assert "password" in window.offsite_badge.toolTip()


def test_a_receptionist_sees_no_off_site_warning(qtbot, backend, uow, admin):
    receptionist = staff_service.add_staff(uow, admin, new_staff(Role.RECEPTIONIST)).as_actor()
    offsite.save_offsite(uow, admin, "", "", "23:30", False)
    window = MainWindow(backend, receptionist)
    qtbot.addWidget(window)
    window.show()
    qtbot.wait(200)
    assert not window.offsite_badge.isVisible()


def test_a_night_without_a_good_copy_is_flagged_in_the_header(qtbot, backend, admin):
    from datetime import time, timedelta

    from homa_desk.domain.timeutil import utcnow
    from homa_desk.services.offsite import OffsiteState
    from homa_desk.ui.shell.offsite_badge import OffsiteBadge

    badge = OffsiteBadge(backend, admin, first_after_ms=60_000)
    qtbot.addWidget(badge)
    badge.show_state(OffsiteState(enabled=True, daily_at=time(23, 30), enabled_at=utcnow() - timedelta(days=3)))
    assert badge.isVisible() and badge.text() == "Off-site copy missed"
    assert badge.toolTip().startswith("No good off-site copy")
    badge.show_state(OffsiteState(enabled=True, daily_at=time(23, 30), enabled_at=utcnow()))
    assert not badge.isVisible()
    badge.stop()
