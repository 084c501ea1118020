"""The desk's actions on one patient, as a row of buttons each showing its key: on the Patients page (for the
patient found) and on the profile. The main window carries them out (ui/shell/main_window.py)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TR_NOOP, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QPushButton

from homa_desk.domain.roles import Role
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.shell import shortcuts

FRONT_DESK = frozenset({Role.ADMIN, Role.RECEPTIONIST})

# (action, button text, its shortcut): what the desk does for the patient found; the main window carries them out
PATIENT_ACTIONS = (
    ("add_walk_in", QT_TR_NOOP("Walk-in…"), shortcuts.ADD_WALK_IN),
    ("check_in", QT_TR_NOOP("Check in"), shortcuts.CHECK_IN),
    ("book", QT_TR_NOOP("Book…"), shortcuts.BOOK),
    ("new_bill", QT_TR_NOOP("New bill…"), shortcuts.NEW_BILL),
    ("take_payment", QT_TR_NOOP("Take payment…"), shortcuts.TAKE_PAYMENT),
)


def action_buttons(emit: Callable[[str], None], role: Role) -> tuple[QHBoxLayout, dict[str, QPushButton]]:
    """One button per patient action, its key on it; a click says which action through `emit`. Only the front desk
    sees them (a doctor's desk has none of these actions)."""
    row = QHBoxLayout()
    buttons: dict[str, QPushButton] = {}
    for action, text, shortcut in PATIENT_ACTIONS:
        button = QPushButton(shortcuts.with_key(tr(text), shortcut))
        button.setObjectName(f"act_{action}")
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.clicked.connect(lambda _checked=False, action=action: emit(action))
        if role not in FRONT_DESK:
            button.hide()
        buttons[action] = button
        row.addWidget(button)
    row.addStretch(1)
    return row, buttons


def button_key(action: str) -> QKeySequence:
    """The action's key, for a window of its own (the profile) where the main window's shortcuts do not reach."""
    return QKeySequence(next(s for a, _t, s in PATIENT_ACTIONS if a == action).keys[0])
