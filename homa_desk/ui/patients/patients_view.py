"""The Patients page: one search box (name, mobile or patient number), lazy results, New patient, the profile, and
the actions on the patient found (walk-in, check in, book, new bill, payment), each one key away."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.patients import PatientSummary
from homa_desk.domain.roles import Actor
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.open_windows import open_once
from homa_desk.ui.patients.patient_actions import action_buttons
from homa_desk.ui.patients.patient_form import PatientFormDialog
from homa_desk.ui.patients.patient_profile import PatientProfileDialog
from homa_desk.ui.patients.patient_search import DEBOUNCE_MS, PatientSearchModel, SearchBox, results_table


class PatientsView(QWidget):
    act = Signal(str, object)  # (action of PATIENT_ACTIONS, PatientSummary): from the results or a profile

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *,
                 debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self.setObjectName("patients_view")
        self._backend = backend
        self._actor = actor
        self.form: PatientFormDialog | None = None
        self.profile: PatientProfileDialog | None = None

        title = QLabel(tr("Patients"))
        title.setProperty("role", "title")
        self.search = SearchBox(self, debounce_ms=debounce_ms)
        self.new_button = QPushButton(tr("New patient…"))
        self.new_button.setObjectName("new_patient")
        self.new_button.clicked.connect(self.register_new)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        self.model = PatientSearchModel(backend, actor, self)
        self.table = results_table(self.model, self)
        self.status = QLabel(tr("Type a name, part of a mobile number or a patient number."))
        self.status.setObjectName("patients_status")

        actions, self.action_buttons = action_buttons(self._act_on_chosen, actor.role)
        self._enable_actions()

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status)

        self.search.query_changed.connect(self.model.set_query)
        self.search.lead_to(self.table)
        self.search.returnPressed.connect(self._open_current)
        self.table.activated.connect(self._open_index)
        self.model.page_loaded.connect(self._page_loaded)
        self.model.search_failed.connect(self.status.setText)
        self.model.modelReset.connect(self._enable_actions)
        self.table.selectionModel().currentRowChanged.connect(lambda _now, _before: self._enable_actions())
        changes.change_hub().changed.connect(self._refresh_if)

    def _enable_actions(self) -> None:
        for button in self.action_buttons.values():
            button.setEnabled(self.chosen_patient() is not None)

    def _act_on_chosen(self, action: str) -> None:
        patient = self.chosen_patient()
        if patient is not None:
            self.act.emit(action, patient)

    def _page_loaded(self, _count: int) -> None:
        self._enable_actions()
        rows = self.model.rowCount()
        if not rows:
            self.status.setText(tr("No patient found."))
        else:
            self.status.setText(tr("{rows} shown").format(rows=rows)
                                + ("" if self.model.exhausted else tr("; scroll for more")) + ".")

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity == Change.PATIENTS and self.model.query:
            self.model.refresh()

    def _open_current(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid() and self.model.rowCount():
            index = self.model.index(0, 0)
        self._open_index(index)

    def chosen_patient(self) -> PatientSummary | None:
        """The patient selected in the results, or the only one found (what Ctrl+B books for)."""
        index = self.table.currentIndex()
        if index.isValid():
            return self.model.patient_at(index.row())
        return self.model.patient_at(0) if self.model.rowCount() == 1 else None

    def _open_index(self, index: QModelIndex) -> None:
        patient = self.model.patient_at(index.row()) if index.isValid() else None
        if patient is not None:
            self.open_profile(patient.user_id)

    def open_profile(self, user_id: int) -> PatientProfileDialog:
        """The patient's profile; one already open is raised instead of opened again."""

        def make() -> PatientProfileDialog:
            dialog = PatientProfileDialog(self._backend, self._actor, user_id, parent=self)
            dialog.act.connect(self.act)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.show()
            return dialog

        self.profile = open_once("patient", user_id, make)
        return self.profile

    def register_new(self) -> PatientFormDialog:
        form = PatientFormDialog(self._backend, self._actor, parent=self)
        form.patient_saved.connect(lambda summary: self.open_profile(summary.user_id))
        form.existing_chosen.connect(lambda summary: self._open_existing(summary))
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.form = form
        form.open()
        return form

    def _open_existing(self, summary: PatientSummary) -> None:
        self.open_profile(summary.user_id)
