"""The Payments page's "Held for review" tab: every payment held for review with patient, bill, amount, reason and
the gateway's ids; opening one shows its bill, where an admin resolves it."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QT_TR_NOOP, QModelIndex, Slot
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.held_money import ZERO, HeldPayment
from homa_desk.domain.money import format_inr
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.timeutil import format_local_time
from homa_desk.services import held_money
from homa_desk.ui.billing.bill_screen import BillDialog, show_bill
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.tables import RowsModel, read_only_table
from homa_desk.ui.common.worker import OneLoadAtATime


class HeldMoneyModel(RowsModel[HeldPayment]):
    headers = (QT_TR_NOOP("Paid at"), QT_TR_NOOP("Patient"), QT_TR_NOOP("Bill"), QT_TR_NOOP("Held"),
               QT_TR_NOOP("Reason"), QT_TR_NOOP("Gateway payment"), QT_TR_NOOP("UTR"))
    numeric = frozenset({3})

    def texts(self, row: HeldPayment) -> list[str]:
        patient = row.patient_name + (f" ({row.patient_number})" if row.patient_number else "")
        return [format_local_time(row.paid_at) if row.paid_at else "", patient, row.bill_number or "—",
                format_inr(row.held), row.reason, row.gateway_payment_id or "", row.utr or ""]


class HeldMoneyPanel(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("held_money_panel")
        self._backend = backend
        self._actor = actor
        self.bill_dialog: BillDialog | None = None
        self.model = HeldMoneyModel(self)
        self.table = read_only_table("held_table", self.model, stretch_column=4)
        self.summary = QLabel("")
        self.summary.setObjectName("held_summary")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        self.table.activated.connect(self._open_index)
        self._loads = OneLoadAtATime(self, lambda: partial(held_money.list_held, backend.uow(), actor),
                                     on_success=self._loaded,
                                     on_failure=lambda error: self.summary.setText(error.message))
        changes.change_hub().changed.connect(self._refresh_if)
        self.reload()

    @property
    def loading(self) -> bool:
        return self._loads.loading

    def reload(self) -> None:
        self._loads.load()

    def _loaded(self, rows: list[HeldPayment]) -> None:
        self.model.set_rows(rows)
        if not rows:
            self.summary.setText(tr("No money is held for review."))
            return
        who = (tr("Double-click one to open its bill and resolve it.") if self._actor.role is Role.ADMIN
               else tr("An admin resolves held money; it does not count as paid until then."))
        self.summary.setText(tr("{count} payments, {amount} held for review.").format(
            count=len(rows), amount=format_inr(sum((r.held for r in rows), ZERO))) + " " + who)

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity in (Change.PAYMENTS, Change.BILLS):
            self.reload()

    def _open_index(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row()) if index.isValid() else None
        if row is None:
            return
        if row.patient_id is None:
            self.summary.setText(tr("The gateway received this money on no QR of this desk (gateway payment {id}): "
                                    "find who paid in the gateway's dashboard, then refund it or count it toward "
                                    "their bill.").format(id=row.gateway_payment_id or "—"))
            return
        if row.bill_id is None:
            self.summary.setText(tr("This money came with no bill: look up the patient's bills and move it there."))
            return
        self.bill_dialog = show_bill(self, self._backend, self._actor, row.bill_id)
