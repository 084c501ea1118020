"""Patient search as the receptionist types: a debounced box and a table model that loads pages lazily.

The model asks for one page (50 rows) at a time in the background; the view's scrolling calls fetchMore for the
next keyset page, so a search matching 50,000 patients never loads them all. Every new query bumps a generation
number and answers to older queries are ignored.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.errors import DomainError
from homa_desk.domain.patients import PatientSummary, page_key
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import CLINIC_TZ, utcnow
from homa_desk.services import patients
from homa_desk.ui.worker import run_in_background

DEBOUNCE_MS = 250
COLUMNS = ("No.", "Name", "Mobile", "Age", "Gender")
_Index = QModelIndex | QPersistentModelIndex


def clinic_today() -> date:
    return utcnow().astimezone(CLINIC_TZ).date()


def format_phone(phone: str) -> str:
    digits = phone.removeprefix("+91")
    return f"+91 {digits[:5]} {digits[5:]}" if len(digits) == 10 else phone


class PatientSearchModel(QAbstractTableModel):
    """Rows of PatientSummary for the current query, fetched page by page off the UI thread."""

    page_loaded = Signal(int)  # rows in the page that just arrived
    search_failed = Signal(str)

    def __init__(self, backend: Backend, actor: Actor, parent: QObject | None = None, *,
                 page_size: int = patients.PAGE_SIZE) -> None:
        super().__init__(parent)
        self._backend = backend
        self._actor = actor
        self.page_size = page_size
        self.query = ""
        self.rows: list[PatientSummary] = []
        self._generation = 0
        self._loading = False
        self._exhausted = True
        self._today = clinic_today()

    # -- the query -------------------------------------------------------------------------------------------

    def set_query(self, query: str) -> None:
        """Start over with `query`; pages still on their way for the old one are ignored when they arrive."""
        self._generation += 1
        self.beginResetModel()
        self.query = " ".join(query.split())
        self.rows = []
        self._loading = False
        self._exhausted = not self.query
        self._today = clinic_today()
        self.endResetModel()
        if self.query:
            self._request_page()

    def refresh(self) -> None:
        self.set_query(self.query)

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def patient_at(self, row: int) -> PatientSummary | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _request_page(self) -> None:
        self._loading = True
        generation = self._generation
        after = page_key(self.rows[-1]) if self.rows else None
        run_in_background(self, patients.search_patients, self._backend.uow(), self._actor, self.query,
                          after=after, limit=self.page_size,
                          on_success=lambda rows: self._page_arrived(generation, rows),
                          on_failure=lambda error: self._page_failed(generation, error))

    def _page_arrived(self, generation: int, page: list[PatientSummary]) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self._exhausted = len(page) < self.page_size
        if page:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(page) - 1)
            self.rows.extend(page)
            self.endInsertRows()
        self.page_loaded.emit(len(page))

    def _page_failed(self, generation: int, error: DomainError) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self._exhausted = True
        self.search_failed.emit(error.message)

    # -- Qt's lazy loading -----------------------------------------------------------------------------------

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._loading and bool(self.rows)

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._request_page()

    # -- the table -------------------------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        patient = self.patient_at(index.row()) if index.isValid() else None
        if patient is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            column = index.column()
            if column == 0:
                return str(patient.patient_number)
            if column == 1:
                return patient.full_name
            if column == 2:
                return format_phone(patient.phone)
            if column == 3:
                return patient.age_text(self._today)
            return patient.gender.value.capitalize() if patient.gender else ""
        if role == Qt.ItemDataRole.UserRole:
            return patient
        return None


class SearchBox(QLineEdit):
    """A line edit that says `query_changed` once the typing has paused for DEBOUNCE_MS."""

    query_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self.setObjectName("patient_search")
        self.setPlaceholderText("Name, mobile or patient number")
        self.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(lambda: self.query_changed.emit(self.text()))
        self.textEdited.connect(lambda _text: self._timer.start())


def results_table(model: PatientSearchModel, parent: QWidget | None = None) -> QTableView:
    table = QTableView(parent)
    table.setObjectName("patient_results")
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    table.setAlternatingRowColors(True)
    return table
