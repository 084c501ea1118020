"""Every keyboard shortcut of the desk, in one place: the main window binds them and the help overlay lists them.

Ctrl+P stays the standard Print key, so taking a payment is F9; the pages are Ctrl+1…Ctrl+8 in sidebar order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QT_TR_NOOP, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from homa_desk.ui.common.i18n import tr


@dataclass(frozen=True)
class Shortcut:
    action: str
    keys: tuple[str, ...]
    description: str

    @property
    def label(self) -> str:
        return tr(" or ").join(QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)
                               for key in self.keys)


NEW_PATIENT = Shortcut("new_patient", ("Ctrl+N",), QT_TR_NOOP("Register a new patient"))
SEARCH = Shortcut("search", ("Ctrl+F", "F3"), QT_TR_NOOP("Search patients by name, mobile or patient number"))
BOOK = Shortcut("book", ("Ctrl+B",),
                QT_TR_NOOP("Book: pick a slot in the schedule with the arrow keys, then Ctrl+B or Enter"))
TAKE_PAYMENT = Shortcut("take_payment", ("F9",),
                        QT_TR_NOOP("Take payment for the open bill (or the one selected in Billing)"))
HELP = Shortcut("help", ("F1",), QT_TR_NOOP("Show this list of shortcuts"))
DESK_SHORTCUTS = (NEW_PATIENT, SEARCH, BOOK, TAKE_PAYMENT, HELP)

# keys the desk does not bind itself but every form and dialog follows; shown in the help overlay too
STANDARD = (
    Shortcut("next_field", ("Tab", "Shift+Tab"), QT_TR_NOOP("Next or previous field, top to bottom, then the buttons")),
    Shortcut("confirm", ("Return",), QT_TR_NOOP("The dialog's main button (Register, Book, Record payment…)")),
    Shortcut("close", ("Esc",), QT_TR_NOOP("Close a dialog without saving, or close this help")),
)


def page_shortcut(number: int) -> Shortcut:
    return Shortcut(f"page_{number}", (f"Ctrl+{number}",), "")


def help_rows(page_titles: Iterable[str]) -> list[tuple[str, str]]:
    """(keys, what they do) for the help overlay: the desk's actions, the pages, then the standard keys."""
    rows = [(s.label, tr(s.description)) for s in DESK_SHORTCUTS]
    rows += [(page_shortcut(n).label, tr("Go to {page}").format(page=title))
             for n, title in enumerate(page_titles, start=1)]
    rows += [(s.label, tr(s.description)) for s in STANDARD]
    return rows


def bind(parent: QWidget, shortcut: Shortcut, slot: Callable[[], object],
         context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut) -> list[QShortcut]:
    """One QShortcut per key of `shortcut`, all calling `slot`."""
    bound = []
    for key in shortcut.keys:
        item = QShortcut(QKeySequence(key), parent)
        item.setObjectName(f"shortcut_{shortcut.action}")
        item.setContext(context)
        item.activated.connect(slot)
        bound.append(item)
    return bound
