"""A new computer for a clinic: the set-up wizard's "Restore from the off-site copy" path on a new data folder,
driven like a person, against the clinic's copy in a second real PostgreSQL; then the clinic's admin signs in."""

from __future__ import annotations

from datetime import datetime, timedelta

import psycopg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from homa_desk.backend import DatabaseTarget
from homa_desk.config import Settings, config_file
from homa_desk.db import backup as dumps
from homa_desk.db import offsite as offsite_layout
from homa_desk.domain.errors import DomainError
from homa_desk.domain.timeutil import CLINIC_TZ
from homa_desk.secret_store import SERVICE
from homa_desk.services import auth, clinic, offsite
from homa_desk.ui.shell.first_run_wizard import FirstRunWizard
from tests.helpers import STRONG_PASSWORD, libpq
from tests.offsite_helpers import PASSWORD, raw

NIGHT = datetime(2026, 12, 2, 23, 45, tzinfo=CLINIC_TZ)


def click(qtbot, wizard: FirstRunWizard, which: QWizard.WizardButton) -> None:
    qtbot.mouseClick(wizard.button(which), Qt.MouseButton.LeftButton)


def test_a_new_computer_restores_the_clinic_from_the_off_site_copy_and_signs_in(
        qtbot, offsite_server, engine, db_url, owner_url, uow, admin, memory_keyring, tmp_path):
    # the old computer: a clinic with its nightly copy made
    target = DatabaseTarget("embedded", db_url, owner_url)
    clinic.set_clinic_name(uow, admin, "Lotus Family Clinic")
    control = offsite_server.new_database()
    Settings(backup_folder=str(tmp_path / "old-backups")).save()
    offsite.save_offsite(uow, admin, raw(control), PASSWORD, "23:30", True, now=NIGHT - timedelta(days=1))
    made = offsite.run_scheduled_copy(uow, target, Settings.load(), now=NIGHT).made
    assert made is not None
    at_copy = offsite_layout.latest_good(control.set(password=PASSWORD)).counts  # the manifest: counts at dump time
    assert at_copy["public.users"] == 1 and len(at_copy) > 20
    config_file().unlink()  # the new computer has no settings, no keyring entry
    memory_keyring.secrets.clear()

    data_dir = tmp_path / "new-computer"
    wizard = FirstRunWizard(None, data_dir=data_dir)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.database_page.offsite.setChecked(True)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    page = wizard.offsite_page
    assert wizard.currentPage() is page
    qtbot.keyClicks(page.url, raw(control))
    qtbot.keyClicks(page.password, "wrong-password")
    click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    qtbot.waitUntil(lambda: page.errors.label("offsite_url").text() != "", timeout=30_000)
    assert "Cannot connect" in page.errors.label("offsite_url").text() and not data_dir.exists()
    page.password.clear()
    qtbot.keyClicks(page.password, PASSWORD)
    with qtbot.waitSignal(wizard.completed, timeout=180_000) as done:
        click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    outcome = done.args[0]
    try:
        assert outcome.admin is None and outcome.backend.target.kind == "embedded"
        assert (data_dir / "PG_VERSION").exists()
        with psycopg.connect(libpq(outcome.backend.target.url)) as conn:
            here = dumps.row_counts(conn)
        assert {t: n for t, n in here.items() if t != "public.audit_log"} == \
            {t: n for t, n in at_copy.items() if t != "public.audit_log"}
        assert here["public.audit_log"] == at_copy["public.audit_log"] + 1  # "restored from the off-site copy"
        new_uow = outcome.backend.uow()
        assert clinic.clinic_name(new_uow) == "Lotus Family Clinic"
        member = auth.sign_in(new_uow, admin.email, STRONG_PASSWORD)
        assert member.email == admin.email
        saved = Settings.load()
        assert saved.database_url is None and saved.offsite_url == raw(control) and not saved.offsite_enabled
        assert PASSWORD not in config_file().read_text(encoding="utf-8")
        assert memory_keyring.secrets[(SERVICE, offsite.secret_name(control))] == PASSWORD
    finally:
        outcome.backend.close()
    # the same path again on this computer, which now has the clinic: refused, its data untouched
    with pytest.raises(DomainError, match="already has a clinic"):
        offsite.restore_to_new_computer(raw(control), PASSWORD, data_dir=data_dir)
