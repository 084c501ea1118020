"""Every keyboard shortcut of the desk, in one place: the main window binds them and the help overlay lists them.

Ctrl+P stays the standard Print key, so taking a payment is F9; the pages are Ctrl+1…Ctrl+8 in sidebar order.
The actions on a patient (walk-in, check in, book, new bill, payment) act on the patient found on the Patients page
or whose profile is in front, and ask which patient when there is none.
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
                        QT_TR_NOOP("Take payment for the open bill, the patient found's unpaid bill, "
                                   "or the one selected in Billing"))
PAY_BY_UPI = Shortcut("pay_by_upi", ("Shift+F9",), QT_TR_NOOP("Pay by UPI: the same bill as F9, with the QR code"))
ADD_WALK_IN = Shortcut("add_walk_in", ("F2",),
                       QT_TR_NOOP("Add a walk-in: the patient found (or choose one), then the doctor; gives the token"))
CHECK_IN = Shortcut("check_in", ("F4",),
                    QT_TR_NOOP("Check in: the patient found's booking today, or choose from today's bookings"))
NEW_BILL = Shortcut("new_bill", ("F7",), QT_TR_NOOP("New bill for the patient found (or choose one)"))
CALL_NEXT = Shortcut("call_next", ("F8",), QT_TR_NOOP("Call next in the chosen doctor's queue"))
HELP = Shortcut("help", ("F1",), QT_TR_NOOP("Show this list of shortcuts"))
DESK_SHORTCUTS = (NEW_PATIENT, SEARCH, ADD_WALK_IN, CHECK_IN, BOOK, NEW_BILL, TAKE_PAYMENT, PAY_BY_UPI, CALL_NEXT,
                  HELP)

# keys the desk does not bind itself but every form and dialog follows; shown in the help overlay too
STANDARD = (
    Shortcut("next_field", ("Tab", "Shift+Tab"), QT_TR_NOOP("Next or previous field, top to bottom, then the buttons")),
    Shortcut("confirm", ("Return", "Enter"), QT_TR_NOOP("The dialog's main button (Register, Book, Record payment…)")),
    Shortcut("close", ("Esc",), QT_TR_NOOP("Close a dialog without saving, or close this help")),
)


def with_key(text: str, shortcut: Shortcut) -> str:
    """A button's or menu's text followed by its key, so the key is learnt where the action is."""
    return f"{text} ({shortcut.label})"


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
