"""Patients as the desk sees them. A patient is a `users` row with role patient plus its `patient_profiles` row."""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from homa_desk.domain import validation
from homa_desk.domain.errors import FormErrors, ValidationError
from homa_desk.domain.notifications import Language
from homa_desk.domain.roles import Role

MAX_ADDRESS = 500
MAX_ALLERGIES = 1000
MAX_MEDICAL_HISTORY = 5000
MAX_AGE_YEARS = 120
MAX_OLD_FILE_NUMBER = 30
CLINICAL_FIELDS = ("allergies", "medical_history")
MEDICAL_HISTORY_ROLES = frozenset({Role.DOCTOR, Role.ADMIN})
REGISTERING_ROLES = (Role.RECEPTIONIST, Role.ADMIN, Role.DOCTOR)


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
    sort_key: str = field(default="", compare=False, repr=False)  # the database's lower(full_name), for paging
    old_file_number: str | None = None  # the paper records' file number, if the clinic kept one

    def age_text(self, today: date) -> str:
        if self.date_of_birth is None:
            return ""
        years = age_on(self.date_of_birth, today)
        return f"~{years} y" if self.dob_is_estimate else f"{years} y"


def may_see_medical_history(role: Role) -> bool:
    return role in MEDICAL_HISTORY_ROLES


def page_key(row: PatientSummary) -> tuple[str, int]:
    """Where the next page of a search starts: after this row in (lower(full_name), id) order."""
    return (row.sort_key or row.full_name.lower(), row.user_id)


@dataclass(frozen=True)
class PatientDetails:
    """A patient form that passed validate_patient.

    `medical_history=None` and `language=None` mean "not given / leave as it is"; a new patient without a
    language gets English.
    """

    full_name: str
    phone: str
    email: str | None
    date_of_birth: date | None
    dob_is_estimate: bool
    gender: Gender | None
    address: str | None
    emergency_contact: str | None
    allergies: str | None
    medical_history: str | None = None
    language: Language | None = None  # the language of the patient's SMS and e-mail
    old_file_number: str | None = None  # the paper records' file number; None leaves it, "" clears it


@dataclass(frozen=True)
class AppointmentLine:
    """One appointment on a patient's profile."""

    id: int
    starts_at: datetime
    doctor_name: str | None
    status: str
    consultation_type: str
    is_walk_in: bool = False


@dataclass(frozen=True)
class PatientProfile:
    """Everything the profile page shows. `medical_history` is None for roles that may not see it."""

    summary: PatientSummary
    email: str | None
    address: str | None
    emergency_contact: str | None
    allergies: str | None
    medical_history: str | None
    medical_history_visible: bool
    registered_at: datetime
    upcoming: tuple[AppointmentLine, ...] = ()
    past: tuple[AppointmentLine, ...] = ()
    language: Language = Language.ENGLISH  # patient_profiles.preferred_language: SMS and e-mail in this language
    contact_verified: bool = False  # users.is_verified: a code sent to the patient was read back
    advance_balance: Decimal | None = None  # what is left of the patient's advances; None: no advance ever taken

    @property
    def user_id(self) -> int:
        return self.summary.user_id


def estimated_birth_date(years: int, today: date) -> date:
    """A birthday `years` ago today (28 February for a 29 February today)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def parse_age(value: str | int | None, field: str = "age_years") -> int:
    if isinstance(value, (bool, float)):
        raise ValidationError(field, "Enter the age as whole years.")
    text = str(value if value is not None else "").strip()
    if not text:
        raise ValidationError(field, "Enter the age in years.")
    if not validation.ascii_digits(text) or len(text) > 3:
        raise ValidationError(field, "Enter the age as whole years, 0 to {limit}.", limit=MAX_AGE_YEARS)
    years = int(text)
    if years > MAX_AGE_YEARS:
        raise ValidationError(field, "Enter the age as whole years, 0 to {limit}.", limit=MAX_AGE_YEARS)
    return years


def parse_gender(value: Gender | str | None, field: str = "gender") -> Gender | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return Gender(str(value).strip().lower())
    except ValueError:
        raise ValidationError(field, "Choose male, female or other.") from None


def free_text(value: str | None, field: str, limit: int, label: str) -> str | None:
    """Optional text of at most `limit` characters; line breaks and tabs kept, other control characters refused."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > limit:
        raise ValidationError(field, "{label} is too long (at most {limit} characters).", label=label, limit=limit)
    for char in text:
        if char in "\n\r\t":
            continue
        if unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            raise ValidationError(field, "{label} contains a character that cannot be stored.", label=label)
    return text


