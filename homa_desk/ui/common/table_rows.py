"""Text rows into a read-only QTableWidget, numbers right-aligned."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem


def fill_rows(table: QTableWidget, rows: list[list[str]], numeric: set[int]) -> None:
    """Replace the table's rows with `rows`; the columns in `numeric` are aligned to the right."""
    table.setRowCount(len(rows))
    for r, texts in enumerate(rows):
        for c, text in enumerate(texts):
            item = QTableWidgetItem(text)
            if c in numeric:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
