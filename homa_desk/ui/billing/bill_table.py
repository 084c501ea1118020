"""The billing list's table model: one row per bill with status, total, paid and balance."""

from __future__ import annotations

from PySide6.QtCore import QT_TR_NOOP

from homa_desk.domain.billing import BillStatus
from homa_desk.domain.money import format_inr
from homa_desk.domain.timeutil import format_local_time
from homa_desk.services.billing import BillSummary
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.tables import RowsModel

STATUS_WORDS = {BillStatus.OPEN: QT_TR_NOOP("Open"), BillStatus.PAID: QT_TR_NOOP("Paid"),
                BillStatus.CANCELLED: QT_TR_NOOP("Cancelled")}
HEADERS = (QT_TR_NOOP("Bill No."), QT_TR_NOOP("Date"), QT_TR_NOOP("Patient"), QT_TR_NOOP("Status"),
           QT_TR_NOOP("Total"), QT_TR_NOOP("Paid"), QT_TR_NOOP("Balance due"))
NUMERIC = {4, 5, 6}


class BillListModel(RowsModel[BillSummary]):
    headers = HEADERS
    numeric = frozenset(NUMERIC)

    def bill_at(self, row: int) -> BillSummary | None:
        return self.row_at(row)

    def texts(self, bill: BillSummary) -> list[str]:
        return [bill.bill_number, format_local_time(bill.created_at), bill.patient_name,
                tr(STATUS_WORDS[bill.status]), format_inr(bill.total), format_inr(bill.paid),
                format_inr(bill.balance_due)]
