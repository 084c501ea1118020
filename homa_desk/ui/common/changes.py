"""One app-wide signal that says what changed, so views refresh themselves instead of calling each other.

A write announces what it changed by running through `worker.CollectionOp`, which announces its kinds of change
after the service has committed; views connect a bound method to `change_hub().changed` (never a lambda, which
would keep a closed view alive and call into it).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from PySide6.QtCore import QObject, Signal


class Change(StrEnum):
    """What a committed write changed; the value is the entity's name, as views and logs read it."""

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
    PRICE_LIST = "price_list"


EVERYTHING: tuple[Change, ...] = tuple(Change)
MONEY: tuple[Change, ...] = (Change.BILLS, Change.PAYMENTS)  # a payment, refund or held-money decision


class ChangeHub(QObject):
    """`changed` carries one Change after a write succeeded."""

    changed = Signal(object)


_hub: ChangeHub | None = None


def change_hub() -> ChangeHub:
    """The one hub of this process (created on first use, on the UI thread)."""
    global _hub
    if _hub is None:
        _hub = ChangeHub()
    return _hub


def announce(*kinds: Change | Iterable[Change]) -> None:
    """Tell every open view what changed, each kind once, in the order given."""
    seen: list[Change] = []
    for kind in kinds:
        for change in (kind,) if isinstance(kind, Change) else kind:
            if change not in seen:
                seen.append(change)
    for change in seen:
        change_hub().changed.emit(change)
