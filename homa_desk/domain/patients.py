"""Patients as the desk sees them. A patient is a `users` row with role patient plus its `patient_profiles` row."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class Gender(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@dataclass(frozen=True)
class PatientSummary:
    """One row of a search result or a picker: enough to recognise the person, nothing clinical."""

    user_id: int
    patient_number: int
    full_name: str
    phone: str
    gender: Gender | None
    date_of_birth: date | None
    dob_is_estimate: bool = False

    def age_text(self, today: date) -> str:
        if self.date_of_birth is None:
            return ""
        years = age_on(self.date_of_birth, today)
        return f"~{years} y" if self.dob_is_estimate else f"{years} y"
