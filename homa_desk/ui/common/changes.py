"""One app-wide signal that says what changed, so views refresh themselves instead of calling each other."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

STAFF = "staff"
CLINIC = "clinic"
PATIENTS = "patients"
APPOINTMENTS = "appointments"
QUEUE = "queue"
DOCTORS = "doctors"
BILLS = "bills"
PAYMENTS = "payments"
CONSULTATIONS = "consultations"
FOLLOW_UPS = "follow_ups"


class ChangeHub(QObject):
    """`changed` carries the entity's name ("staff", "clinic", ...) after a write succeeded."""

    changed = Signal(str)


_hub: ChangeHub | None = None


def change_hub() -> ChangeHub:
    """The one hub of this process (created on first use, on the UI thread)."""
    global _hub
    if _hub is None:
        _hub = ChangeHub()
    return _hub


def announce(entity: str) -> None:
    """Tell every open view that `entity` changed."""
    change_hub().changed.emit(entity)
