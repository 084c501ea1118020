"""Settings → Backup → Off-site copy: the remote URL, its password (to the keyring), the night's time, on/off, Test
connection, Copy now, and what happened last (the last good copy; the last failure and the next try)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTimeEdit,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.config import Settings
from homa_desk.domain.errors import DomainError
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import format_local_time, utcnow
from homa_desk.services import offsite
from homa_desk.services.offsite import CopyResult, OffsiteCheck, OffsitePlan, OffsiteState
from homa_desk.ui.common.form import ErrorLabel, FieldErrors, line_edit
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.service_text import service_text
from homa_desk.ui.common.worker import run_in_background


def file_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(size, 1024) // 1024} KB"


def good_text(copy: CopyResult | None) -> str:
    if copy is None:
        return tr("No off-site copy yet.")
    return tr("Last good copy: {time}, {size}; {tables} tables, {rows} rows matched the backup.").format(
        time=format_local_time(copy.at), size=file_size(copy.size), tables=copy.tables, rows=copy.rows)


def problem_text(state: OffsiteState, now: datetime) -> str:
    """The failure and the next try, or the missed night; "" when all is well."""
    parts = []
    if state.failing and state.last_failure is not None:
        parts.append(tr("The copy at {time} failed: {reason}").format(
            time=format_local_time(state.last_failure.at),
            reason=service_text(state.last_failure.key, state.last_failure.params)))
        if state.retry_at is not None:
            parts.append(tr("Next try at {time}.").format(time=format_local_time(state.retry_at)))
    if state.missed(now):
        parts.append(tr("No good off-site copy since the last night's time: check it now."))
    return " ".join(parts)


class OffsiteBox(QGroupBox):
    saved = Signal(object)  # OffsitePlan
    copied = Signal(object)  # CopyResult

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(tr("Off-site copy (Neon or any PostgreSQL)"), parent)
        self.setObjectName("offsite_box")
        self._backend = backend
        self._actor = actor
        self.busy = False
        self.state: OffsiteState | None = None
        form = QFormLayout(self)
        self.general = ErrorLabel()
        self.general.setObjectName("offsite_error")
        self.errors = FieldErrors(form, self.general)
        self.url = line_edit("offsite_url", placeholder=tr("postgresql://user@ep-….neon.tech/neondb?sslmode=require"))
        self.errors.add_row(tr("Off-site URL"), "offsite_url", self.url)
        self.password = line_edit("offsite_password", password=True,
                                  placeholder=tr("blank = keep the saved password"))
        self.test_button = QPushButton(tr("Test connection"))
        self.test_button.setObjectName("offsite_test")
        self.test_button.clicked.connect(self.test_connection)
        password_row = QWidget()
        row = QHBoxLayout(password_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.password, 1)
        row.addWidget(self.test_button)
        self.errors.add_row(tr("Password"), "offsite_password", password_row)
        self.enabled = QCheckBox(tr("Every night at"))
        self.enabled.setObjectName("offsite_enabled")
        self.daily_at = QTimeEdit()
        self.daily_at.setObjectName("offsite_time")
        self.daily_at.setDisplayFormat("HH:mm")
        self.save_button = QPushButton(tr("Save"))
        self.save_button.setObjectName("offsite_save")
        self.save_button.clicked.connect(self.save)
        self.copy_button = QPushButton(tr("Copy now"))
        self.copy_button.setObjectName("offsite_copy_now")
        self.copy_button.clicked.connect(self.copy_now)
        time_row = QWidget()
        row = QHBoxLayout(time_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.enabled)
        row.addWidget(self.daily_at)
        row.addStretch(1)
        row.addWidget(self.save_button)
        row.addWidget(self.copy_button)
        self.errors.add_row(tr("Schedule"), "offsite_time", time_row)
        self.last_good = QLabel()
        self.last_good.setObjectName("offsite_last_good")
        self.last_good.setWordWrap(True)
        self.problem = ErrorLabel()
        self.problem.setObjectName("offsite_problem")
        self.problem.setWordWrap(True)
        form.addRow(self.general)
        form.addRow(self.last_good)
        form.addRow(self.problem)
        self.show_plan(offsite.plan_from(Settings.load()))
        if backend.target.kind != "embedded":
            for widget in (self.url, self.password, self.test_button, self.enabled, self.daily_at, self.save_button,
                           self.copy_button):
                widget.setEnabled(False)
            self.last_good.setText(tr("This desk's data is on a remote server already; its provider keeps the "
                                      "off-site backups."))
        else:
            self.refresh()

    def show_plan(self, plan: OffsitePlan) -> None:
        self.url.setText(plan.url)
        self.enabled.setChecked(plan.enabled)
        self.daily_at.setTime(QTime(plan.daily_at.hour, plan.daily_at.minute))

    def refresh(self) -> None:
        run_in_background(self, offsite.copy_status, self._backend.uow(), self._actor, on_success=self.show_state,
                          on_failure=lambda error: self.general.show_message(error.message))

    def show_state(self, state: OffsiteState) -> None:
        self.state = state
        self.last_good.setText(good_text(state.last_good))
        self.problem.show_message(problem_text(state, utcnow()))
        if state.failing:
            self.general.show_message("")  # the failure is shown once, with its next try

    def test_connection(self) -> None:
        self.errors.clear()
        self.last_good.setText(tr("Connecting…"))
        self.test_button.setEnabled(False)
        run_in_background(self, offsite.test_connection, self._backend.uow(), self._actor, self.url.text(),
                          self.password.text(), on_success=self._tested, on_failure=self._test_refused)

    def _tested(self, check: OffsiteCheck) -> None:
        self.test_button.setEnabled(True)
        self.last_good.setText(tr("Connected to {host} (PostgreSQL {version}). {copy}").format(
            host=check.host, version=check.version, copy=good_text(check.latest)))

    def _test_refused(self, error: DomainError) -> None:
        self.test_button.setEnabled(True)
        self.last_good.setText("")
        self.errors.show(error)

    def save(self) -> None:
        self.errors.clear()
        self.save_button.setEnabled(False)
        run_in_background(self, offsite.save_offsite, self._backend.uow(), self._actor, self.url.text(),
                          self.password.text(), self.daily_at.time().toString("HH:mm"), self.enabled.isChecked(),
                          on_success=self._saved, on_failure=self._save_refused)

    def _saved(self, plan: OffsitePlan) -> None:
        self.save_button.setEnabled(True)
        self.password.clear()
        self.show_plan(plan)
        self.general.show_message("")
        self.last_good.setText(tr("Saved: a copy every night at {time}.").format(time=plan.daily_at.strftime("%H:%M"))
                               if plan.enabled else tr("Saved: the off-site copy is off."))
        self.saved.emit(plan)

    def _save_refused(self, error: DomainError) -> None:
        self.save_button.setEnabled(True)
        self.errors.show(error)

    def copy_now(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.errors.clear()
        self.copy_button.setEnabled(False)
        self.last_good.setText(tr("Copying to the off-site database…"))
        run_in_background(self, offsite.copy_now, self._backend.uow(), self._backend.target, self._actor,
                          Settings.load(), on_success=self._copied, on_failure=self._copy_failed)

    def _copied(self, made: CopyResult) -> None:
        self.busy = False
        self.copy_button.setEnabled(True)
        self.copied.emit(made)
        self.refresh()

    def _copy_failed(self, error: DomainError) -> None:
        self.busy = False
        self.copy_button.setEnabled(True)
        self.errors.show(error)
        self.refresh()
