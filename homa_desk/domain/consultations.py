"""A consultation: vitals, notes and the prescription of one appointment, and what the doctor's screen shows.

Vitals are validated against sane adult-and-child ranges; fractional ones (temperature, weight) are Decimal. A
temperature is stored in °C; a reading that can only be °F is converted, and TemperatureUnit says how to show it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from homa_desk.domain.errors import FormErrors, ValidationError
from homa_desk.domain.notifications import Language
from homa_desk.domain.patients import Gender, age_on, free_text
from homa_desk.domain.prescriptions import PrescriptionLine, check_lines

MAX_NOTES = 4000
MAX_ADVICE = 2000
MAX_FOLLOW_UP_DAYS = 365

# field: (label, low, high, decimal places)
VITAL_RANGES: dict[str, tuple[str, Decimal, Decimal, int]] = {
    "bp_systolic": ("Systolic BP (mmHg)", Decimal(50), Decimal(260), 0),
    "bp_diastolic": ("Diastolic BP (mmHg)", Decimal(30), Decimal(160), 0),
    "pulse": ("Pulse (per minute)", Decimal(20), Decimal(250), 0),
    "temperature_c": ("Temperature (°C)", Decimal("30.0"), Decimal("45.0"), 1),
    "weight_kg": ("Weight (kg)", Decimal("0.3"), Decimal("350"), 2),
    "spo2": ("SpO₂ (%)", Decimal(50), Decimal(100), 0),
}
FAHRENHEIT_RANGE = (Decimal(86), Decimal(113))  # 30–45 °C: a reading here can only be °F
TENTH = Decimal("0.1")


class TemperatureUnit(StrEnum):
    """The clinic's thermometers; temperatures are stored in °C whatever the unit."""

    CELSIUS = "C"
    FAHRENHEIT = "F"

    @property
    def symbol(self) -> str:
        return f"°{self.value}"

    @classmethod
    def of(cls, stored: object) -> TemperatureUnit:
        """The clinic's setting; °C when never set or unreadable."""
        return cls.FAHRENHEIT if stored == cls.FAHRENHEIT.value else cls.CELSIUS


def in_unit(celsius: Decimal, unit: TemperatureUnit) -> Decimal:
    """A stored °C reading in the clinic's unit, to one decimal place."""
    if unit is TemperatureUnit.FAHRENHEIT:
        return (celsius * 9 / 5 + 32).quantize(TENTH)
    return celsius


def temperature_text(celsius: Decimal, unit: TemperatureUnit) -> str:
    return f"{plain_number(in_unit(celsius, unit))} {unit.symbol}"


DOCTOR_TITLE = re.compile(r"dr\b\.?", re.IGNORECASE)


def plain_number(value: Decimal | int) -> str:
    """A number as people write it: 72, 72.5, 37.8 (never 72.00)."""
    if isinstance(value, int):
        return str(value)
    return f"{value.normalize():f}"


def with_doctor_title(name: str) -> str:
    """The name with the title "Dr." in front, unless the profile already has it (Dr. Shilpa Hegde, Dr Shilpa)."""
    name = name.strip()
    return name if DOCTOR_TITLE.match(name) else f"Dr. {name}"


@dataclass(frozen=True)
class Vitals:
    bp_systolic: int | None = None
    bp_diastolic: int | None = None
    pulse: int | None = None
    temperature_c: Decimal | None = None
    weight_kg: Decimal | None = None
    spo2: int | None = None

    @property
    def blood_pressure(self) -> str:
        return f"{self.bp_systolic}/{self.bp_diastolic} mmHg" if self.bp_systolic is not None else ""

    def as_text(self, unit: TemperatureUnit = TemperatureUnit.CELSIUS) -> str:
        parts = [f"BP {self.blood_pressure}" if self.bp_systolic is not None else "",
                 f"Pulse {self.pulse}/min" if self.pulse is not None else "",
                 f"Temp {temperature_text(self.temperature_c, unit)}" if self.temperature_c is not None else "",
                 f"Weight {plain_number(self.weight_kg)} kg" if self.weight_kg is not None else "",
                 f"SpO₂ {self.spo2}%" if self.spo2 is not None else ""]
        return " · ".join(p for p in parts if p)

    def as_audit(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.__dict__.items()}


