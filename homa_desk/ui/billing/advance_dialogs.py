"""Advances at the desk: receive one (amount, method, reference, what it is for), use the patient's advances on a
bill ("Use advance"), and refund what is left of one (admins, with the refund's reference and a reason)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.advances import Advance
from homa_desk.domain.billing import BillView, PaymentMethod
from homa_desk.domain.errors import DomainError
from homa_desk.domain.money import format_inr
from homa_desk.domain.roles import Actor
from homa_desk.services import advances
from homa_desk.ui.billing.payment_dialog import METHOD_LABELS, METHODS
from homa_desk.ui.common.changes import MONEY
from homa_desk.ui.common.form import ErrorLabel, FieldErrors, line_edit
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import CollectionOp


class _AdvanceDialog(QDialog):
    """A form with an action button; `saved` carries what the service returned."""

    saved = Signal(object)

    def __init__(self, backend: Backend, actor: Actor, title: str, action: str, name: str,
                 parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self._backend = backend
        self._actor = actor
        self.intro = QLabel("")
        self.intro.setObjectName("advance_intro")
        self.intro.setWordWrap(True)
        self.form = QFormLayout()
        self.errors = FieldErrors(self.form, ErrorLabel())
        self.errors.general.setObjectName("advance_error")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("confirm")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.buttons)

    def save(self) -> None:
        raise NotImplementedError

    def _run(self, fn, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if not self.save_button.isEnabled():
            return
        self.errors.clear()
        self.save_button.setEnabled(False)
        CollectionOp(self, MONEY, fn, self._backend.uow(), self._actor, *args, **kwargs) \
            .success(self._succeeded).failure(self._refused).run_in_background()

    def _succeeded(self, result: object) -> None:
        self.saved.emit(result)
        self.accept()

    def _refused(self, error: DomainError) -> None:
        self.save_button.setEnabled(True)
        self.errors.show(error)


class ReceiveAdvanceDialog(_AdvanceDialog):
    """Money paid ahead by the patient: `saved` carries the new Advance."""

    def __init__(self, backend: Backend, actor: Actor, patient_id: int, patient_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(backend, actor, tr("Receive advance — {name}").format(name=patient_name),
                         tr("Receive advance"), "receive_advance_dialog", parent)
        self.patient_id = patient_id
        self.intro.setText(tr("Money paid ahead (a deposit, a package) stays on the patient's account and is used "
                              "on later bills."))
        self.amount = line_edit("amount")
        self.method = QComboBox()
        self.method.setObjectName("method")
        for item in METHODS:
            self.method.addItem(tr(METHOD_LABELS.get(item, item.label)), item.value)
        self.reference = line_edit("reference", placeholder=tr("Card slip, UTR or wallet reference"))
        self.purpose = line_edit("purpose", placeholder=tr("e.g. Root canal deposit"))
        self.errors.add_row(tr("Amount (₹)"), "amount", self.amount)
        self.errors.add_row(tr("Method"), "method", self.method)
        self.errors.add_row(tr("Reference"), "reference", self.reference)
        self.errors.add_row(tr("For"), "purpose", self.purpose)
        self.amount.setFocus()

    def save(self) -> None:
        self._run(advances.receive_advance, self.patient_id, amount=self.amount.text().strip(),
                  method=PaymentMethod(self.method.currentData()), reference=self.reference.text(),
                  purpose=self.purpose.text())


class UseAdvanceDialog(_AdvanceDialog):
    """Part or all of the patient's advances on this bill: `saved` carries the BillView after."""

    def __init__(self, backend: Backend, actor: Actor, bill: BillView, parent: QWidget | None = None) -> None:
        super().__init__(backend, actor, tr("Use advance — bill {number}").format(number=bill.bill_number),
                         tr("Use advance"), "use_advance_dialog", parent)
        self.bill = bill
        due = bill.totals.balance_due
        self.intro.setText(tr("{available} of advances available · balance due {due}").format(
            available=format_inr(bill.advance_available), due=format_inr(due)))
        self.amount = line_edit("amount")
        self.amount.setText(f"{max(min(bill.advance_available, due), Decimal('0.00')):.2f}")
        self.errors.add_row(tr("Amount (₹)"), "amount", self.amount)
        self.amount.selectAll()
        self.amount.setFocus()

    def save(self) -> None:
        self._run(advances.apply_advance, self.bill.id, amount=self.amount.text().strip())


class RefundAdvanceDialog(_AdvanceDialog):
    """Admins: a refund of what is left of an advance; `saved` carries the Advance after."""

    def __init__(self, backend: Backend, actor: Actor, advance: Advance, parent: QWidget | None = None) -> None:
        super().__init__(backend, actor, tr("Refund advance {number}").format(number=advance.number),
                         tr("Refund"), "refund_advance_dialog", parent)
        self.advance = advance
        self.intro.setText(tr("{left} of this advance is left to refund.").format(left=format_inr(advance.available)))
        self.amount = line_edit("amount")
        self.amount.setText(f"{advance.available:.2f}")
        self.reference = line_edit("reference", placeholder=tr("Bank transfer reference, or the cash voucher"))
        self.reason = line_edit("reason")
        self.errors.add_row(tr("Amount (₹)"), "amount", self.amount)
        self.errors.add_row(tr("Reference"), "reference", self.reference)
        self.errors.add_row(tr("Reason"), "reason", self.reason)
        self.amount.setFocus()

    def save(self) -> None:
        self._run(advances.refund_advance, self.advance.id, amount=self.amount.text().strip(),
                  reference=self.reference.text(), reason=self.reason.text())
