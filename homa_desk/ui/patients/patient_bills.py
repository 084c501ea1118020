"""A patient's bills and payments on the profile: the newest 50 of each, the totals over all of them, Open a bill.

Loaded off the UI thread in two statements (billing.patient_account) and again whenever a bill or payment changes.
Doctors see the lists; opening a bill stays with the front desk, as the billing service decides.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QT_TR_NOOP, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.billing import BillStatus, PatientAccount
from homa_desk.domain.errors import DomainError
from homa_desk.domain.money import format_inr
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import format_local_time
from homa_desk.services import billing
from homa_desk.ui.billing.bill_screen import BillDialog, payment_state_text, show_bill
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.column_widths import size_columns
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.lazy_tabs import FirstShown
from homa_desk.ui.common.worker import OneLoadAtATime

PAGE = 50
BILL_COLUMNS = (QT_TR_NOOP("Bill No."), QT_TR_NOOP("Date"), QT_TR_NOOP("Doctor"), QT_TR_NOOP("Total"),
                QT_TR_NOOP("Paid"), QT_TR_NOOP("Balance due"), QT_TR_NOOP("Status"))
PAYMENT_COLUMNS = (QT_TR_NOOP("Date"), QT_TR_NOOP("Method"), QT_TR_NOOP("Amount"), QT_TR_NOOP("Status"),
                   QT_TR_NOOP("Reference"), QT_TR_NOOP("Bill No."))
BILL_STATUS = {BillStatus.OPEN: QT_TR_NOOP("Open"), BillStatus.PAID: QT_TR_NOOP("Paid"),
               BillStatus.CANCELLED: QT_TR_NOOP("Cancelled")}


def _table(name: str, headers: tuple[str, ...], stretch: int) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels([tr(h) for h in headers])
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    size_columns(table, stretch_column=stretch)
    return table


def _fill(table: QTableWidget, rows: list[tuple[int | None, list[str]]], numeric: set[int]) -> None:
    """Each row's bill id rides on its first cell (Qt.UserRole) for Open."""
    table.setRowCount(len(rows))
    for r, (bill_id, texts) in enumerate(rows):
        for c, text in enumerate(texts):
            item = QTableWidgetItem(text)
            if c in numeric:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if c == 0:
                item.setData(Qt.ItemDataRole.UserRole, bill_id)
            table.setItem(r, c, item)


def _bills(count: int) -> str:
    return tr("1 bill") if count == 1 else tr("{count} bills").format(count=count)


def _payments(count: int) -> str:
    return tr("1 payment") if count == 1 else tr("{count} payments").format(count=count)


