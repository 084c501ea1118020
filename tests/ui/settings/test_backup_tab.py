"""Settings → Backup, driven like an admin: plan, back up now, restore with the confirmation, Move to Neon refusals."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTime

from homa_desk.config import Settings
from homa_desk.services import clinic
from homa_desk.ui.common.changes import change_hub
from homa_desk.ui.settings.backup_tab import BackupTab


def open_tab(qtbot, backend, actor, tmp_path) -> BackupTab:  # type: ignore[no-untyped-def]
    Settings(backup_folder=str(tmp_path / "backups")).save()
    tab = BackupTab(backend, actor)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitUntil(lambda: tab.last_backup.text() != "", timeout=10_000)
    return tab


def click(qtbot, button) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_the_admin_saves_the_plan_backs_up_and_restores(qtbot, backend, uow, admin, tmp_path):
    tab = open_tab(qtbot, backend, admin, tmp_path)
    assert tab.last_backup.text() == "No backup in this folder yet."
    assert tab.last_backup.property("role") == "error"  # a daily backup is on and none exists
    folder = tmp_path / "usb-stick"
    tab.folder.clear()
    qtbot.keyClicks(tab.folder, str(folder))
    tab.daily.setChecked(True)
    tab.daily_at.setTime(QTime(21, 15))
    tab.keep.setValue(7)
    click(qtbot, tab.save_button)
    qtbot.waitUntil(lambda: tab.plan_status.text().startswith("Saved"), timeout=10_000)
    saved = Settings.load()
    assert (saved.backup_folder, saved.backup_time, saved.backup_keep) == (str(folder.resolve()), "21:15", 7)

    click(qtbot, tab.backup_button)
    assert not tab.backup_button.isEnabled() and tab.progress.isVisible()
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1, timeout=30_000)
    assert tab.status.text().startswith("Backed up to homa-sunrise-clinic-")
    assert tab.last_backup.text().startswith("Last backup: ") and tab.last_backup.text().endswith("KB")
    assert tab.last_backup.property("role") is None
    assert tab.backup_button.isEnabled() and not tab.progress.isVisible()
    backup_file = tab.backups[0].path
    assert backup_file.parent == folder.resolve()

    clinic.set_clinic_name(uow, admin, "Changed Later")
    tab.table.selectRow(0)
    click(qtbot, tab.restore_button)
    box = tab.confirm_box
    assert box is not None and box.isVisible()
    assert "Replace ALL of the clinic's data" in box.text() and backup_file.name in box.text()
    with qtbot.waitSignal(tab.restored, timeout=60_000) as restored, \
            qtbot.waitSignal(change_hub().changed, timeout=60_000):
        click(qtbot, box.findChild(type(tab.backup_button), "confirm"))
    assert restored.args[0].restored == backup_file.name
    assert clinic.clinic_name(uow) == "Sunrise Clinic"
    assert tab.status.text().startswith(f"Restored {backup_file.name}.")
    qtbot.waitUntil(lambda: tab.table.rowCount() == 2, timeout=10_000)
    assert "(before a restore)" in tab.table.item(0, 0).text()


def test_cancelling_the_confirmation_restores_nothing(qtbot, backend, uow, admin, tmp_path):
    tab = open_tab(qtbot, backend, admin, tmp_path)
    stray = tmp_path / "stray.dump"
    stray.write_text("not a dump")
    box = tab.ask_to_restore(stray)
    click(qtbot, box.button(box.StandardButton.Cancel))
    assert not tab.progress.isVisible()
    assert tab.status.text() == ""

    box = tab.ask_to_restore(stray)
    click(qtbot, box.findChild(type(tab.backup_button), "confirm"))
    qtbot.waitUntil(tab.error.isVisible, timeout=10_000)
    assert "not a Homa Desk backup" in tab.error.text()
    assert list(Path(tmp_path / "backups").glob("*.dump")) == []


def test_move_to_neon_refusals_appear_next_to_the_url(qtbot, backend, admin, tmp_path):
    tab = open_tab(qtbot, backend, admin, tmp_path)
    qtbot.keyClicks(tab.move_url, "postgresql://clinic@ep-cool-1.ap-south-1.aws.neon.tech/neondb")
    qtbot.keyClicks(tab.move_password, "secret-Pw-1")
    click(qtbot, tab.move_button)
    click(qtbot, tab.confirm_box.findChild(type(tab.backup_button), "confirm"))
    error = tab.move_errors.label("database_url")
    qtbot.waitUntil(error.isVisible, timeout=10_000)
    assert "TLS" in error.text()
    assert tab.move_button.isEnabled()
    assert Settings.load().database_url is None


def test_a_receptionist_is_refused_by_the_service(qtbot, backend, receptionist, tmp_path):
    tab = open_tab(qtbot, backend, receptionist, tmp_path)
    click(qtbot, tab.backup_button)
    qtbot.waitUntil(tab.error.isVisible, timeout=10_000)
    assert "Only admin" in tab.error.text()
    assert list(Path(tmp_path / "backups").glob("*.dump")) == []