def _vital(name: str, value: object) -> int | Decimal | None:
    label, low, high, places = VITAL_RANGES[name]
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (bool, float)):
        raise ValidationError(name, f"{label}: enter a number.")
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(name, f"{label}: enter a number.") from None
    if not number.is_finite():
        raise ValidationError(name, f"{label}: enter a number.")
    if name == "temperature_c":
        return _temperature(number)
    if not low <= number <= high:
        raise ValidationError(name, f"{label} must be between {low} and {high}.")
    if places == 0:
        if number != number.to_integral_value():
            raise ValidationError(name, f"{label}: enter a whole number.")
        return int(number)
    if -number.as_tuple().exponent > places:  # type: ignore[operator]
        raise ValidationError(name, f"{label}: at most {places} decimal place{'s' if places > 1 else ''}.")
    return number.quantize(Decimal(1).scaleb(-places))


def _temperature(number: Decimal) -> Decimal:
    """°C as typed (30–45), or a reading that can only be °F (86–113) turned into °C; one decimal place."""
    if -number.as_tuple().exponent > 1:  # type: ignore[operator]
        raise ValidationError("temperature_c", "Temperature: at most 1 decimal place.")
    if FAHRENHEIT_RANGE[0] <= number <= FAHRENHEIT_RANGE[1]:
        return ((number - 32) * 5 / 9).quantize(TENTH)
    _label, low, high, _places = VITAL_RANGES["temperature_c"]
    if not low <= number <= high:
        raise ValidationError("temperature_c", "Temperature: enter 30–45 °C or 86–113 °F.")
    return number.quantize(TENTH)


def validate_vitals(**values: object) -> Vitals:
    """Every vital at once; all optional. BP needs both numbers, systolic above diastolic."""
    errors: list[ValidationError] = []
    checked: dict[str, Any] = {}
    for name in VITAL_RANGES:
        try:
            checked[name] = _vital(name, values.get(name))
        except ValidationError as error:
            errors.append(error)
    unknown = set(values) - set(VITAL_RANGES)
    if unknown:
        raise ValueError(f"unknown vitals: {sorted(unknown)}")
    if not errors:
        high, low = checked["bp_systolic"], checked["bp_diastolic"]
        if (high is None) != (low is None):
            missing = "bp_diastolic" if low is None else "bp_systolic"
            errors.append(ValidationError(missing, "Enter both BP numbers (systolic and diastolic)."))
        elif high is not None and low >= high:
            errors.append(ValidationError("bp_diastolic", "Diastolic BP must be lower than systolic."))
    if errors:
        raise FormErrors(errors)
    return Vitals(**checked)


@dataclass(frozen=True)
class ConsultationDraft:
    """What the doctor entered: validated by validate_consultation before it reaches the database."""

    vitals: Vitals = field(default_factory=Vitals)
    symptoms: str | None = None
    diagnosis: str | None = None
    advice: str | None = None
    lines: tuple[PrescriptionLine, ...] = ()
    follow_up_on: date | None = None

    def as_audit(self) -> dict[str, Any]:
        return {"vitals": self.vitals.as_audit(), "symptoms": self.symptoms, "diagnosis": self.diagnosis,
                "advice": self.advice, "prescription": [line.as_dict() for line in self.lines],
                "follow_up_on": self.follow_up_on.isoformat() if self.follow_up_on else None}


