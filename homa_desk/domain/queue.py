"""The day's waiting queue of one doctor: booked patients who checked in and walk-ins, by token in arrival order."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from homa_desk.domain.patients import Gender, age_on


class QueueState(enum.StrEnum):
    WAITING = "waiting"
    IN_CONSULTATION = "in_consultation"
    DONE = "done"
    LEFT = "left"

    @property
    def label(self) -> str:
        return {"waiting": "Waiting", "in_consultation": "With the doctor", "done": "Done", "left": "Left"}[self.value]


CALLED_IN = frozenset({QueueState.IN_CONSULTATION, QueueState.DONE})


@dataclass(frozen=True)
class QueueEntryView:
    id: int
    appointment_id: int
    doctor_id: int
    day: date
    token: int
    patient_id: int
    patient_name: str
    patient_number: int | None
    arrived_at: datetime
    state: QueueState
    is_walk_in: bool
    scheduled_at: datetime | None = None  # the booked slot; None for a walk-in
    called_at: datetime | None = None
    doctor_name: str = ""
    patient_gender: Gender | None = None
    patient_born: date | None = None
    patient_born_estimated: bool = False
    complaint: str | None = None  # the reason given at booking or walk-in (appointments.symptoms)

    def age_sex(self, today: date) -> str:
        """"34 y / F", "~60 y / M", "F" or "" as the front desk's all-doctors queue shows it."""
        age = ""
        if self.patient_born is not None:
            age = f"{'~' if self.patient_born_estimated else ''}{age_on(self.patient_born, today)} y"
        sex = self.patient_gender.value[0].upper() if self.patient_gender else ""
        return " / ".join(part for part in (age, sex) if part)

    @property
    def called_in(self) -> bool:
        """The doctor has called this patient in: the visit happened, so it stays in the queue."""
        return self.state in CALLED_IN

    def called_in_message(self) -> str:
        if self.state is QueueState.IN_CONSULTATION:
            return f"{self.patient_name} is with the doctor now (token {self.token}): mark the visit completed."
        return f"{self.patient_name} has already seen the doctor (token {self.token}): mark the visit completed."


@dataclass(frozen=True)
class DoctorQueue:
    doctor_id: int
    day: date
    entries: tuple[QueueEntryView, ...]

    @property
    def waiting(self) -> tuple[QueueEntryView, ...]:
        return tuple(e for e in self.entries if e.state is QueueState.WAITING)

    @property
    def current(self) -> QueueEntryView | None:
        return next((e for e in self.entries if e.state is QueueState.IN_CONSULTATION), None)
