"""What a Hindi desk shows, read off the widget tree, and the English words left in it."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator

from PySide6.QtCore import QAbstractTableModel, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QTabWidget,
    QTextEdit,
    QTreeView,
    QWidget,
)

E_MAIL = re.compile(r"\S+@\S+|\S*[?=/]\S*=\S*|\S+://\S*|\b[\w.-]+\.(?:com|in)\b")  # addresses, URLs, hosts
DLT_VARIABLE = "{#var#}"  # a DLT template's variable, written as the operators' portals write it
FORMATS = re.compile(r"\b(DD-MM-YYYY|HH:MM)\b")  # how to type a date or time: the same in Hindi
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]*[A-Za-z]|[A-Za-z]")
# Names of things that are the same in Hindi (units, acronyms, brands, the app), as a receptionist reads them.
ALLOWED = {
    "BP", "mmHg", "kg", "SpO", "UPI", "UTR", "QR", "SMS", "PDF", "ID", "GSTIN", "Homa", "Desk", "Dr", "OTP", "CSV",
    "Razorpay", "Telegram", "Twilio", "SMTP", "STARTTLS", "Neon", "PostgreSQL", "URL", "VPA", "SID", "INR",
    "Ctrl", "Esc", "Enter", "Return", "Tab", "Shift", "Alt", "Del", "PgUp", "PgDown", "Home", "End", "AM", "PM",
    "mg", "ml", "min", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ",  # key caps (Ctrl+B) and °C, °F
    "WhatsApp", "Meta", "Exotel", "API", "DLT", "Jio", "Airtel", "Vi", "BSNL", "Hindi",  # "हिन्दी (Hindi)"
    "HOMACL",  # the sender header's example: six letters as DLT registers them
    "GST", "SAC", "HSN",  # the tax and its service and goods codes, as invoices and the GST portal write them
}
# Dates keep English month and weekday names (README: "Interface language").
CALENDAR = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Monday", "Tuesday",
            "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "June",
            "July", "August", "September", "October", "November", "December", "Mon", "Tue", "Wed", "Thu", "Fri",
            "Sat", "Sun"}


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def _headers(view: QAbstractItemView) -> Iterator[str]:
    header = view.horizontalHeader() if isinstance(view, QTableView) else \
        view.header() if isinstance(view, QTreeView) else None
    if header is None or view.model() is None or header.isHidden():
        return
    for section in range(header.count()):
        if not header.isSectionHidden(section):
            yield str(view.model().headerData(section, Qt.Orientation.Horizontal) or "")


def _cells(view: QAbstractItemView, rows: int = 30) -> Iterator[str]:
    """The texts of the first rows' cells (statuses, methods, kinds: words the desk puts there)."""
    model = view.model()
    if model is None or isinstance(view, QHeaderView):
        return
    root = view.rootIndex()
    columns = model.columnCount(root) if isinstance(model, QAbstractTableModel | QStandardItemModel) or \
        isinstance(view, (QTableView, QTreeView)) else 1
    for row in range(min(model.rowCount(root), rows)):
        for column in range(columns):
            if isinstance(view, QTableView) and view.isColumnHidden(column):
                continue
            yield str(model.data(model.index(row, column, root)) or "")


def shown_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(widget's name, text) for every text on `root` the user can see: labels, buttons, group boxes, tabs,
    placeholders, table headers and cells, and the window title."""
    yield "window title", root.windowTitle()
    for widget in [root, *root.findChildren(QWidget)]:
        if widget is not root and not widget.isVisibleTo(root):
            continue
        name = f"{type(widget).__name__}:{widget.objectName()}"
        if isinstance(widget, QLabel):
            yield name, _plain(widget.text())
        elif isinstance(widget, QAbstractButton):
            yield name, widget.text()
        elif isinstance(widget, QGroupBox):
            yield name, widget.title()
        elif isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit)) and not widget.objectName().endswith(":en"):
            yield name, widget.placeholderText()  # an English DLT template's box shows its English wording
        elif isinstance(widget, QTabWidget):
            yield from ((name, widget.tabText(i)) for i in range(widget.count()))
        elif isinstance(widget, QComboBox):
            yield name, widget.currentText()
        if isinstance(widget, QAbstractItemView):
            yield from ((name, header) for header in _headers(widget))
            yield from ((name, cell) for cell in _cells(widget))


def english_left(roots: Iterable[QWidget], names: Iterable[str] = ()) -> str:
    """One line per shown text with a Latin word that is no allowed name, unit or proper name ("" when none)."""
    allowed = ALLOWED | CALENDAR | {word for name in names for word in LATIN_WORD.findall(name)}
    return "\n".join(f"{where}: {text!r}" for root in roots for where, text in shown_texts(root)
                     if any(word not in allowed for word in
                            LATIN_WORD.findall(FORMATS.sub("", E_MAIL.sub("", text.replace(DLT_VARIABLE, ""))))))
