"""Close of day on the Daily collection screen: count the cash drawer, and check the day's UPI money with the
payment gateway. Both run in the background (the gateway check makes network calls), never on the UI thread."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from html import escape

from PySide6.QtCore import QT_TR_NOOP, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.errors import DomainError
from homa_desk.domain.money import format_inr
from homa_desk.domain.reconciliation import CashCount, Finding, GatewayReconciliation, ReconciliationLine
from homa_desk.domain.reports import DailyCollection
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import to_local
from homa_desk.services import close_of_day
from homa_desk.ui.changes import Change
from homa_desk.ui.form import ErrorLabel, FieldErrors, line_edit
from homa_desk.ui.i18n import tr
from homa_desk.ui.tables import RowsModel, read_only_table
from homa_desk.ui.worker import CollectionOp, run_in_background

FINDINGS_HEIGHT = 150  # a few rows; the table scrolls for a day with many findings


def _money(value: Decimal | None) -> str:
    return "—" if value is None else format_inr(value)


class FindingsModel(RowsModel[ReconciliationLine]):
    numeric = frozenset({2, 3})
    headers = (QT_TR_NOOP("Finding"), QT_TR_NOOP("Payment"), QT_TR_NOOP("At the gateway"), QT_TR_NOOP("At the desk"),
               QT_TR_NOOP("Bill"), QT_TR_NOOP("Note"))

    def texts(self, row: ReconciliationLine) -> list[str]:
        return [tr(row.finding.label), row.reference, _money(row.gateway_amount), _money(row.desk_amount),
                row.bill_number or "—", row.note]


def cash_text(report: DailyCollection) -> str:
    """The drawer's line: the desk's cash, and the day's count when there is one."""
    expected = tr("Cash the desk recorded (less cash refunds): <b>{amount}</b>").format(
        amount=format_inr(report.cash_expected))
    count = report.cash_count
    if count is None:
        return expected + " &nbsp; " + tr("Not counted yet.")
    text = expected + "<br/>" + counted_text(count)
    if count.expected != report.cash_expected:
        text += "<br/>" + tr("Cash was recorded or refunded after this count: count the drawer again.")
    if len(report.cash_counts) > 1:
        text += " " + tr("({count} counts; the latest stands.)").format(count=len(report.cash_counts))
    return text


def counted_text(count: CashCount) -> str:
    if count.difference == 0:
        verdict = tr("matches")
    elif count.difference > 0:
        verdict = tr("over by {amount}").format(amount=format_inr(count.difference))
    else:
        verdict = tr("short by {amount}").format(amount=format_inr(-count.difference))
    text = tr("Counted <b>{counted}</b> by {name} at {time}: {verdict}").format(
        counted=format_inr(count.counted), name=escape(count.counted_by or "—"),
        time=to_local(count.counted_at).strftime("%H:%M"), verdict=verdict)
    return text + (f" — {escape(count.reason)}" if count.reason else "")


def reconciliation_text(result: GatewayReconciliation) -> str:
    if not result.supported:
        return tr("Static UPI: no payment gateway sees this money. Check the day's UPI payments against the "
                  "clinic's bank statement.")
    summary = tr("{gateway} captured {count} payments ({total}); {matched} match the desk.").format(
        gateway=result.gateway_label, count=result.gateway_count,
        total=format_inr(result.gateway_total), matched=result.matched_count)
    if result.clean:
        return summary + " " + tr("Nothing to look into.")
    return summary + " " + tr("Held for review: {held}; not at the gateway: {desk_only}; amounts differ: "
                              "{differs}.").format(held=len(result.of(Finding.HELD)),
                                                   desk_only=len(result.of(Finding.DESK_ONLY)),
                                                   differs=len(result.of(Finding.AMOUNT_DIFFERS)))


