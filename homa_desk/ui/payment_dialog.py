"""Take a payment at the desk: amount (the balance due unless changed), method, and the reference or UTR."""

from __future__ import annotations

from PySide6.QtCore import QT_TR_NOOP, Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.billing import BillView, PaymentMethod
from homa_desk.domain.errors import DomainError
from homa_desk.domain.money import format_inr
from homa_desk.domain.roles import Actor
from homa_desk.services import billing
from homa_desk.ui.changes import MONEY
from homa_desk.ui.form import ErrorLabel, FieldErrors, line_edit
from homa_desk.ui.i18n import tr
from homa_desk.ui.worker import CollectionOp

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
        form = QFormLayout()
        self.errors = FieldErrors(form, ErrorLabel())
        self.errors.general.setObjectName("payment_error")
        self.errors.add_row(tr("Amount (₹)"), "amount", self.amount)
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
        QWidget.setTabOrder(self.save_button, buttons.button(QDialogButtonBox.StandardButton.Cancel))

    def selected_method(self) -> PaymentMethod:
        return PaymentMethod(self.method.currentData())

    def save(self) -> None:
        self.errors.clear()
        self.save_button.setEnabled(False)
        CollectionOp(self, MONEY, billing.record_payment, self._backend.uow(), self._actor, self.bill.id,
                     amount=self.amount.text().strip(), method=self.selected_method(),
                     reference=self.reference.text()).success(self._recorded).failure(self._refused).run_in_background()

    def _recorded(self, bill: BillView) -> None:
        self.payment_recorded.emit(bill)
        self.accept()

    def _refused(self, error: DomainError) -> None:
        self.save_button.setEnabled(True)
        self.errors.show(error)
