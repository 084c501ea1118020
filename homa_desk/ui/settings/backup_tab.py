"""Settings → Backup: the folder and daily time, "Back up now", the backups in the folder, restore, Move to Neon, and
the nightly off-site copy (offsite_box.py).

Everything slow runs in the background; the tools' progress (the table being copied) shows under the buttons.
Restoring replaces the data every desk sees, so it asks first and takes a safety copy before it starts.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.config import Settings
from homa_desk.domain.errors import DomainError
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import format_local_time, utcnow
from homa_desk.services import backup
from homa_desk.services.backup import BackupFile, BackupPlan, RestoreOutcome
from homa_desk.services.move_database import MoveOutcome, move_to_remote
from homa_desk.ui.common.changes import EVERYTHING
from homa_desk.ui.common.column_widths import size_columns
from homa_desk.ui.common.form import ErrorLabel, FieldErrors, line_edit
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import CollectionOp, run_in_background
from homa_desk.ui.settings.offsite_box import OffsiteBox

STALE_AFTER = timedelta(days=2)  # with a daily backup on, an older newest backup is shown in red


class _Relay(QObject):
    """Carries progress from a worker thread to the UI thread; outlives the tab if the tab is closed mid-way."""

    said = Signal(str)


def file_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(size, 1024) // 1024} KB"


class BackupTab(QWidget):
    restored = Signal(object)  # RestoreOutcome
    moved = Signal(object)  # MoveOutcome

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backup_tab")
        self._backend = backend
        self._actor = actor
        self._relay = _Relay()
        self._relay.said.connect(self._progress)
        self.backups: list[BackupFile] = []
        self.confirm_box: QMessageBox | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self._plan_box())
        layout.addWidget(self._backups_box(), 1)
        layout.addWidget(self._move_box())
        self.offsite = OffsiteBox(backend, actor)
        layout.addWidget(self.offsite)
        embedded = backend.target.kind == "embedded"
        for button in (self.restore_button, self.restore_file_button, self.move_button):
            button.setEnabled(embedded)
        if not embedded:
            self.move_status.setText(tr("This desk already uses a remote database."))
        self.show_plan(backup.plan_from(Settings.load()))

    def _plan_box(self) -> QGroupBox:
        box = QGroupBox(tr("Where and when"))
        form = QFormLayout(box)
        self.plan_error = ErrorLabel()
        self.plan_errors = FieldErrors(form, self.plan_error)
        self.folder = line_edit("backup_folder")
        choose = QPushButton(tr("Choose…"))
        choose.setObjectName("choose_folder")
        choose.clicked.connect(self.choose_folder)
        folder_row = QWidget()
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder, 1)
        row.addWidget(choose)
        self.plan_errors.add_row(tr("Backup folder"), "backup_folder", folder_row)
        self.daily = QCheckBox(tr("Every day at"))
        self.daily.setObjectName("daily")
        self.daily_at = QTimeEdit()
        self.daily_at.setObjectName("backup_time")
        self.daily_at.setDisplayFormat("HH:mm")
        self.daily.toggled.connect(self.daily_at.setEnabled)
        time_row = QWidget()
        row = QHBoxLayout(time_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.daily)
        row.addWidget(self.daily_at)
        row.addStretch(1)
        self.plan_errors.add_row(tr("Scheduled backup"), "backup_time", time_row)
        self.keep = QSpinBox()
        self.keep.setObjectName("backup_keep")
        self.keep.setRange(1, 365)
        self.plan_errors.add_row(tr("Keep the newest"), "backup_keep", self.keep)
        self.save_button = QPushButton(tr("Save"))
        self.save_button.setObjectName("save_plan")
        self.save_button.clicked.connect(self.save_plan)
        self.plan_status = QLabel(tr("The daily backup runs while any desk is open; a missed day runs at the next "
                                     "start."))
        self.plan_status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.plan_status, 1)
        row.addWidget(self.save_button)
        form.addRow(self.plan_error)
        form.addRow(row)
        return box

    def _backups_box(self) -> QGroupBox:
        box = QGroupBox(tr("Backups"))
        layout = QVBoxLayout(box)
        self.last_backup = QLabel()
        self.last_backup.setObjectName("last_backup")
        self.backup_button = QPushButton(tr("Back up now"))
        self.backup_button.setObjectName("back_up_now")
        self.backup_button.clicked.connect(self.back_up_now)
        top = QHBoxLayout()
        top.addWidget(self.last_backup, 1)
        top.addWidget(self.backup_button)
        layout.addLayout(top)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.status = QLabel()
        self.status.setObjectName("backup_status")
        self.status.setWordWrap(True)
        self.error = ErrorLabel()
        self.error.setObjectName("backup_error")
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("backup_list")
        self.table.setHorizontalHeaderLabels([tr("Made"), tr("Size"), tr("File")])
        size_columns(self.table, stretch_column=2)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        layout.addWidget(self.table, 1)
        self.restore_button = QPushButton(tr("Restore…"))
        self.restore_button.setObjectName("restore")
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_file_button = QPushButton(tr("Restore another file…"))
        self.restore_file_button.setObjectName("restore_file")
        self.restore_file_button.clicked.connect(self.restore_other_file)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.restore_file_button)
        buttons.addWidget(self.restore_button)
        layout.addLayout(buttons)
        return box

    def _move_box(self) -> QGroupBox:
        box = QGroupBox(tr("Move to Neon (or any PostgreSQL)"))
        form = QFormLayout(box)
        explain = QLabel(tr("Copies this desk's embedded database into an empty remote database, checks every "
                            "table's rows, then switches this desk to it. Use the URL from the Neon console "
                            "(…?sslmode=require)."))
        explain.setWordWrap(True)
        form.addRow(explain)
        self.move_error = ErrorLabel()
        self.move_errors = FieldErrors(form, self.move_error)
        self.move_url = line_edit("move_url", placeholder=tr("postgresql://user@ep-….neon.tech/neondb?sslmode=require"))
        self.move_password = line_edit("move_password", password=True,
                                       placeholder=tr("blank = the password in the URL or the keyring"))
        self.move_errors.add_row(tr("Remote URL"), "database_url", self.move_url)
        self.move_errors.add_row(tr("Password"), "password", self.move_password)
        self.move_button = QPushButton(tr("Move to Neon…"))
        self.move_button.setObjectName("move")
        self.move_button.clicked.connect(self.ask_to_move)
        self.move_status = QLabel()
        self.move_status.setObjectName("move_status")
        self.move_status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.move_status, 1)
        row.addWidget(self.move_button)
        form.addRow(self.move_error)
        form.addRow(row)
        return box

    # the plan

    def show_plan(self, plan: BackupPlan) -> None:
        self.folder.setText(str(plan.folder))
        self.daily.setChecked(plan.daily_at is not None)
        self.daily_at.setEnabled(plan.daily_at is not None)
        if plan.daily_at is not None:
            self.daily_at.setTime(QTime(plan.daily_at.hour, plan.daily_at.minute))
        self.keep.setValue(plan.keep)
        self.refresh()

    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, tr("Backup folder"), self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def save_plan(self) -> None:
        self.plan_errors.clear()
        self.save_button.setEnabled(False)
        daily_at = self.daily_at.time().toString("HH:mm") if self.daily.isChecked() else ""
        run_in_background(self, backup.save_plan, self._actor, self.folder.text(), daily_at, self.keep.value(),
                          on_success=self._plan_saved, on_failure=self._plan_refused)

    def _plan_saved(self, plan: BackupPlan) -> None:
        self.save_button.setEnabled(True)
        self.show_plan(plan)
        when = tr("every day at {time}").format(time=plan.daily_at.strftime("%H:%M")) if plan.daily_at \
            else tr("only when you press Back up now")
        self.plan_status.setText(tr("Saved: backups go to {folder}, {when}.").format(folder=plan.folder, when=when))

    def _plan_refused(self, error: DomainError) -> None:
        self.save_button.setEnabled(True)
        self.plan_errors.show(error)

    # the list

    def refresh(self) -> None:
        run_in_background(self, backup.list_backups, Path(self.folder.text()).expanduser(),
                          on_success=self.show_backups)

    def show_backups(self, files: list[BackupFile]) -> None:
        self.backups = files
        self.table.setRowCount(len(files))
        for row, made in enumerate(files):
            when = format_local_time(made.made_at)
            if made.note == backup.BEFORE_RESTORE:
                when += " " + tr("(before a restore)")
            for column, value in enumerate((when, file_size(made.size), made.name)):
                item = QTableWidgetItem(value)
                if column == 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        if files:
            newest = files[0]
            self.last_backup.setText(tr("Last backup: {time}, {size}").format(
                time=format_local_time(newest.made_at), size=file_size(newest.size)))
        else:
            self.last_backup.setText(tr("No backup in this folder yet."))
        stale = not files or utcnow() - files[0].made_at > STALE_AFTER
        self.last_backup.setProperty("role", "error" if stale and self.daily.isChecked() else None)
        self.last_backup.style().polish(self.last_backup)

    # back up

    def back_up_now(self) -> None:
        self._busy(tr("Backing up…"))
        run_in_background(self, backup.back_up_now, self._backend.uow(), self._backend.target, self._actor,
                          Settings.load(), progress=self._relay.said.emit, on_success=self._backed_up,
                          on_failure=self._failed)

    def _backed_up(self, made: BackupFile) -> None:
        self._idle()
        self.status.setText(tr("Backed up to {name} ({size}).").format(name=made.name, size=file_size(made.size)))
        self.refresh()

    # restore

    def restore_selected(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.backups):
            self.error.show_message(tr("Choose a backup in the list first."))
            return
        self.ask_to_restore(self.backups[row].path)

    def restore_other_file(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(self, tr("Restore a backup"), self.folder.text(),
                                                      tr("Homa Desk backups (*.dump);;All files (*)"))
        if chosen:
            self.ask_to_restore(Path(chosen))

    def ask_to_restore(self, path: Path) -> QMessageBox:
        """The confirmation says plainly that today's data is replaced on every desk."""
        self.error.show_message("")
        box = QMessageBox(QMessageBox.Icon.Warning, tr("Restore a backup"), tr(
            "Replace ALL of the clinic's data with the backup “{name}”?\n\nEverything entered after that backup "
            "(patients, appointments, bills, payments) disappears on every desk. A safety copy of today's data "
            "is saved in the backup folder first.").format(name=path.name), QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("confirm_restore")
        replace = box.addButton(tr("Replace today's data"), QMessageBox.ButtonRole.DestructiveRole)
        replace.setObjectName("confirm")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(lambda clicked: self.restore(path) if clicked is replace else None)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.confirm_box = box
        box.open()
        return box

    def restore(self, path: Path) -> None:
        self._busy(tr("Restoring…"))
        CollectionOp(self, EVERYTHING, backup.restore_backup, self._backend.uow(), self._backend.target, self._actor,
                     path, Settings.load(), progress=self._relay.said.emit) \
            .success(self._restored).failure(self._failed).run_in_background()

    def _restored(self, outcome: RestoreOutcome) -> None:
        self._idle()
        self.status.setText(tr("Restored {name}. A copy of the data it replaced is in {copy}.").format(
            name=outcome.restored, copy=outcome.safety_copy.name))
        self.restored.emit(outcome)
        self.refresh()

    # move to Neon

    def ask_to_move(self) -> QMessageBox:
        self.move_errors.clear()
        box = QMessageBox(QMessageBox.Icon.Question, tr("Move to Neon"), tr(
            "Copy this desk's data into the remote database and switch this desk to it?\n\nThe remote database "
            "must be empty. Afterwards, start Homa Desk again on every computer."),
            QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("confirm_move")
        go = box.addButton(tr("Copy and switch"), QMessageBox.ButtonRole.AcceptRole)
        go.setObjectName("confirm")
        box.buttonClicked.connect(lambda clicked: self.move() if clicked is go else None)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.confirm_box = box
        box.open()
        return box

    def move(self) -> None:
        self._busy(tr("Moving to the remote database…"))
        self.move_status.setText("")
        run_in_background(self, move_to_remote, self._backend.target, self._actor, self.move_url.text(),
                          self.move_password.text(), progress=self._relay.said.emit, on_success=self._moved,
                          on_failure=self._move_refused)

    def _moved(self, outcome: MoveOutcome) -> None:
        self._idle()
        self.move_password.clear()
        self.move_status.setText(tr(
            "Moved: {tables} tables, {rows} rows copied and checked at {host}. This desk now uses that database: "
            "close Homa Desk and start it again. On other computers, enter the same URL in Settings → Setup."
        ).format(tables=outcome.tables, rows=outcome.rows, host=outcome.host))
        self.move_button.setEnabled(False)
        self.moved.emit(outcome)

    def _move_refused(self, error: DomainError) -> None:
        self._idle()
        self.move_errors.show(error)

    # busy state

    def _busy(self, message: str) -> None:
        self.error.show_message("")
        self.status.setText(message)
        self.progress.setVisible(True)
        for button in (self.backup_button, self.restore_button, self.restore_file_button, self.move_button):
            button.setEnabled(False)

    def _idle(self) -> None:
        self.progress.setVisible(False)
        embedded = self._backend.target.kind == "embedded"
        self.backup_button.setEnabled(True)
        for button in (self.restore_button, self.restore_file_button, self.move_button):
            button.setEnabled(embedded)

    def _progress(self, message: str) -> None:
        self.status.setText(message)

    def _failed(self, error: DomainError) -> None:
        self._idle()
        self.status.setText("")
        self.error.show_message(error.message)
