"""The desk's read-only list tables: whole rows selected one at a time, no editing, columns sized to their content
and one free-text column stretching (see column_widths)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QAbstractItemView, QTableView

from homa_desk.ui.common.column_widths import size_columns
from homa_desk.ui.common.i18n import tr

Row = TypeVar("Row")
_Index = QModelIndex | QPersistentModelIndex


class ChoicesModel(QAbstractListModel):
    """The items of a QComboBox given in one go: (data, label) pairs, `currentData()` reading the data.

    A combo box filled with `addItem` one by one takes ~30 µs an item on the UI thread; a thousand doctors in a
    filter held the desk for tens of milliseconds."""

    def __init__(self, choices: list[tuple[Any, str]], parent: Any = None) -> None:
        super().__init__(parent)
        self.choices = list(choices)

    def extend(self, choices: list[tuple[Any, str]]) -> None:
        """More choices after the present ones; the combo box keeps its current choice (and emits nothing)."""
        if choices:
            self.beginInsertRows(QModelIndex(), len(self.choices), len(self.choices) + len(choices) - 1)
            self.choices.extend(choices)
            self.endInsertRows()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.choices)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not 0 <= index.row() < len(self.choices):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.choices[index.row()][1]
        if role == Qt.ItemDataRole.UserRole:
            return self.choices[index.row()][0]
        return None


class RowsModel(QAbstractTableModel, Generic[Row]):
    """A list of rows loaded whole: subclasses give `headers` (QT_TR_NOOP texts), the right-aligned `numeric`
    columns and `texts(row)`, the cells of one row as shown."""

    headers: tuple[str, ...] = ()
    numeric: frozenset[int] = frozenset()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[Row] = []

    def texts(self, row: Row) -> list[str]:
        raise NotImplementedError

    def set_rows(self, rows: list[Row]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Row | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(self.headers[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row())
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.texts(row)[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def read_only_table(object_name: str, model: QAbstractItemModel, *, stretch_column: int) -> QTableView:
    table = QTableView()
    table.setObjectName(object_name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    size_columns(table, stretch_column=stretch_column)
    return table
