"""What a doctor typed in a consultation and has not saved yet: the screen as typed, kept so that nothing is lost
to a sign-out, the idle lock or a crash, and put back when the visit is opened again.

A vital is kept as typed (it may not read as a number yet); the lines are those already in the prescription table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from homa_desk.domain.errors import ValidationError
from homa_desk.domain.prescriptions import PrescriptionLine

MAX_DRAFT_TEXT = 20_000  # far above what the record takes (validate_consultation says so when it is saved)
MAX_DRAFT_LINES = 100


@dataclass(frozen=True)
class UnsavedConsultation:
    vitals: Mapping[str, str] = field(default_factory=dict)
    symptoms: str = ""
    diagnosis: str = ""
    advice: str = ""
    lines: tuple[PrescriptionLine, ...] = ()
    follow_up_on: date | None = None
    kept_at: datetime | None = field(default=None, compare=False)

    def as_json(self) -> dict[str, Any]:
        return {"vitals": dict(self.vitals), "symptoms": self.symptoms, "diagnosis": self.diagnosis,
                "advice": self.advice, "lines": [line.as_dict() for line in self.lines],
                "follow_up_on": self.follow_up_on.isoformat() if self.follow_up_on else None}

    @classmethod
    def from_json(cls, content: Mapping[str, Any], kept_at: datetime | None = None) -> UnsavedConsultation:
        follow_up = content.get("follow_up_on")
        return cls(vitals={str(k): str(v) for k, v in (content.get("vitals") or {}).items()},
                   symptoms=str(content.get("symptoms") or ""), diagnosis=str(content.get("diagnosis") or ""),
                   advice=str(content.get("advice") or ""),
                   lines=tuple(PrescriptionLine.from_dict(item) for item in content.get("lines") or ()),
                   follow_up_on=date.fromisoformat(follow_up) if follow_up else None, kept_at=kept_at)


def check_unsaved(draft: UnsavedConsultation) -> UnsavedConsultation:
    """A draft is kept as typed, within bounds that no real consultation reaches."""
    texts = (*draft.vitals.values(), draft.symptoms, draft.diagnosis, draft.advice)
    if any(len(text) > MAX_DRAFT_TEXT for text in texts) or len(draft.lines) > MAX_DRAFT_LINES:
        raise ValidationError("draft", "This draft is too long to keep.")
    return draft
