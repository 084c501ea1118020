"""The payment history as a lazily paged table model, and its CSV export off the UI thread.

Pages of PAGE_SIZE rows arrive in the background; the view's scrolling calls fetchMore for the next keyset page.
Every new filter bumps a generation number, and pages or totals for an older filter are ignored when they arrive.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from homa_desk.backend import Backend
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.errors import DomainError
from homa_desk.domain.money import format_inr
from homa_desk.domain.reports import HistoryFilters, HistoryRow, HistoryTotals
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import to_local
from homa_desk.services import reports
from homa_desk.ui.worker import run_in_background

COLUMNS = ("Date", "Bill no.", "Patient", "Doctor", "Method", "Amount", "Refunded", "Status", "Reference")
AMOUNT_COLUMNS = frozenset({5, 6})
_Index = QModelIndex | QPersistentModelIndex


class PaymentHistoryModel(QAbstractTableModel):
    page_loaded = Signal(int)  # rows in the page that just arrived
    totals_loaded = Signal(object)  # HistoryTotals of the current filter
    load_failed = Signal(str)

    def __init__(self, backend: Backend, actor: Actor, parent: QObject | None = None, *,
                 page_size: int = reports.PAGE_SIZE) -> None:
        super().__init__(parent)
        self._backend = backend
        self._actor = actor
        self.page_size = page_size
        self.filters = HistoryFilters()
        self.rows: list[HistoryRow] = []
        self.totals: HistoryTotals | None = None
        self._generation = 0
        self._loading = False
        self._exhausted = True
        self._started = False

    def set_filters(self, filters: HistoryFilters) -> None:
        """Start over with `filters`: the first page and the totals are asked for at once."""
        self._generation += 1
        self._started = True
        self.beginResetModel()
        self.filters = filters
        self.rows = []
        self.totals = None
        self._loading = False
        self._exhausted = False
        self.endResetModel()
        self._request_page()
        generation = self._generation
        run_in_background(self, reports.payment_history_totals, self._backend.uow(), self._actor, filters,
                          on_success=lambda totals: self._totals_arrived(generation, totals),
                          on_failure=lambda error: self._failed(generation, error))

    def refresh(self) -> None:
        if self._started:
            self.set_filters(self.filters)

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def row_at(self, row: int) -> HistoryRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _request_page(self) -> None:
        self._loading = True
        generation = self._generation
        after = self.rows[-1].key if self.rows else None
        run_in_background(self, reports.payment_history, self._backend.uow(), self._actor, self.filters,
                          after=after, limit=self.page_size,
                          on_success=lambda rows: self._page_arrived(generation, rows),
                          on_failure=lambda error: self._failed(generation, error))

    def _page_arrived(self, generation: int, page: list[HistoryRow]) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self._exhausted = len(page) < self.page_size
        if page:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(page) - 1)
            self.rows.extend(page)
            self.endInsertRows()
        self.page_loaded.emit(len(page))

    def _totals_arrived(self, generation: int, totals: HistoryTotals) -> None:
        if generation == self._generation:
            self.totals = totals
            self.totals_loaded.emit(totals)

    def _failed(self, generation: int, error: DomainError) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self._exhausted = True
        self.load_failed.emit(error.message)

    # -- Qt's lazy loading -----------------------------------------------------------------------------------

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._loading and bool(self.rows)

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._request_page()

    # -- the table -------------------------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return cells(row)[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in AMOUNT_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.review_reason:
                return row.review_reason
            return None if row.openable else "This payment has no bill to open (recorded before bills existed)."
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None


def cells(row: HistoryRow) -> list[str]:
    return [to_local(row.paid_at).strftime("%d-%m-%Y %H:%M"), row.bill_number or "—", row.patient_name,
            row.doctor_name or "—", row.method.label, format_inr(row.amount),
            format_inr(row.refunded) if row.refunded else "", row.status_label, row.reference or ""]


def export_csv(uow: UnitOfWork, actor: Actor, filters: HistoryFilters, path: str | Path) -> int:
    """Runs on a worker thread: every matching payment to `path` (UTF-8 with BOM, for Excel); the row count.

    Written to a neighbouring temporary file first, so a failed export never leaves half a file under the name
    the receptionist chose.
    """
    target = Path(path)
    partial = target.with_name(target.name + ".part")
    try:
        with partial.open("w", encoding="utf-8-sig", newline="") as out:
            count = reports.write_history_csv(uow, actor, filters, out)
        partial.replace(target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise DomainError(f"Could not write {target.name}: {error.strerror or error}.") from error
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count
