"""The desk's off-site copy timer: the night's copy runs once; a failure is said (the header listens) and the desk
asks again only at the retry time the service recorded."""

from __future__ import annotations

from datetime import datetime, timedelta

from homa_desk.config import Settings
from homa_desk.domain.timeutil import CLINIC_TZ
from homa_desk.secret_store import SERVICE
from homa_desk.services import offsite
from homa_desk.ui.common import worker
from homa_desk.ui.shell.offsite_scheduler import OffsiteScheduler
from tests.offsite_helpers import PASSWORD, raw

NIGHT = datetime(2026, 12, 2, 23, 40, tzinfo=CLINIC_TZ)


def test_the_night_copy_runs_once_and_a_failure_waits_for_its_retry(qtbot, backend, uow, admin, offsite_server,
                                                                    memory_keyring, tmp_path):
    control = offsite_server.new_database()
    Settings(backup_folder=str(tmp_path / "backups")).save()
    offsite.save_offsite(uow, admin, raw(control), PASSWORD, "23:30", True, now=NIGHT - timedelta(days=1))
    settings = Settings.load()
    now = [NIGHT]
    scheduler = OffsiteScheduler(backend, interval_ms=20, load_settings=lambda: settings, clock=lambda: now[0])
    with qtbot.waitSignal(scheduler.copy_made, timeout=60_000):
        scheduler.start()
    qtbot.wait(300)  # many more ticks: nothing more tonight
    assert worker.wait_for_idle(15) and not scheduler.running
    assert scheduler.next_check == datetime(2026, 12, 3, 23, 30, tzinfo=CLINIC_TZ)

    memory_keyring.secrets[(SERVICE, offsite.secret_name(control))] = "changed-on-neon"
    now[0] = datetime(2026, 12, 3, 23, 31, tzinfo=CLINIC_TZ)
    with qtbot.waitSignal(scheduler.copy_failed, timeout=30_000) as failed:
        pass
    assert "Cannot connect to the off-site database" in failed.args[0]
    assert scheduler.next_check == now[0] + timedelta(minutes=5)
    with qtbot.assertNotEmitted(scheduler.copy_failed, wait=300):
        now[0] += timedelta(minutes=4)
    scheduler.stop()
    assert worker.wait_for_idle(15)
    assert offsite.copy_status(uow, admin).failures == 1