def validate_consultation(draft: ConsultationDraft, today: date) -> ConsultationDraft:
    errors: list[ValidationError] = []
    texts: dict[str, str | None] = {}
    for name, limit, label in (("symptoms", MAX_NOTES, "Symptoms"), ("diagnosis", MAX_NOTES, "The diagnosis"),
                               ("advice", MAX_ADVICE, "The advice")):
        try:
            texts[name] = free_text(getattr(draft, name), name, limit, label)
        except ValidationError as error:
            errors.append(error)
    lines: tuple[PrescriptionLine, ...] = ()
    try:
        lines = check_lines(draft.lines)
    except FormErrors as error:
        errors.append(ValidationError("prescription", f"A prescription line is incomplete: {error.message}"))
    except ValidationError as error:
        errors.append(error)
    if draft.follow_up_on is not None:
        if draft.follow_up_on <= today:
            errors.append(ValidationError("follow_up_on", "The follow-up must be after today."))
        elif (draft.follow_up_on - today).days > MAX_FOLLOW_UP_DAYS:
            errors.append(ValidationError("follow_up_on", "The follow-up must be within a year."))
    if errors:
        raise FormErrors(errors)
    return ConsultationDraft(draft.vitals, texts["symptoms"], texts["diagnosis"], texts["advice"], lines,
                             draft.follow_up_on)


@dataclass(frozen=True)
class PatientCard:
    """Who is in front of the doctor: identity, allergies and medical history (treating doctor and admins only)."""

    user_id: int
    full_name: str
    patient_number: int | None
    phone: str
    gender: Gender | None
    date_of_birth: date | None
    dob_is_estimate: bool
    allergies: str | None
    medical_history: str | None
    old_file_number: str | None = None  # the paper records' file number, printed beside the patient number
    language: Language = Language.ENGLISH  # the patient's language, for the dose explanations on the printout

    def age_sex(self, today: date) -> str:
        age = ""
        if self.date_of_birth is not None:
            age = f"{'~' if self.dob_is_estimate else ''}{age_on(self.date_of_birth, today)} y"
        sex = {"male": "M", "female": "F", "other": "Other"}.get(self.gender.value) if self.gender else ""
        return " / ".join(p for p in (age, sex) if p) or "—"


@dataclass(frozen=True)
class Consultation:
    appointment_id: int
    patient: PatientCard
    doctor_id: int | None
    doctor_name: str | None
    starts_at: datetime
    status: str
    draft: ConsultationDraft
    completed_at: datetime | None = None
    bill_id: int | None = None
    follow_up_appointment_id: int | None = None
    follow_up_requested: bool = False
    temperature_unit: TemperatureUnit = TemperatureUnit.CELSIUS

    @property
    def is_completed(self) -> bool:
        return self.status == "completed"


@dataclass(frozen=True)
class PastVisit:
    appointment_id: int
    starts_at: datetime
    doctor_name: str | None
    status: str
    symptoms: str | None
    diagnosis: str | None
    prescription_text: str | None  # the design's column: also filled by visits from before structured lines
    lines: tuple[PrescriptionLine, ...] = ()
    vitals: Vitals = field(default_factory=Vitals)


@dataclass(frozen=True)
class Completion:
    """What complete_consultation did: the bill for the front desk and the follow-up, booked or requested."""

    consultation: Consultation
    bill_id: int
    bill_number: str
    follow_up_appointment_id: int | None = None
    follow_up_request_id: int | None = None


@dataclass(frozen=True)
class Favourite:
    id: int
    medicine: str
    strength: str
    form: str


@dataclass(frozen=True)
class Template:
    id: int
    name: str
    lines: tuple[PrescriptionLine, ...]


@dataclass(frozen=True)
class FollowUpRequest:
    """A follow-up the doctor asked for without a slot: the front desk books it and closes the request."""

    id: int
    appointment_id: int
    patient_id: int
    patient_name: str
    patient_number: int | None
    patient_phone: str
    doctor_id: int | None
    doctor_name: str | None
    due_on: date
    created_at: datetime


@dataclass(frozen=True)
class PrescriptionDocument:
    """Everything the printed prescription carries."""

    clinic_name: str
    clinic_address: str | None
    clinic_phone: str | None
    doctor_name: str
    qualification: str | None
    registration_number: str | None
    specialty: str | None
    consultation: Consultation
    printed_on: date

    @property
    def titled_doctor(self) -> str:
        return with_doctor_title(self.doctor_name)
