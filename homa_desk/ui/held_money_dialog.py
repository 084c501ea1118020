"""Admins resolve money held for review on a bill: accept it toward the bill, refund it (all or part), or move it to
another open bill of the same patient. What is over the balance is refunded in the same step, with its reference."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.billing import BillStatus, BillView, PaymentRecord
from homa_desk.domain.errors import DomainError
from homa_desk.domain.held_money import ZERO, OpenBill, is_held
from homa_desk.domain.money import format_inr
from homa_desk.domain.roles import Actor
from homa_desk.services import held_money
from homa_desk.ui.changes import MONEY
from homa_desk.ui.form import ErrorLabel, FieldErrors, line_edit
from homa_desk.ui.i18n import tr
from homa_desk.ui.worker import CollectionOp, run_in_background

ACCEPT, REFUND, MOVE = 0, 1, 2


class ResolveHeldDialog(QDialog):
    """`bill_changed` carries this bill as it is after the resolution."""

    bill_changed = Signal(object)

    def __init__(self, backend: Backend, actor: Actor, bill: BillView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resolve_held_dialog")
        self.setWindowTitle(tr("Money held for review — bill {number}").format(number=bill.bill_number))
        self._backend = backend
        self._actor = actor
        self.bill = bill
        self.targets: list[OpenBill] | None = None
        self.held = [p for p in bill.payments if is_held(p)]

        self.payment = QComboBox()
        self.payment.setObjectName("held_payment")
        for p in self.held:
            self.payment.addItem(tr("{method} {amount} held: {reason}").format(
                method=tr(p.method.label), amount=format_inr(p.amount - p.refunded_amount),
                reason=p.review_reason) + (f" · {p.reference}" if p.reference else ""), p.id)
        self.choices = QButtonGroup(self)
        self.accept_choice = self._choice(tr("Accept toward this bill"), "accept_choice", ACCEPT)
        self.refund_choice = self._choice(tr("Refund it (all or part)"), "refund_choice", REFUND)
        self.move_choice = self._choice(tr("Move it to another open bill of {name}").format(name=bill.patient_name),
                                        "move_choice", MOVE)
        self.target = QComboBox()
        self.target.setObjectName("target_bill")
        self.amount = line_edit("amount")
        self.reference = line_edit("reference", placeholder=tr("Gateway refund id or bank reference"))
        self.reason = line_edit("reason")
        self.plan = QLabel("")
        self.plan.setObjectName("resolve_plan")
        self.plan.setWordWrap(True)

        form = QFormLayout()
        self.errors = FieldErrors(form, ErrorLabel())
        self.errors.general.setObjectName("dialog_error")
        self.errors.add_row(tr("Held money"), "payment", self.payment)
        for button in (self.accept_choice, self.refund_choice, self.move_choice):
            form.addRow("", button)
        self.errors.add_row(tr("Move to bill"), "bill", self.target)
        self.errors.add_row(tr("Refund (₹)"), "amount", self.amount)
        self.errors.add_row(tr("Refund reference"), "reference", self.reference)
        self.errors.add_row(tr("Reason"), "reason", self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton(tr("Resolve"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("confirm")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.plan)
        layout.addWidget(self.errors.general)
        layout.addWidget(buttons)

        can_accept = bill.status is not BillStatus.CANCELLED and bill.totals.balance_due > 0
        self.accept_choice.setEnabled(can_accept)
        (self.accept_choice if can_accept else self.refund_choice).setChecked(True)
        self.choices.idClicked.connect(lambda _id: self._choice_changed())
        self.payment.currentIndexChanged.connect(lambda _i: self._payment_changed())
        self.target.currentIndexChanged.connect(lambda _i: self._update())
        self.amount.textChanged.connect(lambda _text: self._update())
        self._payment_changed()

    def _choice(self, text: str, name: str, choice: int) -> QRadioButton:
        button = QRadioButton(text)
        button.setObjectName(name)
        self.choices.addButton(button, choice)
        return button

    @property
    def chosen(self) -> PaymentRecord | None:
        return next((p for p in self.held if p.id == self.payment.currentData()), None)

    @property
    def choice(self) -> int:
        return self.choices.checkedId()

    def _payment_changed(self) -> None:
        chosen = self.chosen
        self.amount.setText(f"{chosen.amount - chosen.refunded_amount:.2f}" if chosen else "")
        self.targets = None
        self.target.clear()
        self._choice_changed()

    def _choice_changed(self) -> None:
        if self.choice == MOVE and self.targets is None and self.chosen is not None:
            run_in_background(self, held_money.move_targets, self._backend.uow(), self._actor, self.chosen.id,
                              on_success=self._targets_loaded, on_failure=self._refused)
        self._update()

    def _targets_loaded(self, targets: list[OpenBill]) -> None:
        self.targets = targets
        self.target.clear()
        for bill in targets:
            self.target.addItem(tr("{number}: {due} due").format(number=bill.bill_number,
                                                                 due=format_inr(bill.balance_due)), bill.id)
        self._update()

    def _excess(self) -> Decimal:
        """What is over the balance of the bill the money would go to (refunded in the same step)."""
        chosen = self.chosen
        if chosen is None:
            return ZERO
        held = chosen.amount - chosen.refunded_amount
        if self.choice == ACCEPT:
            return max(held - self.bill.totals.balance_due, ZERO)
        target = next((b for b in self.targets or [] if b.id == self.target.currentData()), None)
        return max(held - target.balance_due, ZERO) if target is not None else ZERO

    def _update(self) -> None:
        chosen, choice = self.chosen, self.choice
        self.target.setEnabled(choice == MOVE)
        self.amount.setEnabled(choice == REFUND)
        excess = self._excess() if choice in (ACCEPT, MOVE) else ZERO
        needs_refund = choice == REFUND or excess > 0
        self.reference.setEnabled(needs_refund)
        self.reason.setEnabled(needs_refund)
        if chosen is None:
            self.plan.setText(tr("No money is held on this bill."))
            self.save_button.setEnabled(False)
            return
        held = chosen.amount - chosen.refunded_amount
        if choice == REFUND:
            text = tr("Record a refund you made at the gateway or by bank transfer; what is not refunded stays held.")
        elif choice == MOVE and not self.targets:
            text = tr("Loading…") if self.targets is None else tr("This patient has no other open bill.")
        elif excess > 0:
            text = tr("{counted} counts toward the bill and the other {excess} is refunded: enter the refund's "
                      "reference and reason.").format(counted=format_inr(held - excess), excess=format_inr(excess))
        else:
            text = tr("All {amount} counts toward the bill.").format(amount=format_inr(held))
        self.plan.setText(text)
        self.save_button.setEnabled(choice != MOVE or bool(self.targets))

    def save(self) -> None:
        chosen = self.chosen
        if chosen is None:
            return
        self.errors.clear()
        self.save_button.setEnabled(False)
        uow, refund = self._backend.uow(), {"refund_reference": self.reference.text(),
                                            "refund_reason": self.reason.text()}
        op: CollectionOp[BillView | None]
        if self.choice == ACCEPT:
            op = CollectionOp(self, MONEY, held_money.accept_held, uow, self._actor, chosen.id, **refund)
        elif self.choice == MOVE:
            op = CollectionOp(self, MONEY, held_money.move_held, uow, self._actor, chosen.id, self.target.currentData(),
                              **refund)
        else:
            op = CollectionOp(self, MONEY, held_money.refund_held, uow, self._actor, chosen.id,
                              amount=self.amount.text().strip(), reference=self.reference.text(),
                              reason=self.reason.text())
        op.success(self._done).failure(self._refused).run_in_background()

    def _done(self, bill: BillView | None) -> None:
        self.bill_changed.emit(bill)
        self.accept()

    def _refused(self, error: DomainError) -> None:
        self.save_button.setEnabled(True)
        self.errors.show(error)
