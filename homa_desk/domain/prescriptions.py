"""Structured prescription lines (medicine, strength, form, dose pattern, duration, food) and the allergy check.

A line reads on paper as "Amoxicillin 500 mg tablet — 1-0-1 × 5 days, after food". The dose pattern is the Indian
morning-noon-night notation: digits or ½ separated by "-" (1-0-1, ½-0-½, 1-1-1-1), or SOS (only when needed).
"""

from __future__ import annotations

import enum
import re
from dataclasses import asdict, dataclass
from typing import Any

from homa_desk.domain.errors import FormErrors, ValidationError
from homa_desk.domain.patients import free_text

MAX_MEDICINE = 200
MAX_STRENGTH = 60
MAX_NOTES = 300
MAX_LINES = 40
MAX_TEMPLATE_NAME = 120
AS_NEEDED = "SOS"  # the dose pattern of a medicine taken only when needed
_AS_NEEDED_WORDS = ("sos", "prn", "asneeded", "whenneeded")

_DOSE = re.compile(r"(?:[0-9]{1,2}½?|½)(?:-(?:[0-9]{1,2}½?|½)){1,3}")
_DURATION = re.compile(r"([0-9]{1,3})\s*(d|day|days|w|wk|week|weeks|m|month|months)", re.IGNORECASE)
_UNITS = {"d": "day", "day": "day", "days": "day", "w": "week", "wk": "week", "week": "week", "weeks": "week",
          "m": "month", "month": "month", "months": "month"}


class DoseForm(enum.StrEnum):
    TABLET = "tablet"
    CAPSULE = "capsule"
    SYRUP = "syrup"
    INJECTION = "injection"
    DROPS = "drops"
    OINTMENT = "ointment"
    INHALER = "inhaler"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class FoodTiming(enum.StrEnum):
    AFTER = "after_food"
    BEFORE = "before_food"
    ANY = "any_time"

    @property
    def label(self) -> str:
        return {"after_food": "After food", "before_food": "Before food", "any_time": "Any time"}[self.value]


@dataclass(frozen=True)
class PrescriptionLine:
    medicine: str
    strength: str = ""
    form: DoseForm = DoseForm.TABLET
    dose_pattern: str = "1-0-1"
    duration: str = "5 days"
    food: FoodTiming = FoodTiming.AFTER
    notes: str = ""

    def as_text(self) -> str:
        """One readable line, as the design's appointments.prescription column and the printout carry it."""
        name = " ".join(part for part in (self.medicine, self.strength) if part)
        food = "" if self.food is FoodTiming.ANY else f", {self.food.label.lower()}"
        notes = f" ({self.notes})" if self.notes else ""
        return f"{name} {self.form.value} — {self.dose_pattern} × {self.duration}{food}{notes}"

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["form"], values["food"] = self.form.value, self.food.value
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> PrescriptionLine:
        return cls(medicine=values["medicine"], strength=values.get("strength") or "",
                   form=DoseForm(values.get("form") or "tablet"), dose_pattern=values.get("dose_pattern") or "",
                   duration=values.get("duration") or "", food=FoodTiming(values.get("food") or "after_food"),
                   notes=values.get("notes") or "")


def prescription_text(lines: tuple[PrescriptionLine, ...] | list[PrescriptionLine]) -> str | None:
    """The design's appointments.prescription: one readable line per medicine (None when nothing is prescribed)."""
    return "\n".join(f"{n}. {line.as_text()}" for n, line in enumerate(lines, start=1)) or None


def _short(value: str | None, field: str, limit: int, label: str, *, required: bool = False) -> str:
    text = " ".join((value or "").split())
    if not text and required:
        raise ValidationError(field, f"Enter the {label}.")
    if len(text) > limit:
        raise ValidationError(field, f"The {label} is too long (at most {limit} characters).")
    if any(not c.isprintable() for c in text):
        raise ValidationError(field, f"The {label} contains a character that cannot be stored.")
    return text


def dose_pattern(value: str | None, field: str = "dose_pattern") -> str:
    text = "".join((value or "").split()).replace("1/2", "½").replace("–", "-")
    if not text:
        raise ValidationError(field, "Enter the dose pattern, e.g. 1-0-1.")
    if text.lower() in _AS_NEEDED_WORDS:
        return AS_NEEDED
    if not _DOSE.fullmatch(text):
        raise ValidationError(field, "Write the dose as numbers or ½ separated by -, e.g. 1-0-1 or ½-0-½, or SOS.")
    if all(part == "0" or set(part) == {"0"} for part in text.split("-")):
        raise ValidationError(field, "A dose pattern of only zeros gives nothing.")
    return text


def duration(value: str | None, field: str = "duration") -> str:
    """"5 days", "2 weeks", "1 month" (5d, 2w, 1m accepted and written out)."""
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError(field, "Enter for how long, e.g. 5 days or 2 weeks.")
    found = _DURATION.fullmatch(text)
    if not found or int(found.group(1)) == 0:
        raise ValidationError(field, "Write the duration as a number of days, weeks or months, e.g. 5 days.")
    count, unit = int(found.group(1)), _UNITS[found.group(2).lower()]
    return f"{count} {unit}{'' if count == 1 else 's'}"


