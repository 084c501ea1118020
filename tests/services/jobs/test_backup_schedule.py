"""The daily backup's schedule, without a timer: ask at start, then only when a slot has passed; retry after 15 min."""

from __future__ import annotations

from datetime import datetime, timedelta

from homa_desk.config import Settings
from homa_desk.domain.timeutil import CLINIC_TZ
from homa_desk.services.backup import ScheduledOutcome
from homa_desk.services.jobs.backup_schedule import RETRY_AFTER, BackupSchedule

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=CLINIC_TZ)
DAILY = Settings(backup_time="20:00")


def test_the_first_check_asks_and_no_second_ask_while_it_runs():
    schedule = BackupSchedule()
    assert schedule.should_run(NOW, DAILY)
    assert not schedule.should_run(NOW, DAILY)


def test_once_todays_backup_is_known_the_next_ask_waits_for_the_next_slot():
    schedule = BackupSchedule()
    assert schedule.should_run(NOW, DAILY)
    schedule.done(ScheduledOutcome(last_backup_at=NOW, made=None))
    assert not schedule.should_run(NOW + timedelta(hours=10), DAILY)  # 19:30, before the 20:00 slot
    assert schedule.should_run(NOW + timedelta(hours=11), DAILY)


def test_a_failure_is_retried_a_quarter_of_an_hour_later():
    schedule = BackupSchedule()
    assert schedule.should_run(NOW, DAILY)
    schedule.failed(NOW)
    assert not schedule.should_run(NOW + RETRY_AFTER - timedelta(seconds=1), DAILY)
    assert schedule.should_run(NOW + RETRY_AFTER, DAILY)


def test_no_schedule_no_ask():
    assert not BackupSchedule().should_run(NOW, Settings(backup_time=""))
