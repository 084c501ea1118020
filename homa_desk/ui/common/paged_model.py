"""A table model that loads keyset pages lazily, off the UI thread; patient search and payment history use it.

Scrolling to the end calls fetchMore, which asks for the page after the last row in the background. Every
restart bumps a generation number; pages for an older query or filter are ignored when they arrive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from homa_desk.domain.errors import DomainError
from homa_desk.ui.common.i18n import tr

Row = TypeVar("Row")
Index = QModelIndex | QPersistentModelIndex


class KeysetPagedModel(QAbstractTableModel, Generic[Row]):
    """Subclasses say how to ask for a page (`request_page`), how to show a cell (`display`) and what to do
    when loading fails (`load_failed_with`); rows are kept in `rows`."""

    columns: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None, *, page_size: int) -> None:
        super().__init__(parent)
        self.page_size = page_size
        self.rows: list[Row] = []
        self._generation = 0
        self._loading = False
        self._exhausted = True

    # -- for subclasses --------------------------------------------------------------------------------------

    def request_page(self, after: Row | None, on_success: Callable[[list[Row]], None],
                     on_failure: Callable[[DomainError], None]) -> None:
        """Ask (in the background) for the page after `after`, or the first page when it is None."""
        raise NotImplementedError

    def display(self, row: Row, column: int) -> str:
        raise NotImplementedError

    def load_failed_with(self, error: DomainError) -> None:
        raise NotImplementedError

    def page_arrived(self, count: int) -> None:
        """Called after a page's rows were inserted."""

    def restart(self, *, load: bool) -> int:
        """Forget the rows; with `load`, ask for the first page. Returns the new generation."""
        self._generation += 1
        self.beginResetModel()
        self.rows = []
        self._loading = False
        self._exhausted = not load
        self.endResetModel()
        if load:
            self._request_next()
        return self._generation

    def is_current(self, generation: int) -> bool:
        return generation == self._generation

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def row_at(self, row: int) -> Row | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    # -- paging ----------------------------------------------------------------------------------------------

    def _request_next(self) -> None:
        self._loading = True
        generation = self._generation
        self.request_page(self.rows[-1] if self.rows else None,
                          lambda page: self._page_arrived(generation, page),
                          lambda error: self._failed(generation, error))

    def _page_arrived(self, generation: int, page: list[Row]) -> None:
        if not self.is_current(generation):
            return
        self._loading = False
        self._exhausted = len(page) < self.page_size
        if page:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(page) - 1)
            self.rows.extend(page)
            self.endInsertRows()
        self.page_arrived(len(page))

    def _failed(self, generation: int, error: DomainError) -> None:
        if not self.is_current(generation):
            return
        self._loading = False
        self._exhausted = True
        self.load_failed_with(error)

    # -- Qt's lazy loading and the table ---------------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._loading and bool(self.rows)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._request_next()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(self.columns[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(row, index.column())
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None