def validate_line(*, medicine: str | None, strength: str | None = "", form: DoseForm | str = DoseForm.TABLET,
                  dose: str | None = "", how_long: str | None = "", food: FoodTiming | str = FoodTiming.AFTER,
                  notes: str | None = "") -> PrescriptionLine:
    """Every field at once (FormErrors names: medicine, strength, form, dose_pattern, duration, food, notes)."""
    errors: list[ValidationError] = []
    values: dict[str, Any] = {}
    checks = {
        "medicine": lambda: _short(medicine, "medicine", MAX_MEDICINE, "medicine", required=True),
        "strength": lambda: _short(strength, "strength", MAX_STRENGTH, "strength"),
        "form": lambda: _choice(DoseForm, form, "form", "Choose the form (tablet, syrup, …)."),
        "dose_pattern": lambda: dose_pattern(dose),
        "duration": lambda: duration(how_long),
        "food": lambda: _choice(FoodTiming, food, "food", "Choose before or after food."),
        "notes": lambda: free_text(notes, "notes", MAX_NOTES, "The note") or "",
    }
    for name, check in checks.items():
        try:
            values[name] = check()
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise FormErrors(errors)
    return PrescriptionLine(**values)


def _choice(kind: type[enum.StrEnum], value: object, field: str, message: str) -> Any:
    try:
        return kind(str(value))
    except ValueError:
        raise ValidationError(field, message) from None


def check_lines(lines: list[PrescriptionLine] | tuple[PrescriptionLine, ...]) -> tuple[PrescriptionLine, ...]:
    """Re-validate lines that arrive from a screen (a service never trusts them as they are)."""
    if len(lines) > MAX_LINES:
        raise ValidationError("prescription", f"At most {MAX_LINES} medicines on one prescription.")
    return tuple(validate_line(medicine=x.medicine, strength=x.strength, form=x.form, dose=x.dose_pattern,
                               how_long=x.duration, food=x.food, notes=x.notes) for x in lines)


def template_name(value: str | None) -> str:
    return _short(value, "name", MAX_TEMPLATE_NAME, "template's name", required=True)


# --- allergies ------------------------------------------------------------------------------------------------

# An allergy to the class means an allergy to its members (a small, conservative list; not a drug database).
ALLERGY_CLASSES: dict[str, tuple[str, ...]] = {
    "penicillin": ("amoxicillin", "ampicillin", "cloxacillin", "flucloxacillin", "piperacillin", "augmentin",
                   "amoxyclav", "co-amoxiclav", "benzathine"),
    "cephalosporin": ("cefixime", "ceftriaxone", "cefuroxime", "cephalexin", "cefalexin", "cefpodoxime",
                      "cefadroxil"),
    "sulfa": ("sulfamethoxazole", "sulphamethoxazole", "cotrimoxazole", "co-trimoxazole", "septran", "bactrim",
              "sulfasalazine", "sulfadiazine"),
    "nsaid": ("ibuprofen", "diclofenac", "aspirin", "naproxen", "aceclofenac", "mefenamic", "ketorolac",
              "piroxicam", "etoricoxib", "nimesulide", "indomethacin", "ketoprofen"),
    "macrolide": ("azithromycin", "erythromycin", "clarithromycin", "roxithromycin"),
    "quinolone": ("ciprofloxacin", "levofloxacin", "ofloxacin", "norfloxacin", "moxifloxacin"),
    "opioid": ("codeine", "tramadol", "morphine", "tapentadol"),
}
_CLASS_WORDS = {"penicillins": "penicillin", "cephalosporins": "cephalosporin", "sulpha": "sulfa",
                "sulfonamide": "sulfa", "sulfonamides": "sulfa", "sulphonamide": "sulfa", "sulpha drugs": "sulfa",
                "sulfa drugs": "sulfa", "nsaids": "nsaid", "painkillers": "nsaid", "macrolides": "macrolide",
                "quinolones": "quinolone", "fluoroquinolones": "quinolone", "opioids": "opioid"}
_NOISE = re.compile(r"\b(allergic|allergy|allergies|to|of|sensitivity|intolerance|reaction|drug|drugs|known)\b")


def allergy_terms(allergies: str | None) -> list[str]:
    """The allergy field split into terms ("Penicillin, sulfa drugs; dust" → penicillin, sulfa drugs, dust)."""
    terms = []
    for part in re.split(r"[,;/\n]|\band\b", (allergies or "").lower()):
        term = " ".join(part.split())
        term = term if term in _CLASS_WORDS else " ".join(_NOISE.sub(" ", term).split())
        if len(term) >= 3 and term not in ("nil", "none", "nkda", "no known"):
            terms.append(term)
    return terms


def allergy_conflicts(allergies: str | None, medicine: str) -> list[str]:
    """The patient's allergies this medicine matches: by name (either contains the other) or by drug class."""
    name = " ".join(medicine.lower().split())
    if not name:
        return []
    words = set(re.findall(r"[a-z][a-z-]{2,}", name))
    found = []
    for term in allergy_terms(allergies):
        klass = _CLASS_WORDS.get(term, term)
        members = ALLERGY_CLASSES.get(klass, ())
        if (term in name or any(len(w) >= 4 and w in term.split() for w in words)
                or klass in name or any(member in name for member in members)):
            found.append(term)
    return found


def conflicts_in(allergies: str | None, lines: list[PrescriptionLine] | tuple[PrescriptionLine, ...]
                 ) -> dict[str, list[str]]:
    """Medicine → the allergies it matches, for every line that matches one."""
    return {line.medicine: hits for line in lines if (hits := allergy_conflicts(allergies, line.medicine))}
