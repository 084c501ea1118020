"""Choose a patient for a booking: the same search as the Patients page, or register a new patient on the spot."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.patients import PatientSummary
from homa_desk.domain.roles import Actor
from homa_desk.domain.validation import ascii_digits
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.patients.patient_form import PatientFormDialog
from homa_desk.ui.patients.patient_search import DEBOUNCE_MS, PatientSearchModel, SearchBox, results_table


class PatientPickerDialog(QDialog):
    """Type a name, mobile or patient number; double-click, Enter or "Choose" accepts.

    After acceptance `chosen` holds the PatientSummary and `patient_chosen` has been emitted with it.
    """

    patient_chosen = Signal(object)

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *,
                 debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self.setObjectName("patient_picker")
        self.setWindowTitle(tr("Choose a patient"))
        self.resize(720, 480)
        self._backend = backend
        self._actor = actor
        self.chosen: PatientSummary | None = None
        self.form: PatientFormDialog | None = None

        self.search = SearchBox(self, debounce_ms=debounce_ms)
        self.model = PatientSearchModel(backend, actor, self)
        self.table = results_table(self.model, self)
        self.status = QLabel(tr("Type a name, mobile number or patient number."))
        self.status.setObjectName("picker_status")
        buttons = QDialogButtonBox()
        self.new_button: QPushButton = buttons.addButton(tr("New patient…"), QDialogButtonBox.ButtonRole.ActionRole)
        self.new_button.setObjectName("new_patient")
        self.choose_button: QPushButton = buttons.addButton(tr("Choose"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.choose_button.setObjectName("choose")
        self.choose_button.setEnabled(False)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel).setObjectName("cancel")
        buttons.accepted.connect(self.choose_current)
        buttons.rejected.connect(self.reject)
        self.new_button.clicked.connect(self.register_new)

        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

        self.search.query_changed.connect(self.model.set_query)
        self.search.lead_to(self.table)
        self.search.installEventFilter(self)
        self.table.installEventFilter(self)
        self.table.doubleClicked.connect(self._choose_index)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.choose_button.setEnabled(current.isValid()))
        self.model.page_loaded.connect(self._page_loaded)
        self.model.search_failed.connect(self.status.setText)
        self.model.modelReset.connect(lambda: self.choose_button.setEnabled(False))
        self.search.setFocus()

    def _page_loaded(self, _count: int) -> None:
        rows = self.model.rowCount()
        if rows and not self.table.currentIndex().isValid():
            self.table.selectRow(0)
        more = "" if self.model.exhausted else "+ " + tr("(scroll for more)")
        self.status.setText(f"{rows}{more} found." if rows else tr("No patient found. Register a new one?"))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.choose_current()
                return True
        return super().eventFilter(watched, event)

    def choose_current(self) -> None:
        self._choose_index(self.table.currentIndex())

    def _choose_index(self, index: QModelIndex) -> None:
        patient = self.model.patient_at(index.row()) if index.isValid() else None
        if patient is not None:
            self.choose(patient)

    def choose(self, patient: PatientSummary) -> None:
        self.chosen = patient
        self.patient_chosen.emit(patient)
        self.accept()

    def register_new(self) -> None:
        """Open the registration form, prefilled from the search text; a saved patient is chosen at once."""
        form = PatientFormDialog(self._backend, self._actor, parent=self)
        query = self.search.text().strip()
        if query:
            if any(ascii_digits(c) for c in query):
                form.phone.setText(query)
            else:
                form.full_name.setText(query)
        form.patient_saved.connect(self.choose)
        form.existing_chosen.connect(self.choose)
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.form = form
        form.open()
        if query:
            form.look_for_duplicates()
