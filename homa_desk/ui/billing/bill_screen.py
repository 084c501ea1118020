"""One bill: patient, doctor, lines, payments and totals, with the actions the signed-in role may take."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.advances import AdvanceUse
from homa_desk.domain.billing import BillStatus, BillView, PaymentMethod, PaymentRecord, PaymentState
from homa_desk.domain.held_money import held_on, is_held
from homa_desk.domain.money import format_inr
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.timeutil import format_local_time
from homa_desk.services import billing
from homa_desk.services.clinic import DEFAULT_NAME as DEFAULT_CLINIC_NAME
from homa_desk.services.clinic import ClinicInfo, clinic_info
from homa_desk.ui.billing.advance_dialogs import UseAdvanceDialog
from homa_desk.ui.billing.bill_admin_dialogs import CancelBillDialog, RefundDialog
from homa_desk.ui.billing.bill_editor import BillEditorDialog
from homa_desk.ui.billing.customer_display import display_for
from homa_desk.ui.billing.held_money_dialog import ResolveHeldDialog
from homa_desk.ui.billing.payment_dialog import PaymentDialog
from homa_desk.ui.billing.receipt import print_receipt, save_receipt_pdf
from homa_desk.ui.billing.upi_panel import UpiPanel
from homa_desk.ui.common.column_widths import size_columns
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.open_windows import open_once
from homa_desk.ui.common.save_dialog import ask_save_path
from homa_desk.ui.common.table_rows import fill_rows
from homa_desk.ui.common.worker import run_in_background


def _table(headers: list[str], name: str, stretch: int) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    size_columns(table, stretch_column=stretch)
    return table


class BillDialog(QDialog):
    """`bill_loaded` after every (re)load with the BillView shown."""

    bill_loaded = Signal(object)

    def __init__(self, backend: Backend, actor: Actor, bill_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bill_dialog")
        self.setWindowTitle(tr("Bill"))
        self.resize(820, 620)
        self._backend = backend
        self._actor = actor
        self.bill_id = bill_id
        self.bill: BillView | None = None
        self.clinic = ClinicInfo(name="")
        self.upi_panel: UpiPanel | None = None
        self.payment_dialog: PaymentDialog | None = None
        self.admin_dialog: QDialog | None = None  # refund, cancel, resolve held money, use advance
        self.editor: BillEditorDialog | None = None
        admin = actor.role is Role.ADMIN

        self.heading = QLabel(tr("Loading…"))
        self.heading.setObjectName("bill_heading")
        self.heading.setProperty("role", "title")
        self.details = QLabel("")
        self.details.setObjectName("bill_details")
        self.lines = _table([tr("Item"), tr("Description"), tr("Qty"), tr("Rate"), tr("Discount"), tr("Amount")],
                            "bill_lines", 1)
        self.payments = _table([tr("Date"), tr("Method"), tr("Amount"), tr("State"), tr("Reference"),
                                tr("Received by")], "bill_payments", 5)
        self.totals = QLabel("")
        self.totals.setObjectName("bill_totals")
        self.totals.setTextFormat(Qt.TextFormat.RichText)
        self.message = QLabel("")
        self.message.setObjectName("bill_message")
        self.message.setWordWrap(True)
        self.held = QLabel("")
        self.held.setObjectName("held_money")
        self.held.setProperty("role", "error")
        self.held.setWordWrap(True)
        self.held.setVisible(False)

        self.edit_button = self._button(tr("Edit lines…"), "edit_lines", lambda: self.edit_lines())
        self.pay_button = self._button(tr("Take payment…"), "take_payment", self.take_payment)
        self.upi_button = self._button(tr("Pay by UPI…"), "pay_by_upi", self.pay_by_upi)
        self.advance_button = self._button(tr("Use advance…"), "use_advance", self.use_advance, visible=False)
        self.refund_button = self._button(tr("Refund…"), "refund", self.refund, visible=admin)
        self.resolve_button = self._button(tr("Resolve held money…"), "resolve_held", self.resolve_held,
                                           visible=admin)
        self.cancel_button = self._button(tr("Cancel bill…"), "cancel_bill", self.cancel_bill, visible=admin)
        self.print_button = self._button(tr("Print receipt…"), "print_receipt", self.print_receipt)
        self.pdf_button = self._button(tr("Save PDF…"), "save_pdf", lambda: self.save_pdf())
        actions = QHBoxLayout()
        for button in (self.edit_button, self.pay_button, self.upi_button, self.refund_button, self.resolve_button,
                       self.cancel_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.print_button)
        actions.addWidget(self.pdf_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.details)
        layout.addWidget(QLabel(tr("Lines")))
        layout.addWidget(self.lines, 2)
        layout.addWidget(QLabel(tr("Payments")))
        layout.addWidget(self.payments, 1)
        totals_row = QHBoxLayout()  # "Use advance (₹X available)…" beside the balance it pays
        totals_row.addWidget(self.totals, 1)
        totals_row.addWidget(self.advance_button)
        layout.addLayout(totals_row)
        layout.addWidget(self.held)
        layout.addWidget(self.message)
        layout.addLayout(actions)
        self._enable(None)
        self.reload()
        run_in_background(self, clinic_info, backend.uow(), on_success=self._clinic_loaded,
                          on_failure=lambda _error: None)

    def _button(self, text: str, name: str, slot, *, visible: bool = True) -> QPushButton:  # type: ignore[no-untyped-def]
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        button.setVisible(visible)
        return button

    def reload(self) -> None:
        run_in_background(self, billing.get_bill, self._backend.uow(), self._actor, self.bill_id,
                          on_success=self.show_bill, on_failure=lambda error: self.message.setText(error.message))

    def show_bill(self, bill: BillView) -> None:
        self.bill = bill
        t = bill.totals
        self.setWindowTitle(tr("Bill {number}").format(number=bill.bill_number))
        self.heading.setText(tr("Bill {number}").format(number=bill.bill_number) + f" · {status_text(bill)}")
        patient = bill.patient_name + (tr(" (No. {number})").format(number=bill.patient_number)
                                       if bill.patient_number else "")
        self.details.setText(f"{patient} · " + tr("Doctor: {name}").format(name=bill.doctor_name or '—')
                             + f" · {format_local_time(bill.created_at)}"
                             + ("\n" + tr("Cancelled: {reason}").format(reason=bill.cancellation_reason)
                                if bill.cancellation_reason else "")
                             + ("\n" + tr("Notes: {notes}").format(notes=bill.notes) if bill.notes else ""))
        fill_rows(self.lines, [[tr(x.kind.label), x.description, f"{x.quantity.normalize():f}",
                                format_inr(x.unit_price), format_inr(x.discount), format_inr(x.total)]
                               for x in bill.lines], {2, 3, 4, 5})
        fill_rows(self.payments, [[format_local_time(p.paid_at) if p.paid_at else "", tr(p.method.label),
                               format_inr(p.amount),
                               payment_state_text(p), p.reference or "", p.received_by or ""]
                              for p in bill.payments] + [advance_use_row(u) for u in bill.advance_uses], {2})
        self.totals.setText(
            tr("Total <b>{total}</b> · Paid {paid} · Refunded {refunded} · Balance due <b>{due}</b>").format(
                total=format_inr(t.total), paid=format_inr(t.paid), refunded=format_inr(t.refunded),
                due=format_inr(t.balance_due))
            + (" · " + tr("Paid from advance {amount}").format(amount=format_inr(t.from_advance))
               if t.from_advance else ""))
        self.advance_button.setText(tr("Use advance ({amount} available)…").format(
            amount=format_inr(bill.advance_available)))
        self.advance_button.setVisible(bill.advance_available > 0)
        self._show_held(bill)
        self._enable(bill)
        self.bill_loaded.emit(bill)

    def _show_held(self, bill: BillView) -> None:
        held = held_on(bill)
        reasons = "; ".join(dict.fromkeys(p.review_reason or "" for p in bill.payments if is_held(p)))
        who = (tr("Resolve it: accept it, refund it or move it to another bill.") if self._actor.role is Role.ADMIN
               else tr("It does not count as paid until an admin resolves it."))
        self.held.setText(tr("{amount} held for review ({reasons}).").format(amount=format_inr(held), reasons=reasons)
                          + " " + who)
        self.held.setVisible(held > 0)

    def _enable(self, bill: BillView | None) -> None:
        open_ = bill is not None and bill.status is not BillStatus.CANCELLED and bill.totals.balance_due > 0
        self.pay_button.setEnabled(open_)
        self.edit_button.setEnabled(editable(bill))
        self.upi_button.setEnabled(open_)
        self.advance_button.setEnabled(open_ and bill is not None and bill.advance_available > 0)
        self.refund_button.setEnabled(bill is not None and any(p.refundable > 0 for p in bill.payments))
        held = held_on(bill) if bill is not None else 0
        self.resolve_button.setEnabled(held > 0)
        self.cancel_button.setEnabled(bill is not None and bill.status is not BillStatus.CANCELLED
                                      and bill.totals.net_paid == 0 and held == 0)
        self.print_button.setEnabled(bill is not None)
        self.pdf_button.setEnabled(bill is not None)

    # -- actions ----------------------------------------------------------------------------------------------

    def edit_lines(self) -> BillEditorDialog | None:
        """The bill editor on this bill's lines, while nothing is paid on it (billing.update_lines says so too)."""
        if self.bill is None or not editable(self.bill):
            return None
        editor = BillEditorDialog(self._backend, self._actor, self.bill.patient_id, self.bill.patient_name, self,
                                  bill=self.bill)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.bill_saved.connect(self._changed)
        self.editor = editor
        editor.open()
        return editor

    def take_payment(self, method: PaymentMethod = PaymentMethod.CASH) -> PaymentDialog | None:
        if self.bill is None:
            return None
        dialog = PaymentDialog(self._backend, self._actor, self.bill, self,
                               method=method if isinstance(method, PaymentMethod) else PaymentMethod.CASH)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.payment_recorded.connect(self._changed)
        self.payment_dialog = dialog
        dialog.open()
        return dialog

    def pay_by_upi(self) -> UpiPanel | None:
        if self.bill is None:
            return None
        panel = UpiPanel(self._backend, self._actor, self.bill, self, display=display_for(self, self._backend))
        panel.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        panel.settled.connect(lambda _session: self.reload())
        panel.cash_requested.connect(lambda _bill_id: self.take_payment(PaymentMethod.CASH))
        self.upi_panel = panel
        panel.open()
        return panel

    def use_advance(self) -> UseAdvanceDialog | None:
        """Part or all of the patient's advances on this bill (the button says how much is available)."""
        if self.bill is None or self.bill.advance_available <= 0:
            return None
        dialog = UseAdvanceDialog(self._backend, self._actor, self.bill, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._changed)
        self.admin_dialog = dialog
        dialog.open()
        return dialog

    def refund(self) -> None:
        if self.bill is not None and self._actor.role is Role.ADMIN:
            self._open_admin(RefundDialog(self._backend, self._actor, self.bill, self))

    def cancel_bill(self) -> None:
        if self.bill is not None and self._actor.role is Role.ADMIN:
            self._open_admin(CancelBillDialog(self._backend, self._actor, self.bill, self))

    def resolve_held(self) -> None:
        if self.bill is not None and self._actor.role is Role.ADMIN:
            self._open_admin(ResolveHeldDialog(self._backend, self._actor, self.bill, self))

    def _open_admin(self, dialog: RefundDialog | CancelBillDialog | ResolveHeldDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.bill_changed.connect(self._changed)
        self.admin_dialog = dialog
        dialog.open()

    def print_receipt(self) -> None:
        if self.bill is not None:
            print_receipt(self.bill, self._clinic(), self)

    def save_pdf(self, path: str | Path | None = None) -> Path | None:
        if self.bill is None:
            return None
        if path is None:
            suggested = f"receipt-{self.bill.bill_number.replace('/', '-')}.pdf"
            path = ask_save_path(self, tr("Save receipt as PDF"), suggested, "PDF (*.pdf)")
            if not path:
                return None
        saved = save_receipt_pdf(self.bill, self._clinic(), path)
        self.message.setText(tr("Receipt saved to {path}.").format(path=saved))
        return saved

    def _clinic(self) -> ClinicInfo:
        return self.clinic if self.clinic.name else ClinicInfo(name=DEFAULT_CLINIC_NAME)

    def _clinic_loaded(self, info: ClinicInfo) -> None:
        self.clinic = info

    def _changed(self, bill: BillView) -> None:
        self.show_bill(bill)


def editable(bill: BillView | None) -> bool:
    """Lines change until money is on the bill: none paid, refunded or held (a failed attempt is no money)."""
    return (bill is not None and bill.status is not BillStatus.CANCELLED
            and all(p.state is PaymentState.FAILED for p in bill.payments)
            and not any(u.live for u in bill.advance_uses))


def status_text(bill: BillView) -> str:
    if bill.status is BillStatus.CANCELLED:
        return tr("Cancelled")
    return tr("Paid") if bill.totals.balance_due <= 0 else tr("Balance due") + " " + format_inr(bill.totals.balance_due)


def payment_state_text(payment: PaymentRecord) -> str:
    if payment.review_reason:
        return tr("Needs review ({reason})").format(reason=payment.review_reason)
    text = tr(payment.state.label)
    if payment.refunded_amount:
        text += tr(", refunded {amount}").format(amount=format_inr(payment.refunded_amount))
    return text


def advance_use_row(use: AdvanceUse) -> list[str]:
    """An advance used on the bill, as a row of the payments table."""
    state = tr("Applied") if use.live else tr("Returned to the advance (bill cancelled)")
    return [format_local_time(use.applied_at), tr("Paid from advance"), format_inr(use.amount), state,
            use.advance_number, use.applied_by or ""]


def show_bill(parent: QWidget, backend: Backend, actor: Actor, bill_id: int) -> BillDialog:
    """The bill screen as a window of its own that frees itself when closed (billing list, payment history); a bill
    already open is raised instead of opened again."""

    def make() -> BillDialog:
        dialog = BillDialog(backend, actor, bill_id, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    return open_once("bill", bill_id, make)