class CloseOfDayPanel(QGroupBox):
    """`counted` is emitted after the drawer was counted, so the report reloads its figures."""

    counted = Signal()

    def __init__(self, backend: Backend, actor: Actor, day_of: Callable[[], date],
                 parent: QWidget | None = None) -> None:
        super().__init__(tr("Close of day"), parent)
        self.setObjectName("close_of_day")
        self._backend = backend
        self._actor = actor
        self._day_of = day_of
        self.reconciliation: GatewayReconciliation | None = None
        self.busy = False

        self.cash_status = QLabel(tr("Loading…"))
        self.cash_status.setObjectName("cash_status")
        self.cash_status.setTextFormat(Qt.TextFormat.RichText)
        self.cash_status.setWordWrap(True)
        self.cash_counted = line_edit("cash_counted", placeholder=tr("Counted in the drawer, e.g. 12500"))
        self.cash_reason = line_edit("cash_reason", placeholder=tr("Why it differs (needed when it does)"))
        self.cash_save = QPushButton(tr("Record count"))
        self.cash_save.setObjectName("cash_save")
        general = ErrorLabel()
        general.setObjectName("cash_error")
        form = QFormLayout()
        self.errors = FieldErrors(form, general)
        self.errors.add_row(tr("Counted cash"), "counted", self.cash_counted)
        self.errors.add_row(tr("Reason"), "reason", self.cash_reason)

        self.gateway_check = QPushButton(tr("Check UPI with the gateway"))
        self.gateway_check.setObjectName("gateway_check")
        self.gateway_status = QLabel(tr("Not checked yet."))
        self.gateway_status.setObjectName("gateway_status")
        self.gateway_status.setWordWrap(True)
        self.findings = read_only_table("gateway_findings", FindingsModel(self), stretch_column=5)
        self.findings.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.findings.setVisible(False)
        self.findings.setMaximumHeight(FINDINGS_HEIGHT)

        cash = QVBoxLayout()
        cash.addWidget(self.cash_status)
        cash.addLayout(form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cash_save)
        buttons.addWidget(general, 1)
        buttons.addStretch(1)
        cash.addLayout(buttons)
        cash.addStretch(1)
        gateway = QVBoxLayout()
        gateway.addWidget(self.gateway_check, 0, Qt.AlignmentFlag.AlignLeft)
        gateway.addWidget(self.gateway_status)
        gateway.addWidget(self.findings, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(cash, 1)
        layout.addLayout(gateway, 1)

        self.cash_save.clicked.connect(self.save_count)
        self.cash_counted.returnPressed.connect(self.save_count)
        self.cash_reason.returnPressed.connect(self.save_count)
        self.gateway_check.clicked.connect(self.check_gateway)

    def show_day(self, report: DailyCollection) -> None:
        self.cash_status.setText(cash_text(report))
        if self.reconciliation is not None and self.reconciliation.day != report.day:
            self.reconciliation = None
            self.gateway_status.setText(tr("Not checked yet."))
            self.findings.model().set_rows([])
            self.findings.setVisible(False)

    # -- the drawer -------------------------------------------------------------------------------------------

    def save_count(self) -> None:
        if self.busy:
            return
        self._busy(True)
        self.errors.clear()
        run_in_background(self, close_of_day.count_cash, self._backend.uow(), self._actor, self._day_of(),
                          self.cash_counted.text(), self.cash_reason.text(),
                          on_success=self._count_saved, on_failure=self._count_refused)

    def _count_saved(self, _count: CashCount) -> None:
        self._busy(False)
        self.cash_counted.clear()
        self.cash_reason.clear()
        self.counted.emit()

    def _count_refused(self, error: DomainError) -> None:
        self._busy(False)
        self.errors.show(error)

    # -- the gateway ------------------------------------------------------------------------------------------

    def check_gateway(self) -> None:
        if self.busy:
            return
        self._busy(True)
        self.gateway_status.setText(tr("Asking the payment gateway…"))
        CollectionOp(self, _held_money_changes, close_of_day.reconcile_gateway, self._backend.uow(),
                     self._backend.gateway, self._actor, self._day_of()) \
            .success(self._checked).failure(self._check_failed).run_in_background()

    def _checked(self, result: GatewayReconciliation) -> None:
        self._busy(False)
        if result.day != self._day_of():
            self.gateway_status.setText(tr("Not checked yet."))
            return  # another day was picked meanwhile: this check is not about the day on screen
        self.reconciliation = result
        self.gateway_status.setText(reconciliation_text(result))
        self.findings.model().set_rows(list(result.lines))
        self.findings.setVisible(bool(result.lines))

    def _check_failed(self, error: DomainError) -> None:
        self._busy(False)
        self.gateway_status.setText(error.message)

    def _busy(self, busy: bool) -> None:
        self.busy = busy
        self.cash_save.setEnabled(not busy)
        self.gateway_check.setEnabled(not busy)


def _held_money_changes(result: GatewayReconciliation) -> tuple[Change, ...]:
    """Money the check put on hold shows in Pending review here and in the history."""
    return (Change.PAYMENTS,) if result.held_now else ()
