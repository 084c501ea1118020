"""The Billing page's "Today's visits without a bill": patients who arrived, are with the doctor or were seen, and
walk-ins, until their bill is made. "Bill this visit" opens the bill editor with the doctor's consultation fee. A
visit the doctor completed already has its bill (Complete visit made it): it stays listed as "Bill ready, unpaid"
until money is paid on it, and "Open bill" opens that bill.

Loaded off the UI thread in one statement (billing.unbilled_visits) and again whenever a bill, the queue, an
appointment or a consultation changes.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QT_TR_NOOP, Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.billing import UnbilledVisit
from homa_desk.domain.errors import DomainError
from homa_desk.domain.money import format_inr
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import to_local
from homa_desk.services import billing
from homa_desk.ui.billing.bill_editor import BillEditorDialog
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.open_windows import open_once
from homa_desk.ui.common.tables import RowsModel, read_only_table
from homa_desk.ui.common.worker import OneLoadAtATime

HEADERS = (QT_TR_NOOP("Token"), QT_TR_NOOP("Time"), QT_TR_NOOP("Patient"), QT_TR_NOOP("Patient No."),
           QT_TR_NOOP("Doctor"), QT_TR_NOOP("Visit"), QT_TR_NOOP("Stage"), QT_TR_NOOP("Fee"))
STAGE_WORDS = (QT_TR_NOOP("Seen"), QT_TR_NOOP("Arrived"), QT_TR_NOOP("Waiting"), QT_TR_NOOP("With the doctor"),
               QT_TR_NOOP("Left"), QT_TR_NOOP("Bill ready, unpaid"))
FEE_COLUMN = 7
REFRESH_ON = (Change.BILLS, Change.PAYMENTS, Change.QUEUE, Change.APPOINTMENTS, Change.CONSULTATIONS)


class UnbilledVisitsModel(RowsModel[UnbilledVisit]):
    headers = HEADERS
    numeric = frozenset({FEE_COLUMN})

    def visit_at(self, row: int) -> UnbilledVisit | None:
        return self.row_at(row)

    def texts(self, visit: UnbilledVisit) -> list[str]:
        return [str(visit.token) if visit.token is not None else "—", to_local(visit.starts_at).strftime("%I:%M %p"),
                visit.patient_name, str(visit.patient_number or "—"), visit.doctor_name or "—",
                tr("Walk-in") if visit.is_walk_in else tr("Booked"), tr(visit.stage),
                format_inr(visit.bill_total if visit.bill_total is not None else visit.consultation_fee)]


class UnbilledVisitsPanel(QWidget):
    """`bill_saved` carries the BillView of a visit just billed; `bill_opened` the id of a ready bill to open;
    `loaded` the visits after every (re)load."""

    bill_saved = Signal(object)
    bill_opened = Signal(int)
    loaded = Signal(object)

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unbilled_visits")
        self._backend = backend
        self._actor = actor
        self.editor: BillEditorDialog | None = None
        self._loads = OneLoadAtATime(self, lambda: partial(billing.unbilled_visits, backend.uow(), actor),
                                     on_success=self._loaded, on_failure=self._failed)

        heading = QLabel(tr("Today's visits without a bill"))
        heading.setProperty("role", "subtitle")
        self.model = UnbilledVisitsModel(self)
        self.table = read_only_table("unbilled_visit_list", self.model, stretch_column=2)
        self.bill_button = QPushButton(tr("Bill this visit…"))
        self.bill_button.setObjectName("bill_this_visit")
        self.bill_button.setEnabled(False)
        self.bill_button.clicked.connect(lambda: self.bill_visit())
        self.status = QLabel("")
        self.status.setObjectName("unbilled_status")

        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.bill_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)

        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.model.modelReset.connect(self._selection_changed)
        self.table.activated.connect(lambda _index: self.bill_visit())
        changes.change_hub().changed.connect(self._refresh_if)
        self.refresh()

    @property
    def loading(self) -> bool:
        return self._loads.loading

    def refresh(self) -> None:
        """A refresh asked for while one runs happens once that one has answered."""
        self._loads.load()

    def _loaded(self, visits: list[UnbilledVisit]) -> None:
        chosen = self.selected()
        self.model.set_rows(visits)
        if chosen is not None:
            self.select(chosen.appointment_id)
        count = len(visits)
        self.status.setText((tr("1 visit to bill.") if count == 1
                             else tr("{count} visits to bill.").format(count=count)) if visits
                            else tr("Every visit of today has its bill."))
        self.loaded.emit(visits)

    def _failed(self, error: DomainError) -> None:
        self.status.setText(error.message)

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity in REFRESH_ON:
            self.refresh()

    def selected(self) -> UnbilledVisit | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.visit_at(rows[0].row()) if rows else None

    def select(self, appointment_id: int) -> bool:
        for row, visit in enumerate(self.model.rows):
            if visit.appointment_id == appointment_id:
                self.table.selectRow(row)
                return True
        return False

    def _selection_changed(self) -> None:
        visit = self.selected()
        self.bill_button.setEnabled(visit is not None)
        self.bill_button.setText(tr("Open bill…") if visit is not None and visit.bill_id is not None
                                 else tr("Bill this visit…"))

    def bill_visit(self, visit: UnbilledVisit | None = None) -> BillEditorDialog | None:
        """The bill editor for the visit, its first line the doctor's consultation fee; more lines can be added.
        A visit whose bill is ready (the doctor's Complete visit made it) asks for that bill instead (`bill_opened`)."""
        visit = visit or self.selected()
        if visit is None:
            return None
        if visit.bill_id is not None:
            self.bill_opened.emit(visit.bill_id)
            return None
        self.editor = open_once("visit_bill", visit.appointment_id, partial(self._new_editor, visit))
        return self.editor

    def _new_editor(self, visit: UnbilledVisit) -> BillEditorDialog:
        editor = BillEditorDialog(self._backend, self._actor, visit.patient_id, visit.patient_name, self,
                                  appointment_id=visit.appointment_id, doctor_id=visit.doctor_id)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        description = f"Consultation — {visit.doctor_name}" if visit.doctor_name else "Consultation"
        editor.set_cell(0, "description", description)
        editor.set_cell(0, "unit_price", f"{visit.consultation_fee:.2f}")
        editor.bill_saved.connect(self.bill_saved)
        editor.open()
        return editor
