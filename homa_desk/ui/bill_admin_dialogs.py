"""Admin-only changes to a bill: refund (all or part of one payment) and cancel, each with a reason."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.billing import BillView
from homa_desk.domain.errors import DomainError
from homa_desk.domain.money import format_inr
from homa_desk.domain.roles import Actor
from homa_desk.services import billing
from homa_desk.ui.changes import MONEY
from homa_desk.ui.form import ErrorLabel, FieldErrors, line_edit
from homa_desk.ui.i18n import tr
from homa_desk.ui.worker import CollectionOp


class _ReasonDialog(QDialog):
    """`bill_changed` carries the bill after the change."""

    bill_changed = Signal(object)

    def __init__(self, title: str, action: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.errors = FieldErrors(self.form, ErrorLabel())
        self.errors.general.setObjectName("dialog_error")
        self.reason = line_edit("reason")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("confirm")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.buttons)

    def save(self) -> None:
        raise NotImplementedError

    def _done(self, bill: BillView) -> None:
        self.bill_changed.emit(bill)
        self.accept()

    def _refused(self, error: DomainError) -> None:
        self.save_button.setEnabled(True)
        self.errors.show(error)


class RefundDialog(_ReasonDialog):
    def __init__(self, backend: Backend, actor: Actor, bill: BillView, parent: QWidget | None = None) -> None:
        super().__init__(tr("Refund — bill {number}").format(number=bill.bill_number), tr("Refund"), parent)
        self.setObjectName("refund_dialog")
        self._backend = backend
        self._actor = actor
        self.payment = QComboBox()
        self.payment.setObjectName("refund_payment")
        for p in bill.payments:
            if p.refundable > 0:
                self.payment.addItem(tr("{method} {amount} (refundable {refundable})").format(
                    method=tr(p.method.label), amount=format_inr(p.amount), refundable=format_inr(p.refundable)), p.id)
        self.amount = line_edit("amount")
        self.payment.currentIndexChanged.connect(lambda _i: self._fill_amount(bill))
        self._fill_amount(bill)
        self.errors.add_row(tr("Payment"), "payment", self.payment)
        self.errors.add_row(tr("Amount (₹)"), "amount", self.amount)
        self.errors.add_row(tr("Reason"), "reason", self.reason)

    def _fill_amount(self, bill: BillView) -> None:
        chosen = next((p for p in bill.payments if p.id == self.payment.currentData()), None)
        self.amount.setText(f"{chosen.refundable:.2f}" if chosen else "")

    def save(self) -> None:
        self.errors.clear()
        if self.payment.currentData() is None:
            self.errors.general.show_message(tr("No payment on this bill can be refunded."))
            return
        self.save_button.setEnabled(False)
        CollectionOp(self, MONEY, billing.refund_payment, self._backend.uow(), self._actor, self.payment.currentData(),
                     amount=self.amount.text().strip(), reason=self.reason.text()) \
            .success(self._done).failure(self._refused).run_in_background()


class CancelBillDialog(_ReasonDialog):
    def __init__(self, backend: Backend, actor: Actor, bill: BillView, parent: QWidget | None = None) -> None:
        super().__init__(tr("Cancel bill {number}").format(number=bill.bill_number), tr("Cancel bill"), parent)
        self.setObjectName("cancel_bill_dialog")
        self._backend = backend
        self._actor = actor
        self._bill_id = bill.id
        self.errors.add_row(tr("Reason"), "reason", self.reason)

    def save(self) -> None:
        self.errors.clear()
        self.save_button.setEnabled(False)
        CollectionOp(self, MONEY, billing.cancel_bill, self._backend.uow(), self._actor, self._bill_id,
                     self.reason.text()).success(self._done).failure(self._refused).run_in_background()
