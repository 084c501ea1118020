"""Dialogs that run their own event loop (`exec()`: the system print dialog) and ending them before a sign-out.

While such a dialog runs, the desk keeps handling events inside it: the idle lock or the account check may sign
out meanwhile. Deleting the main window under a running dialog would leave the code waiting on `exec()` holding a
deleted window. So the sign-out first ends every such dialog (as Cancel would) and goes on once they have returned.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

_running: list[QDialog] = []


def exec_dialog(dialog: QDialog) -> int:
    """`dialog.exec()`, known to `end_running_dialogs` while it runs."""
    _running.append(dialog)
    try:
        return dialog.exec()
    finally:
        _running.remove(dialog)


def end_running_dialogs() -> bool:
    """Cancel every dialog running its own event loop; True when there was one (its `exec()` has yet to return)."""
    for dialog in list(_running):
        dialog.reject()
    return bool(_running)
