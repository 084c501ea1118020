"""The payment history as a lazily paged table model, and its CSV export off the UI thread.

Pages of PAGE_SIZE rows arrive in the background; the view's scrolling calls fetchMore for the next keyset page.
Every new filter bumps a generation number, and pages or totals for an older filter are ignored when they arrive.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TR_NOOP, QObject, Qt, Signal

from homa_desk.backend import Backend
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.errors import DomainError
from homa_desk.domain.money import format_inr
from homa_desk.domain.reports import HistoryFilters, HistoryRow, HistoryTotals
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import to_local
from homa_desk.services import reports
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.paged_model import Index, KeysetPagedModel
from homa_desk.ui.common.worker import run_in_background

COLUMNS = (QT_TR_NOOP("Date"), QT_TR_NOOP("Bill no."), QT_TR_NOOP("Patient"), QT_TR_NOOP("Doctor"),
           QT_TR_NOOP("Method"), QT_TR_NOOP("Amount"), QT_TR_NOOP("Refunded"), QT_TR_NOOP("Status"),
           QT_TR_NOOP("Reference"))
AMOUNT_COLUMNS = frozenset({5, 6})


class PaymentHistoryModel(KeysetPagedModel[HistoryRow]):
    page_loaded = Signal(int)  # rows in the page that just arrived
    totals_loaded = Signal(object)  # HistoryTotals of the current filter
    totals_failed = Signal(str)  # why there are no totals (e.g. a name fragment matching too many patients)
    load_failed = Signal(str)
    columns = COLUMNS

    def __init__(self, backend: Backend, actor: Actor, parent: QObject | None = None, *,
                 page_size: int = reports.PAGE_SIZE) -> None:
        super().__init__(parent, page_size=page_size)
        self._backend = backend
        self._actor = actor
        self.filters = HistoryFilters()
        self.totals: HistoryTotals | None = None
        self.totals_pending = False
        self._started = False

    def set_filters(self, filters: HistoryFilters) -> None:
        """Start over with `filters`: the first page and the totals are asked for at once."""
        self._started = True
        self.filters = filters
        self.totals = None
        self.totals_pending = True
        generation = self.restart(load=True)
        run_in_background(self, reports.payment_history_totals, self._backend.uow(), self._actor, filters,
                          on_success=lambda totals: self._totals_arrived(generation, totals),
                          on_failure=lambda error: self._totals_failed(generation, error))

    def refresh(self) -> None:
        if self._started:
            self.set_filters(self.filters)

    def request_page(self, after: HistoryRow | None, on_success: Callable[[list[HistoryRow]], None],
                     on_failure: Callable[[DomainError], None]) -> None:
        run_in_background(self, reports.payment_history, self._backend.uow(), self._actor, self.filters,
                          after=after.key if after else None, limit=self.page_size,
                          on_success=on_success, on_failure=on_failure)

    def page_arrived(self, count: int) -> None:
        self.page_loaded.emit(count)

    def load_failed_with(self, error: DomainError) -> None:
        self.load_failed.emit(error.message)

    def _totals_arrived(self, generation: int, totals: HistoryTotals) -> None:
        if self.is_current(generation):
            self.totals = totals
            self.totals_pending = False
            self.totals_loaded.emit(totals)

    def _totals_failed(self, generation: int, error: DomainError) -> None:
        """The pages go on: only the totals strip says why it is empty."""
        if self.is_current(generation):
            self.totals_pending = False
            self.totals_failed.emit(error.message)

    def display(self, row: HistoryRow, column: int) -> str:
        return _cached_cells(row)[column]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in AMOUNT_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.review_reason:
                return row.review_reason
            return None if row.openable else tr("This payment has no bill to open (an advance, or recorded "
                                                "before bills existed).")
        return super().data(index, role)


@lru_cache(maxsize=2048)
def _cached_cells(row: HistoryRow) -> tuple[str, ...]:
    """Sizing columns to their contents asks for every visible cell many times; format each row once."""
    return tuple(cells(row))


def cells(row: HistoryRow) -> list[str]:
    return [to_local(row.paid_at).strftime("%d-%m-%Y %H:%M"), row.bill_number or "—", row.patient_name,
            row.doctor_name or "—", tr(row.method.label), format_inr(row.amount),
            format_inr(row.refunded) if row.refunded else "", tr(row.status_label), row.reference or ""]


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
