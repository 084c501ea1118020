"""The billing list's table model: one row per bill with status, total, paid and balance."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TR_NOOP, QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from homa_desk.domain.billing import BillStatus
from homa_desk.domain.money import format_inr
from homa_desk.domain.timeutil import format_local_time
from homa_desk.services.billing import BillSummary
from homa_desk.ui.i18n import tr

STATUS_WORDS = {BillStatus.OPEN: QT_TR_NOOP("Open"), BillStatus.PAID: QT_TR_NOOP("Paid"),
                BillStatus.CANCELLED: QT_TR_NOOP("Cancelled")}
HEADERS = (QT_TR_NOOP("Bill No."), QT_TR_NOOP("Date"), QT_TR_NOOP("Patient"), QT_TR_NOOP("Status"),
           QT_TR_NOOP("Total"), QT_TR_NOOP("Paid"), QT_TR_NOOP("Balance due"))
NUMERIC = {4, 5, 6}
_Index = QModelIndex | QPersistentModelIndex


class BillListModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[BillSummary] = []

    def set_rows(self, rows: list[BillSummary]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def bill_at(self, row: int) -> BillSummary | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(HEADERS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        bill = self.bill_at(index.row())
        if bill is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(bill, index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(bill: BillSummary, column: int) -> str:
        if column == 0:
            return bill.bill_number
        if column == 1:
            return format_local_time(bill.created_at)
        if column == 2:
            return bill.patient_name
        if column == 3:
            return tr(STATUS_WORDS[bill.status])
        value = {4: bill.total, 5: bill.paid, 6: bill.balance_due}[column]
        return format_inr(value)