def parse_language(value: Language | str | None, field: str = "language") -> Language | None:
    """English or Hindi ('en' / 'hi'); None means not given."""
    if value is None:
        return None
    try:
        return Language(str(value).strip().lower())
    except ValueError:
        raise ValidationError(field, "Choose English or Hindi.") from None


def parse_old_file_number(value: str | None, field: str = "old_file_number") -> str | None:
    """The file number of the clinic's paper records, spaces tidied; None when not given, "" when cleared."""
    if value is None:
        return None
    text = " ".join(value.split())
    if len(text) > MAX_OLD_FILE_NUMBER:
        raise ValidationError(field, "The old file number is too long (at most {limit} characters).",
                              limit=MAX_OLD_FILE_NUMBER)
    if any(not char.isprintable() for char in text):
        raise ValidationError(field, "The old file number contains a character that cannot be stored.")
    return text


def optional_mobile(value: str | None, field: str) -> str | None:
    return validation.indian_mobile(value or "", field) if value and value.strip() else None


def parse_date_text(value: str | date | None, field: str = "date_of_birth") -> date | None:
    """A typed date: DD-MM-YYYY or DD/MM/YYYY (as written in India) or YYYY-MM-DD; empty means none."""
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    parts = re.split(r"[-/. ]+", text)
    message = "Enter the date as DD-MM-YYYY, for example 15-08-1985."
    if len(parts) != 3 or not all(validation.ascii_digits(p) and len(p) <= 4 for p in parts):
        raise ValidationError(field, message)
    day, month, year = (int(p) for p in (parts if len(parts[0]) <= 2 else reversed(parts)))
    if len(str(year)) != 4:
        raise ValidationError(field, message)
    try:
        return date(year, month, day)
    except ValueError:
        raise ValidationError(field, "There is no such date.") from None


def validate_patient(*, full_name: str, phone: str, today: date, email: str | None = None,
                     date_of_birth: date | str | None = None, age_years: str | int | None = None,
                     gender: Gender | str | None = None, address: str | None = None,
                     emergency_contact: str | None = None, allergies: str | None = None,
                     medical_history: str | None = None, language: Language | str | None = None,
                     old_file_number: str | None = None) -> PatientDetails:
    """Check every field at once so the form can mark them all; raise FormErrors.

    The date of birth wins over the age; with only an age the birth date is estimated (dob_is_estimate).
    `medical_history=None` means not given; "" means cleared. `language` is 'en' or 'hi'; None means not given.
    `old_file_number=None` means not given; "" means cleared.
    """
    errors: list[ValidationError] = []
    values: dict[str, object] = {}
    checks = {
        "full_name": lambda: validation.full_name(full_name),
        "phone": lambda: validation.indian_mobile(phone),
        "email": lambda: validation.optional_email(email),
        "gender": lambda: parse_gender(gender),
        "address": lambda: free_text(address, "address", MAX_ADDRESS, "The address"),
        "emergency_contact": lambda: optional_mobile(emergency_contact, "emergency_contact"),
        "allergies": lambda: free_text(allergies, "allergies", MAX_ALLERGIES, "Allergies"),
        "language": lambda: parse_language(language),
        "old_file_number": lambda: parse_old_file_number(old_file_number),
    }
    for name, check in checks.items():
        try:
            values[name] = check()
        except ValidationError as error:
            errors.append(error)
    values["dob_is_estimate"] = False
    values["date_of_birth"] = None
    try:
        born = parse_date_text(date_of_birth)
        if born is not None:
            values["date_of_birth"] = validation.past_or_today(born, today)
        elif age_years is not None and str(age_years).strip():
            values["date_of_birth"] = estimated_birth_date(parse_age(age_years), today)
            values["dob_is_estimate"] = True
        else:
            raise ValidationError("date_of_birth", "Enter the date of birth, or the age in years if it is unknown.")
    except ValidationError as error:
        errors.append(error)
    values["medical_history"] = None
    if medical_history is not None:
        try:
            values["medical_history"] = free_text(medical_history, "medical_history", MAX_MEDICAL_HISTORY,
                                                  "The medical history") or ""
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise FormErrors(errors)
    return PatientDetails(**values)  # type: ignore[arg-type]


def revalidated(details: PatientDetails, today: date) -> PatientDetails:
    """`details` checked again field by field, whoever built it (a service never trusts the dataclass it is handed):
    FormErrors for a bad field, normalised values otherwise. The estimate flag of the birth date is kept."""
    checked = validate_patient(
        full_name=details.full_name, phone=details.phone, today=today, email=details.email,
        date_of_birth=details.date_of_birth, gender=details.gender, address=details.address,
        emergency_contact=details.emergency_contact, allergies=details.allergies,
        medical_history=details.medical_history, language=details.language,
        old_file_number=details.old_file_number)
    return replace(checked, dob_is_estimate=details.dob_is_estimate)
