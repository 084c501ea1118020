"""Patient search as the receptionist types: a debounced box and a table model that loads pages lazily.

The model asks for one page (50 rows) at a time in the background; the view's scrolling calls fetchMore for the
next keyset page, so a search matching 50,000 patients never loads them all. Every new query bumps a generation
number and answers to older queries are ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QT_TR_NOOP, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QTableView, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.errors import DomainError
from homa_desk.domain.patients import PatientSummary, page_key
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import CLINIC_TZ, utcnow
from homa_desk.services import patients
from homa_desk.ui.common.column_widths import size_columns
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.paged_model import KeysetPagedModel
from homa_desk.ui.common.worker import run_in_background

DEBOUNCE_MS = 250
COLUMNS = (QT_TR_NOOP("No."), QT_TR_NOOP("Name"), QT_TR_NOOP("Mobile"), QT_TR_NOOP("Age"), QT_TR_NOOP("Gender"))


def clinic_today() -> date:
    return utcnow().astimezone(CLINIC_TZ).date()


def format_phone(phone: str) -> str:
    digits = phone.removeprefix("+91")
    return f"+91 {digits[:5]} {digits[5:]}" if len(digits) == 10 else phone


class PatientSearchModel(KeysetPagedModel[PatientSummary]):
    """Rows of PatientSummary for the current query, fetched page by page off the UI thread."""

    page_loaded = Signal(int)  # rows in the page that just arrived
    search_failed = Signal(str)
    columns = COLUMNS

    def __init__(self, backend: Backend, actor: Actor, parent: QObject | None = None, *,
                 page_size: int = patients.PAGE_SIZE) -> None:
        super().__init__(parent, page_size=page_size)
        self._backend = backend
        self._actor = actor
        self.query = ""
        self._today = clinic_today()

    def set_query(self, query: str) -> None:
        """Start over with `query`; pages still on their way for the old one are ignored when they arrive."""
        self.query = " ".join(query.split())
        self._today = clinic_today()
        self.restart(load=bool(self.query))

    def refresh(self) -> None:
        self.set_query(self.query)

    def patient_at(self, row: int) -> PatientSummary | None:
        return self.row_at(row)

    def request_page(self, after: PatientSummary | None, on_success: Callable[[list[PatientSummary]], None],
                     on_failure: Callable[[DomainError], None]) -> None:
        run_in_background(self, patients.search_patients, self._backend.uow(), self._actor, self.query,
                          after=page_key(after) if after else None, limit=self.page_size,
                          on_success=on_success, on_failure=on_failure)

    def page_arrived(self, count: int) -> None:
        self.page_loaded.emit(count)

    def load_failed_with(self, error: DomainError) -> None:
        self.search_failed.emit(error.message)

    def display(self, patient: PatientSummary, column: int) -> str:
        if column == 0:
            return str(patient.patient_number)
        if column == 1:
            return patient.full_name
        if column == 2:
            return format_phone(patient.phone)
        if column == 3:
            return patient.age_text(self._today)
        return patient.gender.value.capitalize() if patient.gender else ""


class SearchBox(QLineEdit):
    """A line edit that says `query_changed` once the typing has paused for DEBOUNCE_MS; Down or Up moves the cursor
    into the results it leads to (`lead_to`)."""

    query_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self.setObjectName("patient_search")
        self.setPlaceholderText(tr("Name, mobile or patient number"))
        self.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(lambda: self.query_changed.emit(self.text()))
        self.textEdited.connect(lambda _text: self._timer.start())
        self._results: QAbstractItemView | None = None

    def lead_to(self, results: QAbstractItemView) -> None:
        self._results = results

    def keyPressEvent(self, event: QKeyEvent) -> None:
        results = self._results
        if (event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and results is not None
                and results.model().rowCount()):
            row = max(0, results.currentIndex().row())
            results.setCurrentIndex(results.model().index(row, 0))
            results.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        super().keyPressEvent(event)


def results_table(model: PatientSearchModel, parent: QWidget | None = None) -> QTableView:
    table = QTableView(parent)
    table.setObjectName("patient_results")
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    size_columns(table, stretch_column=1)
    table.setAlternatingRowColors(True)
    return table