class PatientBillsPanel(QWidget):
    """`loaded` carries the PatientAccount shown after every (re)load."""

    loaded = Signal(object)

    def __init__(self, backend: Backend, actor: Actor, patient_id: int, parent: QWidget | None = None, *,
                 page: int = PAGE) -> None:
        super().__init__(parent)
        self.setObjectName("patient_bills")
        self._backend = backend
        self._actor = actor
        self.patient_id = patient_id
        self.page = page
        self.limit = page
        self.account: PatientAccount | None = None
        self.bill_dialog: BillDialog | None = None
        self._loads = OneLoadAtATime(
            self, lambda: partial(billing.patient_account, backend.uow(), actor, self.patient_id, limit=self.limit),
            on_success=self._show, on_failure=self._failed)

        self.totals = QLabel(tr("Loading…"))
        self.totals.setObjectName("account_totals")
        self.totals.setTextFormat(Qt.TextFormat.RichText)
        self.bills = _table("patient_bill_list", BILL_COLUMNS, 2)
        self.payments = _table("patient_payment_list", PAYMENT_COLUMNS, 4)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("account_tabs")
        self.tabs.addTab(self.bills, tr("Bills"))
        self.tabs.addTab(self.payments, tr("Payments"))
        self.shown = QLabel("")
        self.shown.setObjectName("account_shown")
        self.more_button = QPushButton(tr("Show more"))
        self.more_button.setObjectName("account_more")
        self.more_button.setVisible(False)
        self.more_button.clicked.connect(self.show_more)
        self.open_button = QPushButton(tr("Open bill"))
        self.open_button.setObjectName("open_patient_bill")
        self.open_button.setEnabled(False)
        self.open_button.setVisible(actor.role in billing.FRONT_DESK)
        self.open_button.clicked.connect(lambda: self.open_selected())
        self.error = QLabel("")
        self.error.setObjectName("account_error")
        self.error.setProperty("role", "error")
        self.error.setVisible(False)

        row = QHBoxLayout()
        row.addWidget(self.shown, 1)
        row.addWidget(self.more_button)
        row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.totals)
        layout.addWidget(self.error)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(row)

        for table in (self.bills, self.payments):
            table.itemSelectionChanged.connect(self._selection_changed)
            table.cellDoubleClicked.connect(lambda _row, _column: self.open_selected())
        self.tabs.currentChanged.connect(lambda _index: self._selection_changed())
        changes.change_hub().changed.connect(self._refresh_if)
        self.first_shown = FirstShown(self, self.reload)  # the profile's tab loads when it is chosen

    @property
    def loading(self) -> bool:
        return self._loads.loading

    def reload(self) -> None:
        """A reload asked for while one runs happens once that one has answered."""
        self._loads.load()

    def show_more(self) -> None:
        self.limit += self.page
        self.reload()

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity in (Change.BILLS, Change.PAYMENTS) and self.first_shown.happened:
            self.reload()

    def _failed(self, error: DomainError) -> None:
        self.error.setText(error.message)
        self.error.setVisible(True)

    def _show(self, account: PatientAccount) -> None:
        self.account = account
        self.error.setVisible(False)
        self.totals.setText(tr("Billed {billed} · Paid {paid} · Balance due <b>{due}</b>").format(
            billed=format_inr(account.billed), paid=format_inr(account.paid), due=format_inr(account.due)))
        _fill(self.bills, [(b.id, [b.bill_number, format_local_time(b.created_at), b.doctor_name or "—",
                                   format_inr(b.total), format_inr(b.paid), format_inr(b.balance_due),
                                   tr(BILL_STATUS[b.status])]) for b in account.bills], {3, 4, 5})
        _fill(self.payments, [(p.payment.bill_id, [format_local_time(p.when), tr(p.payment.method.label),
                                                   format_inr(p.payment.amount), payment_state_text(p.payment),
                                                   p.payment.reference or "", p.bill_number or "—"])
                              for p in account.payments], {2})
        self.tabs.setTabText(0, tr("Bills ({count})").format(count=account.bill_count))
        self.tabs.setTabText(1, tr("Payments ({count})").format(count=account.payment_count))
        self.shown.setText(self._shown_text(account))
        self.more_button.setVisible(not account.complete)
        self._selection_changed()
        self.loaded.emit(account)

    @staticmethod
    def _shown_text(account: PatientAccount) -> str:
        if not account.bill_count and not account.payment_count:
            return tr("No bills or payments yet.")
        if account.complete:
            return f"{_bills(account.bill_count)}, {_payments(account.payment_count)}."
        return tr("Newest {bills_shown} of {bills}, {payments_shown} of {payments}.").format(
            bills_shown=len(account.bills), bills=_bills(account.bill_count),
            payments_shown=len(account.payments), payments=_payments(account.payment_count))

    def selected_bill_id(self) -> int | None:
        table = self.bills if self.tabs.currentIndex() == 0 else self.payments
        rows = table.selectionModel().selectedRows()
        if not rows:
            return None
        return table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)

    def _selection_changed(self) -> None:
        self.open_button.setEnabled(self.selected_bill_id() is not None)

    def open_selected(self) -> BillDialog | None:
        """The selected bill (or the selected payment's bill) on the bill screen; front desk only."""
        bill_id = self.selected_bill_id()
        if bill_id is None or self._actor.role not in billing.FRONT_DESK:
            return None
        self.bill_dialog = show_bill(self, self._backend, self._actor, bill_id)
        return self.bill_dialog
