"""The audit log viewer (admins, read-only): who did what, when, to which patient, bill or account, with each
entry's before/after as "field: old → new" lines in the desk's language; filters, keyset pages, CSV."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TR_NOOP, QDate, QModelIndex, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.audit_view import AuditFilters, AuditRow
from homa_desk.domain.errors import DomainError, ValidationError
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import CLINIC_TZ, to_local, utcnow
from homa_desk.services import owner_reports
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.paged_model import KeysetPagedModel
from homa_desk.ui.common.save_dialog import ask_save_path
from homa_desk.ui.common.service_text import in_desk_language
from homa_desk.ui.common.tables import ChoicesModel, read_only_table
from homa_desk.ui.common.worker import run_in_background
from homa_desk.ui.reports.audit_labels import ACTIONS, ROLES, action_label, change_line, entity_label, field_changes

COLUMNS = (QT_TR_NOOP("When"), QT_TR_NOOP("Who"), QT_TR_NOOP("Action"), QT_TR_NOOP("About"),
           QT_TR_NOOP("Patient"), QT_TR_NOOP("Changes"))
SYSTEM = QT_TR_NOOP("The desk (automatic)")
DEBOUNCE_MS = 400


def change_lines(row: AuditRow) -> list[str]:
    return [change_line(change) for change in field_changes(row.before, row.after)]


def who(row: AuditRow) -> str:
    if row.actor_name is None:
        return tr(SYSTEM)
    role = tr(ROLES[row.actor_role]) if row.actor_role in ROLES else (row.actor_role or "")
    return f"{row.actor_name} ({role})" if role else row.actor_name


def patient_text(row: AuditRow) -> str:
    if row.patient_id is None:
        return ""
    number = f" #{row.patient_number}" if row.patient_number is not None else ""
    return f"{row.patient_name or ''}{number}"


def cells(row: AuditRow) -> list[str]:
    return [to_local(row.occurred_at).strftime("%d-%m-%Y %H:%M:%S"), who(row), action_label(row.action),
            entity_label(row.entity, row.entity_id), patient_text(row), "; ".join(change_lines(row))]


def csv_header() -> list[str]:
    return [tr(column) for column in COLUMNS]


class AuditModel(KeysetPagedModel[AuditRow]):
    page_loaded = Signal(int)
    load_failed = Signal(str)
    columns = COLUMNS

    def __init__(self, backend: Backend, actor: Actor, parent: QObject | None = None, *,
                 page_size: int = owner_reports.PAGE_SIZE) -> None:
        super().__init__(parent, page_size=page_size)
        self._backend = backend
        self._actor = actor
        self.filters = AuditFilters()
        self._cells: dict[int, list[str]] = {}

    def set_filters(self, filters: AuditFilters) -> None:
        self.filters = filters
        self._cells = {}
        self.restart(load=True)

    def request_page(self, after: AuditRow | None, on_success: Callable[[list[AuditRow]], None],
                     on_failure: Callable[[DomainError], None]) -> None:
        run_in_background(self, owner_reports.audit_log, self._backend.uow(), self._actor, self.filters,
                          after=after.key if after else None, limit=self.page_size,
                          on_success=on_success, on_failure=on_failure)

    def display(self, row: AuditRow, column: int) -> str:
        if row.id not in self._cells:
            self._cells[row.id] = cells(row)
        return self._cells[row.id][column]

    def page_arrived(self, count: int) -> None:
        self.page_loaded.emit(count)

    def load_failed_with(self, error: DomainError) -> None:
        self.load_failed.emit(error.message)


def export_audit_csv(uow: UnitOfWork, actor: Actor, filters: AuditFilters, path: str | Path,
                     header: list[str]) -> int:
    """Runs on a worker thread: every matching entry to `path` (UTF-8 with BOM) through a .part file."""
    target = Path(path)
    partial = target.with_name(target.name + ".part")
    try:
        with partial.open("w", encoding="utf-8-sig", newline="") as out:
            count = owner_reports.write_audit_csv(uow, actor, filters, out, header, cells)
        partial.replace(target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise DomainError(f"Could not write {target.name}: {error.strerror or error}.") from error
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count


def _date_edit(name: str, day: date) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd-MM-yyyy")
    return edit


class AuditLogView(QWidget):
    """Filters on top, the paged entries, the selected entry's changes one per line, and Export CSV."""

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *,
                 today: date | None = None, debounce_ms: int = DEBOUNCE_MS,
                 page_size: int = owner_reports.PAGE_SIZE) -> None:
        super().__init__(parent)
        self.setObjectName("audit_log")
        self._backend = backend
        self._actor = actor
        today = today or utcnow().astimezone(CLINIC_TZ).date()
        self.date_from = _date_edit("audit_from", today - timedelta(days=30))
        self.date_to = _date_edit("audit_to", today)
        self.person = QComboBox()
        self.person.setObjectName("audit_person")
        self.people = ChoicesModel([(None, tr("Anyone"))], self)
        self.person.setModel(self.people)
        for combo in (self.person,):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(14)  # not measured over every name
        self.patient = QLineEdit()
        self.patient.setObjectName("audit_patient")
        self.patient.setPlaceholderText(tr("Patient number"))
        self.patient.setClearButtonEnabled(True)
        self.patient.setMaximumWidth(130)
        self.kind = QComboBox()
        self.kind.setObjectName("audit_kind")
        self.kind.addItem(tr("Any action"), None)
        self.kind.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.kind.setMinimumContentsLength(16)
        for key in sorted(ACTIONS, key=action_label):
            self.kind.addItem(action_label(key), key)
        self.export_button = QPushButton(tr("Export CSV…"))
        self.export_button.setObjectName("audit_export")
        filters, second = QHBoxLayout(), QHBoxLayout()  # two rows: room for Hindi's longer words at 1366 pixels
        for row, label, widget in ((filters, tr("From"), self.date_from), (filters, tr("to"), self.date_to),
                                   (filters, tr("Patient"), self.patient), (second, tr("Who"), self.person),
                                   (second, tr("Action"), self.kind)):
            caption = QLabel(label)
            caption.setBuddy(widget)
            row.addWidget(caption)
            row.addWidget(widget)
        filters.addStretch(1)
        second.addStretch(1)
        second.addWidget(self.export_button)

        self.model = AuditModel(backend, actor, self, page_size=page_size)
        self.table = read_only_table("audit_table", self.model, stretch_column=5)
        self.table.setAlternatingRowColors(True)
        self.details = QPlainTextEdit()
        self.details.setObjectName("audit_details")
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(110)
        self.status = QLabel("")
        self.status.setObjectName("audit_status")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(second)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.status)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self.apply_filters)
        self.patient.textEdited.connect(lambda _text: self._timer.start())
        self.patient.returnPressed.connect(self.apply_filters)
        for combo in (self.person, self.kind):
            combo.currentIndexChanged.connect(lambda _index: self.apply_filters())
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(lambda _date: self._timer.start())
        self.export_button.clicked.connect(lambda: self.export())
        self.table.selectionModel().currentRowChanged.connect(self._show_details)
        self.model.page_loaded.connect(self._page_loaded)
        self.model.load_failed.connect(self.status.setText)
        run_in_background(self, owner_reports.audit_people, backend.uow(), actor,
                          on_success=self._people_loaded, on_failure=lambda _error: None)
        self.apply_filters()

    @property
    def loading(self) -> bool:
        return self.model.loading

    def current_filters(self) -> AuditFilters:
        number = self.patient.text().strip()
        if number and not number.isdigit():
            raise ValidationError("patient", "Type the patient number in digits.")
        return AuditFilters(self.date_from.date().toPython(), self.date_to.date().toPython(),
                            self.person.currentData(), int(number) if number else None, self.kind.currentData())

    def apply_filters(self) -> None:
        self._timer.stop()
        self.details.setPlainText("")
        try:
            filters = self.current_filters().checked()
        except ValidationError as error:
            self.status.setText(in_desk_language(error).message)
            return
        self.status.setText(tr("Loading…"))
        self.model.set_filters(filters)

    def _people_loaded(self, people: list[tuple[int, str, str]]) -> None:
        self.people.extend([(user_id, f"{name} ({tr(ROLES.get(role, role))})") for user_id, name, role in people])

    def _page_loaded(self, _count: int) -> None:
        rows = self.model.rowCount()
        if not rows:
            self.status.setText(tr("No entry matches these filters."))
            return
        more = "" if self.model.exhausted else tr("; scroll for more")
        self.status.setText(tr("{rows} shown{more}.").format(rows=rows, more=more))
        if not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))

    def _show_details(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_at(current.row())
        if row is None:
            self.details.setPlainText("")
            return
        lines = change_lines(row) or [tr("No fields recorded.")]
        heading = f"{action_label(row.action)} — {entity_label(row.entity, row.entity_id)}"
        self.details.setPlainText("\n".join([heading, *lines]))

    def export(self, path: str | Path | None = None) -> None:
        path = path or ask_save_path(self, tr("Export audit log"), "audit-log.csv", "CSV (*.csv)")
        if not path:
            return
        self.status.setText(tr("Exporting…"))
        self.export_button.setEnabled(False)
        run_in_background(self, export_audit_csv, self._backend.uow(), self._actor, self.model.filters, path,
                          csv_header(), on_success=self._exported, on_failure=self._export_failed)

    def _exported(self, count: int) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(tr("Exported {count} entries.").format(count=count))

    def _export_failed(self, error: Any) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(error.message)
