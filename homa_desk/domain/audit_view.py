"""The audit log as the owner reads it: filters, keyset pages, and each entry's before/after as field changes.

An entry's `before` and `after` are JSON objects written by the services; `changes` turns them into
(field, old, new) triples of readable text (never JSON): a field only in `after` was set, one only in `before`
was cleared, one with the same value on both sides is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from homa_desk.domain.errors import ValidationError
from homa_desk.domain.reports import day_bounds
from homa_desk.domain.timeutil import to_local

AuditKey = tuple[datetime, int]
MAX_PAGE = 500
NOTHING = "—"


@dataclass(frozen=True)
class AuditFilters:
    """Empty fields do not filter. `actor_id`: the staff member who acted; `patient_number`: the patient the
    entry is about; `action`: one kind of action (its key, e.g. "payment_refunded")."""

    date_from: date | None = None
    date_to: date | None = None
    actor_id: int | None = None
    patient_number: int | None = None
    action: str | None = None

    def checked(self) -> AuditFilters:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValidationError("date_to", "The end date is before the start date.")
        if self.patient_number is not None and not 0 < self.patient_number < 10**15:
            raise ValidationError("patient", "Type the patient number in digits.")
        action = (self.action or "").strip() or None
        if action is not None and (len(action) > 64 or not action.replace("_", "").isalnum()):
            raise ValidationError("action", "Choose a kind of action from the list.")
        return AuditFilters(self.date_from, self.date_to, self.actor_id, self.patient_number, action)

    @property
    def utc_range(self) -> tuple[datetime | None, datetime | None]:
        start = day_bounds(self.date_from)[0] if self.date_from else None
        end = day_bounds(self.date_to)[1] if self.date_to else None
        return start, end


@dataclass(frozen=True)
class AuditRow:
    id: int
    occurred_at: datetime
    actor_name: str | None
    actor_role: str | None
    action: str
    entity: str
    entity_id: str | None
    patient_id: int | None
    patient_name: str | None
    patient_number: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def key(self) -> AuditKey:
        return (self.occurred_at, self.id)


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None  # None: the field was not there before (set)
    new: str | None  # None: the field is not there after (cleared)


def humanized(key: str) -> str:
    """"due_on" → "Due on": the label of a field or action the desk has no words for."""
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _as_is(text: str) -> str:
    return text


def value_text(value: Any, label: Callable[[str], str] = humanized, word: Callable[[str], str] = _as_is) -> str:
    """A JSON value as a person reads it: text as is, numbers plainly, yes/no, timestamps in clinic time, lists
    and objects spelled out (an object's keys through `label`, texts and yes/no through `word`)."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        return word("yes" if value else "no")
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return _local_time(value) or word(value)
    if isinstance(value, list):
        return "; ".join(value_text(item, label, word) for item in value) or NOTHING
    if isinstance(value, dict):
        return ", ".join(f"{label(key)}: {value_text(item, label, word)}" for key, item in value.items()) or NOTHING
    return str(value)


def _local_time(text: str) -> str | None:
    """An ISO timestamp with its offset ("2026-12-02T06:20:46+00:00") as the clinic reads it: 02-12-2026 11:50."""
    if len(text) < 20 or text[10:11] != "T":
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return to_local(moment).strftime("%d-%m-%Y %H:%M") if moment.tzinfo else None


def _same(old: Any, new: Any) -> bool:
    if old == new:
        return True
    try:  # "500" and "500.00" are the same money
        return Decimal(str(old)) == Decimal(str(new))
    except (InvalidOperation, ValueError):
        return False


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None,
            label: Callable[[str], str] = humanized, word: Callable[[str], str] = _as_is) -> list[FieldChange]:
    """Field by field, in the order the entry lists them (after's fields first, then those only before had)."""
    before, after = before or {}, after or {}
    result = []
    for name in [*after, *(key for key in before if key not in after)]:
        if name in before and name in after:
            if _same(before[name], after[name]):
                continue
            result.append(FieldChange(name, value_text(before[name], label, word),
                                      value_text(after[name], label, word)))
        elif name in after:
            result.append(FieldChange(name, None, value_text(after[name], label, word)))
        else:
            result.append(FieldChange(name, value_text(before[name], label, word), None))
    return result
