"""A patient's advances on the profile: what is left on the account, each advance (received, used, refunded, left)
and, for the one selected, where it was used and what was refunded. The front desk receives an advance and prints
its receipt here; admins refund what is left. Loaded off the UI thread when first shown (on the profile, when its tab
is chosen: the profile's own statement carries the balance for the tab's title), again after every money change."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QT_TR_NOOP, Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.advances import Advance, PatientAdvances
from homa_desk.domain.errors import DomainError
from homa_desk.domain.money import format_inr
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.timeutil import format_local_time
from homa_desk.services import advances, billing
from homa_desk.services.clinic import DEFAULT_NAME, ClinicInfo, clinic_info
from homa_desk.ui.billing.advance_dialogs import ReceiveAdvanceDialog, RefundAdvanceDialog
from homa_desk.ui.billing.advance_receipt import print_advance_receipt, save_advance_receipt_pdf
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.column_widths import size_columns
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.save_dialog import ask_save_path
from homa_desk.ui.common.table_rows import fill_rows
from homa_desk.ui.common.worker import OneLoadAtATime, run_in_background

ADVANCE_COLUMNS = (QT_TR_NOOP("Advance No."), QT_TR_NOOP("Date"), QT_TR_NOOP("For"), QT_TR_NOOP("Method"),
                   QT_TR_NOOP("Amount"), QT_TR_NOOP("Used"), QT_TR_NOOP("Refunded"), QT_TR_NOOP("Available"))
DETAIL_COLUMNS = (QT_TR_NOOP("Date"), QT_TR_NOOP("What"), QT_TR_NOOP("Amount"), QT_TR_NOOP("Reference"),
                  QT_TR_NOOP("By"))


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


def detail_rows(advance: Advance) -> list[list[str]]:
    """Where an advance went: each use on a bill (returned ones marked) and each refund."""
    rows = [[format_local_time(u.applied_at),
             (tr("Used on bill {number}") if u.live else tr("Used on bill {number}, returned (bill cancelled)"))
             .format(number=u.bill_number), format_inr(u.amount), "", u.applied_by or ""] for u in advance.uses]
    rows += [[format_local_time(r.refunded_at), tr("Refunded: {reason}").format(reason=r.reason),
              format_inr(r.amount), r.reference or "", r.refunded_by or ""] for r in advance.refunds]
    return rows


class PatientAdvancesPanel(QWidget):
    """`loaded` carries the PatientAdvances shown after every (re)load."""

    loaded = Signal(object)

    def __init__(self, backend: Backend, actor: Actor, patient_id: int, patient_name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patient_advances")
        self._backend = backend
        self._actor = actor
        self.patient_id = patient_id
        self.patient_name = patient_name
        self.account: PatientAdvances | None = None
        self.dialog: ReceiveAdvanceDialog | RefundAdvanceDialog | None = None
        self.clinic = ClinicInfo(name="")
        desk = actor.role in billing.FRONT_DESK
        self._loads = OneLoadAtATime(self, lambda: partial(advances.patient_advances, backend.uow(), actor,
                                                           self.patient_id),
                                     on_success=self._show, on_failure=self._failed)
        self.balance = QLabel(tr("Loading…"))
        self.balance.setObjectName("advance_balance")
        self.balance.setTextFormat(Qt.TextFormat.RichText)
        self.error = QLabel("")
        self.error.setObjectName("advances_error")
        self.error.setProperty("role", "error")
        self.error.setVisible(False)
        self.list = _table("advance_list", ADVANCE_COLUMNS, 2)
        self.details = _table("advance_details", DETAIL_COLUMNS, 1)
        self.receive_button = self._button(tr("Receive advance…"), "receive_advance", self.receive, desk)
        self.refund_button = self._button(tr("Refund advance…"), "refund_advance", self.refund,
                                          actor.role is Role.ADMIN)
        self.print_button = self._button(tr("Print receipt…"), "print_advance_receipt", self.print_receipt, desk)
        self.pdf_button = self._button(tr("Save PDF…"), "save_advance_pdf", lambda: self.save_pdf(), desk)
        row = QHBoxLayout()
        for button in (self.receive_button, self.refund_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.print_button)
        row.addWidget(self.pdf_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.balance)
        layout.addWidget(self.error)
        layout.addWidget(self.list, 2)
        layout.addWidget(self.details, 1)
        layout.addLayout(row)
        self.list.itemSelectionChanged.connect(self._selection_changed)
        changes.change_hub().changed.connect(self._refresh_if)
        self._selection_changed()
        self._desk = desk
        self._shown_once = False

    def showEvent(self, event: QShowEvent) -> None:
        """The first time the panel comes forward: its advances, and the clinic's name for the receipts."""
        super().showEvent(event)
        if self._shown_once:
            return
        self._shown_once = True
        self.reload()
        if self._desk:
            run_in_background(self, clinic_info, self._backend.uow(), on_success=self._clinic_loaded,
                              on_failure=lambda _error: None)

    def _button(self, text: str, name: str, slot, visible: bool) -> QPushButton:  # type: ignore[no-untyped-def]
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        button.setVisible(visible)
        return button

    @property
    def loading(self) -> bool:
        return self._loads.loading

    def reload(self) -> None:
        self._loads.load()

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity in (Change.BILLS, Change.PAYMENTS):
            self.reload()

    def _failed(self, error: DomainError) -> None:
        self.error.setText(error.message)
        self.error.setVisible(True)

    def _show(self, account: PatientAdvances) -> None:
        chosen = self.selected()
        self.account = account
        self.error.setVisible(False)
        self.balance.setText(tr("Advance balance <b>{amount}</b>").format(amount=format_inr(account.available))
                             if account.advances else tr("No advances yet."))
        fill_rows(self.list, [[a.number, format_local_time(a.payment.paid_at) if a.payment.paid_at else "",
                           a.purpose, tr(a.payment.method.label), format_inr(a.amount), format_inr(a.applied),
                           format_inr(a.refunded), format_inr(a.available)] for a in account.advances],
              {4, 5, 6, 7})
        again = next((n for n, a in enumerate(account.advances) if chosen and a.id == chosen.id), 0)
        if account.advances:
            self.list.selectRow(again)
        self._selection_changed()
        self.loaded.emit(account)

    def selected(self) -> Advance | None:
        if self.account is None:
            return None
        rows = self.list.selectionModel().selectedRows()
        return self.account.advances[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        advance = self.selected()
        fill_rows(self.details, detail_rows(advance) if advance else [], {2})
        self.refund_button.setEnabled(advance is not None and advance.available > 0)
        self.print_button.setEnabled(advance is not None)
        self.pdf_button.setEnabled(advance is not None)

    # -- actions ----------------------------------------------------------------------------------------------

    def receive(self) -> ReceiveAdvanceDialog | None:
        if self._actor.role not in billing.FRONT_DESK:
            return None
        return self._open(ReceiveAdvanceDialog(self._backend, self._actor, self.patient_id, self.patient_name, self))

    def refund(self) -> RefundAdvanceDialog | None:
        advance = self.selected()
        if advance is None or self._actor.role is not Role.ADMIN:
            return None
        return self._open(RefundAdvanceDialog(self._backend, self._actor, advance, self))

    def _open(self, dialog):  # type: ignore[no-untyped-def]
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(lambda _result: self.reload())
        self.dialog = dialog
        dialog.open()
        return dialog

    def print_receipt(self) -> None:
        if (advance := self.selected()) is not None:
            print_advance_receipt(advance, self._clinic(), self)

    def save_pdf(self, path: str | Path | None = None) -> Path | None:
        advance = self.selected()
        if advance is None:
            return None
        if path is None:
            path = ask_save_path(self, tr("Save advance receipt as PDF"), f"advance-{advance.number}.pdf",
                                 "PDF (*.pdf)")
            if not path:
                return None
        return save_advance_receipt_pdf(advance, self._clinic(), path)

    def _clinic(self) -> ClinicInfo:
        return self.clinic if self.clinic.name else ClinicInfo(name=DEFAULT_NAME)

    def _clinic_loaded(self, info: ClinicInfo) -> None:
        self.clinic = info
