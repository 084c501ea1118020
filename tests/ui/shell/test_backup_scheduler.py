"""The desk's daily backup timer: a missed day runs at start, once; nothing when the schedule is off."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from homa_desk.config import Settings
from homa_desk.domain.timeutil import CLINIC_TZ
from homa_desk.services import backup
from homa_desk.ui.common import worker
from homa_desk.ui.shell.backup_scheduler import BackupScheduler

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=CLINIC_TZ)


def test_a_missed_day_is_backed_up_at_start_and_only_once(qtbot, backend, admin, tmp_path):
    settings = Settings(backup_folder=str(tmp_path / "daily"), backup_time="20:00", backup_keep=5)
    scheduler = BackupScheduler(backend, interval_ms=20, load_settings=lambda: settings, clock=lambda: NOW)
    with qtbot.waitSignal(scheduler.backup_made, timeout=30_000) as made:
        scheduler.start()
    assert made.args[0].path.parent == (tmp_path / "daily").resolve()
    qtbot.wait(300)  # many more ticks: the desk now knows today's backup is made
    scheduler.stop()
    assert worker.wait_for_idle(15)
    assert len(backup.list_backups(tmp_path / "daily")) == 1
    assert backup.last_backup_at(backend.uow()) == NOW


def test_no_schedule_no_backup(qtbot, backend, admin, tmp_path):
    settings = Settings(backup_folder=str(tmp_path / "daily"), backup_time="")
    scheduler = BackupScheduler(backend, interval_ms=20, load_settings=lambda: settings, clock=lambda: NOW)
    scheduler.start()
    qtbot.wait(200)
    scheduler.stop()
    assert not scheduler.running
    assert not Path(tmp_path / "daily").exists()
