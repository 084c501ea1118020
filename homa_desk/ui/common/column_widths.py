"""Columns as wide as what they show, and the widths a user dragged kept on this computer.

Every column but one is sized to its header and the rows in view (dates, money, status, phone numbers, tokens are
never cut); the one free-text column (a patient's name, a reason) takes what is left. A column the user drags keeps
that width from then on, on this computer, under the table's object name; a double-click on its edge gives it back
to the desk's sizing.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtWidgets import QHeaderView, QTableView

from homa_desk.config import Settings

SAVE_MS = 400
AUTOMATIC = 0  # a stored width meaning "sized by the desk"


def _all_widths(settings: Settings) -> dict[str, list[int]]:
    return settings.column_widths if isinstance(settings.column_widths, dict) else {}


def saved_widths(name: str, columns: int) -> dict[int, int]:
    """The widths the user gave this table's columns, by column; none when the table's columns have changed since."""
    stored = _all_widths(Settings.load()).get(name)
    if not isinstance(stored, list) or len(stored) != columns:
        return {}
    return {column: width for column, width in enumerate(stored) if isinstance(width, int) and width > AUTOMATIC}


def save_widths(name: str, columns: int, widths: dict[int, int]) -> None:
    settings = Settings.load()
    settings.column_widths = {**_all_widths(settings),
                              name: [widths.get(column, AUTOMATIC) for column in range(columns)]}
    settings.save()


class ColumnSizer(QObject):
    """Sizes `table`'s columns to their content whenever what it shows changes (coalesced to one pass per event loop
    turn), and remembers the columns the user sizes by hand."""

    def __init__(self, table: QTableView, stretch_column: int) -> None:
        super().__init__(table)
        if not table.objectName():
            raise ValueError("a table whose column widths are kept needs an object name")
        self.table = table
        self.stretch_column = stretch_column
        self.user_widths: dict[int, int] = {}
        self._fitting = False
        self._shrink = True
        self._fit_timer = self._single_shot(0, self.fit)
        self._save_timer = self._single_shot(SAVE_MS, self.save)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(0)  # measure the rows in view, not a thousand of them
        header.sectionResized.connect(self._resized)
        header.sectionHandleDoubleClicked.connect(self.forget)
        table.verticalScrollBar().valueChanged.connect(lambda _value: self.schedule(shrink=False))
        table.installEventFilter(self)
        self.watch(table.model())

    @property
    def name(self) -> str:
        return self.table.objectName()

    def watch(self, model: QObject | None) -> None:
        """Refit when the model's rows change: a new set of rows may shrink columns, more rows only widen them."""
        if model is None:
            return
        for signal in (model.modelReset, model.rowsRemoved, model.layoutChanged):
            signal.connect(lambda *_args: self.schedule(shrink=True))
        model.headerDataChanged.connect(self._headers_changed)  # a lambda cannot take its Qt.Orientation
        for signal in (model.rowsInserted, model.dataChanged, model.columnsInserted):
            signal.connect(lambda *_args: self.schedule(shrink=False))
        self._restore()
        self.schedule(shrink=True)

    def _restore(self) -> None:
        columns = self.table.model().columnCount()
        header = self.table.horizontalHeader()
        if 0 <= self.stretch_column < columns:
            header.setSectionResizeMode(self.stretch_column, QHeaderView.ResizeMode.Stretch)
        self.user_widths = {column: width for column, width in saved_widths(self.name, columns).items()
                            if column != self.stretch_column}
        self._set_widths(self.user_widths)

    @Slot(Qt.Orientation, int, int)
    def _headers_changed(self, _orientation: Qt.Orientation, _first: int, _last: int) -> None:
        self.schedule(shrink=True)

    def schedule(self, *, shrink: bool) -> None:
        self._shrink = self._shrink or shrink
        self._fit_timer.start()

    def fit(self) -> None:
        """Each column the user has not sized as wide as its header and its widest row in view."""
        if not self.table.isVisible():
            return  # measured when shown: a hidden table would measure every row, not those in view
        shrink, self._shrink = self._shrink, False
        header = self.table.horizontalHeader()
        widths = {}
        for column in range(header.count()):
            if column == self.stretch_column or column in self.user_widths or header.isSectionHidden(column):
                continue
            wanted = max(header.sectionSizeHint(column), self.table.sizeHintForColumn(column))
            if shrink or wanted > header.sectionSize(column):
                widths[column] = wanted
        self._set_widths(widths)

    def _set_widths(self, widths: dict[int, int]) -> None:
        header = self.table.horizontalHeader()
        self._fitting = True
        try:
            for column, width in widths.items():
                if column < header.count():
                    header.resizeSection(column, width)
        finally:
            self._fitting = False

    def _resized(self, column: int, _old: int, new: int) -> None:
        if self._fitting or column == self.stretch_column:
            return
        self.user_widths[column] = new
        self._save_timer.start()

    def forget(self, column: int) -> None:
        """Give the column back to the desk's sizing (a double-click on its edge)."""
        if self.user_widths.pop(column, None) is not None:
            self._save_timer.start()
        self.schedule(shrink=True)

    def save(self) -> None:
        self._save_timer.stop()
        save_widths(self.name, self.table.horizontalHeader().count(), self.user_widths)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Show, QEvent.Type.Resize):
            self.schedule(shrink=event.type() == QEvent.Type.Show)
        elif event.type() == QEvent.Type.Hide and self._save_timer.isActive():
            self.save()
        return False

    def _single_shot(self, interval_ms: int, slot: object) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(interval_ms)
        timer.timeout.connect(slot)
        return timer


def size_columns(table: QTableView, *, stretch_column: int) -> ColumnSizer:
    """Size `table`'s columns to their content, `stretch_column` taking the rest, and keep what the user drags.
    The table needs its model and a unique object name first."""
    return ColumnSizer(table, stretch_column)
