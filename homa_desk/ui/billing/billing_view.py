"""The Billing page: today's visits without a bill, then today's bills (or a longer span), search by patient or bill
number, New bill, open a bill."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial

from PySide6.QtCore import QT_TR_NOOP, QModelIndex, Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.appointments import day_bounds, local_day
from homa_desk.domain.billing import BillView
from homa_desk.domain.errors import DomainError
from homa_desk.domain.patients import PatientSummary
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import billing
from homa_desk.services.billing import BillSummary
from homa_desk.ui.billing.bill_editor import BillEditorDialog
from homa_desk.ui.billing.bill_screen import BillDialog, show_bill
from homa_desk.ui.billing.bill_table import BillListModel
from homa_desk.ui.billing.unbilled_visits import UnbilledVisitsPanel
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.tables import read_only_table
from homa_desk.ui.common.worker import OneLoadAtATime
from homa_desk.ui.patients.patient_picker import PatientPickerDialog

SPANS = ((QT_TR_NOOP("Today"), 0), (QT_TR_NOOP("Last 7 days"), 6), (QT_TR_NOOP("Last 30 days"), 29),
         (QT_TR_NOOP("Last 365 days"), 364))
DEBOUNCE_MS = 250


class BillingView(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *,
                 debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self.setObjectName("billing_view")
        self._backend = backend
        self._actor = actor
        self.picker: PatientPickerDialog | None = None
        self.editor: BillEditorDialog | None = None
        self.bill_dialog: BillDialog | None = None
        self._loads = OneLoadAtATime(self, self._list_bills, on_success=self._loaded, on_failure=self._failed)

        title = QLabel(tr("Billing"))
        title.setProperty("role", "title")
        self.visits = UnbilledVisitsPanel(backend, actor)
        self.visits.bill_saved.connect(self._bill_saved)
        self.visits.bill_opened.connect(self.open_bill)
        bills_heading = QLabel(tr("Bills"))
        bills_heading.setProperty("role", "subtitle")
        self.search = QLineEdit()
        self.search.setObjectName("bill_search")
        self.search.setPlaceholderText(tr("Patient name or bill number"))
        self.search.setClearButtonEnabled(True)
        self.span = QComboBox()
        self.span.setObjectName("bill_span")
        for label, days in SPANS:
            self.span.addItem(tr(label), days)
        self.new_button = QPushButton(tr("New bill…"))
        self.new_button.setObjectName("new_bill")
        self.new_button.clicked.connect(self.new_bill)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.span)
        top.addWidget(self.new_button)

        self.model = BillListModel(self)
        self.table = read_only_table("bills", self.model, stretch_column=2)
        self.status = QLabel("")
        self.status.setObjectName("billing_status")

        bills = QWidget()
        bills_layout = QVBoxLayout(bills)
        bills_layout.setContentsMargins(0, 0, 0, 0)
        bills_layout.addWidget(bills_heading)
        bills_layout.addLayout(top)
        bills_layout.addWidget(self.table, 1)
        bills_layout.addWidget(self.status)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("billing_split")
        split.setChildrenCollapsible(False)
        split.addWidget(self.visits)
        split.addWidget(bills)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(split, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.span.currentIndexChanged.connect(lambda _i: self.refresh())
        self.table.activated.connect(self._open_index)
        changes.change_hub().changed.connect(self._refresh_if)
        self.refresh()

    @property
    def loading(self) -> bool:
        return self._loads.loading

    def refresh(self) -> None:
        """Load the list; a refresh asked for while one runs happens once that one has answered."""
        self._loads.load()

    def _list_bills(self) -> Callable[[], list[BillSummary]]:
        since = day_bounds(local_day(utcnow()) - timedelta(days=self.span.currentData()))[0]
        return partial(billing.list_bills, self._backend.uow(), self._actor, since=since,
                       query=self.search.text().strip())

    def _loaded(self, rows: list[BillSummary]) -> None:
        self.model.set_rows(rows)
        self.status.setText((tr("1 bill.") if len(rows) == 1 else tr("{count} bills.").format(count=len(rows)))
                            if rows else tr("No bills."))

    def _failed(self, error: DomainError) -> None:
        self.status.setText(error.message)

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity in (Change.BILLS, Change.PAYMENTS):
            self.refresh()

    def _open_index(self, index: QModelIndex) -> None:
        bill = self.model.bill_at(index.row()) if index.isValid() else None
        if bill is not None:
            self.open_bill(bill.id)

    def open_bill(self, bill_id: int) -> BillDialog:
        self.bill_dialog = show_bill(self, self._backend, self._actor, bill_id)
        return self.bill_dialog

    def new_bill(self) -> PatientPickerDialog:
        picker = PatientPickerDialog(self._backend, self._actor, self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.patient_chosen.connect(self.edit_bill_for)
        self.picker = picker
        picker.open()
        return picker

    def edit_bill_for(self, patient: PatientSummary) -> BillEditorDialog:
        editor = BillEditorDialog(self._backend, self._actor, patient.user_id, patient.full_name, self)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.bill_saved.connect(self._bill_saved)
        self.editor = editor
        editor.open()
        return editor

    def _bill_saved(self, bill: BillView) -> None:
        self.open_bill(bill.id)
