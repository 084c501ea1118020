"""Take a payment at the desk: amount (the balance due unless changed), method, and the reference or UTR.

For cash the receptionist may type what the patient handed over; the change to give back shows as it is typed, and
less than the amount is flagged beside the field and blocks saving. Only the amount paid is recorded.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QT_TR_NOOP, Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.billing import BillView, PaymentMethod, change_to_give
from homa_desk.domain.errors import DomainError, ValidationError
from homa_desk.domain.money import format_inr
from homa_desk.domain.roles import Actor
from homa_desk.services import billing
from homa_desk.ui.common.changes import MONEY
from homa_desk.ui.common.form import ErrorLabel, FieldErrors, line_edit
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import CollectionOp

METHODS = (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.NETBANKING, PaymentMethod.WALLET, PaymentMethod.UPI)
METHOD_LABELS = {PaymentMethod.UPI: QT_TR_NOOP("UPI (by reference / UTR)")}


class PaymentDialog(QDialog):
    """`payment_recorded` carries the bill as it is after the payment."""

    payment_recorded = Signal(object)

    def __init__(self, backend: Backend, actor: Actor, bill: BillView, parent: QWidget | None = None, *,
                 method: PaymentMethod = PaymentMethod.CASH) -> None:
        super().__init__(parent)
        self.setObjectName("payment_dialog")
        self.setWindowTitle(tr("Take payment — bill {number}").format(number=bill.bill_number))
        self._backend = backend
        self._actor = actor
        self.bill = bill
        due = bill.totals.balance_due
        self.amount = line_edit("amount")
        self.amount.setText(f"{due:.2f}")
        self.method = QComboBox()
        self.method.setObjectName("method")
        for item in METHODS:
            self.method.addItem(tr(METHOD_LABELS.get(item, item.label)), item.value)
        self.method.setCurrentIndex(METHODS.index(method))
        self.reference = line_edit("reference", placeholder=tr("Card slip, UTR or wallet reference"))
        self.handed_over = line_edit("handed_over", placeholder=tr("optional, to work out the change"))
        self.change_due = QLabel("")
        self.change_due.setObjectName("change_due")
        form = QFormLayout()
        self.errors = FieldErrors(form, ErrorLabel())
        self.errors.general.setObjectName("payment_error")
        self.errors.add_row(tr("Amount (₹)"), "amount", self.amount)
        self._cash_rows = (form.rowCount(), form.rowCount() + 1)
        self.errors.add_row(tr("Handed over (₹)"), "handed_over", self.handed_over)
        form.addRow(tr("Change to give"), self.change_due)
        self.errors.add_row(tr("Method"), "method", self.method)
        self.errors.add_row(tr("Reference"), "reference", self.reference)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton(tr("Record payment"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("record_payment")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{bill.patient_name} · " + tr("balance due {amount}").format(amount=format_inr(due))))
        layout.addLayout(form)
        layout.addWidget(self.errors.general)
        layout.addWidget(buttons)
        QWidget.setTabOrder(self.reference, self.save_button)
        self.amount.textChanged.connect(self.show_change)
        self.handed_over.textChanged.connect(self.show_change)
        self.method.currentIndexChanged.connect(self.show_change)
        self._form = form
        self._saving = False
        self.show_change()
        QWidget.setTabOrder(self.save_button, buttons.button(QDialogButtonBox.StandardButton.Cancel))

    def selected_method(self) -> PaymentMethod:
        return PaymentMethod(self.method.currentData())

    def show_change(self) -> None:
        """The change to give for cash, as typed; too little handed over is flagged and blocks saving."""
        cash = self.selected_method() is PaymentMethod.CASH
        for row in self._cash_rows:
            self._form.setRowVisible(row, cash)
        change, short = self._change() if cash else (None, "")
        self.change_due.setText(format_inr(change) if change is not None else "")
        self.errors.label("handed_over").show_message(short)
        self.save_button.setEnabled(not short and not self._saving)

    def _change(self) -> tuple[Decimal | None, str]:
        try:
            return change_to_give(self.amount.text(), self.handed_over.text()), ""
        except ValidationError as error:
            return None, error.message if error.field == "handed_over" else ""

    def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        self.errors.clear()
        self._saving = True
        self.save_button.setEnabled(False)
        CollectionOp(self, MONEY, billing.record_payment, self._backend.uow(), self._actor, self.bill.id,
                     amount=self.amount.text().strip(), method=self.selected_method(),
                     reference=self.reference.text()).success(self._recorded).failure(self._refused).run_in_background()

    def _recorded(self, bill: BillView) -> None:
        self.payment_recorded.emit(bill)
        self.accept()

    def _refused(self, error: DomainError) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self.errors.show(error)
        self.show_change()
