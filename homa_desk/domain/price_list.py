"""The clinic's price list: services, procedures, lab tests and medicines a bill line can be filled from.

A rate includes GST (like an MRP): the patient pays the rate; the tax is worked out of it (domain/gst.py).
Codes are short and unique whatever their case ("CBC" and "cbc" are one code).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from decimal import Decimal

from homa_desk.domain.billing import LineKind
from homa_desk.domain.errors import FormErrors, ValidationError
from homa_desk.domain.gst import HEALTHCARE_SAC, gst_rate
from homa_desk.domain.validation import amount as valid_amount
from homa_desk.domain.validation import storable

MAX_CODE = 20
MAX_NAME = 200  # a bill line's description
MAX_CATEGORY = 60
MIN_SEARCH = 2
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_SAC_HSN = re.compile(r"[0-9]{4}(?:[0-9]{2}){0,2}")


class PriceKind(enum.StrEnum):
    SERVICE = "service"
    PROCEDURE = "procedure"
    LAB_TEST = "lab_test"
    MEDICINE = "medicine"

    @property
    def label(self) -> str:
        return {"lab_test": "Lab test"}.get(self.value, self.value.capitalize())

    @property
    def line_kind(self) -> LineKind:
        """The bill line a price-list item becomes (a service is billed as "other")."""
        return {"service": LineKind.OTHER}.get(self.value) or LineKind(self.value)


@dataclass(frozen=True)
class PriceItem:
    id: int
    code: str
    name: str
    kind: PriceKind
    category: str
    rate: Decimal
    gst_rate: Decimal
    sac_hsn: str
    active: bool = True


@dataclass(frozen=True)
class PriceItemInput:
    """What the form or a CSV row hands over, as typed."""

    code: str
    name: str
    kind: str
    category: str
    rate: str | Decimal
    gst_rate: str | Decimal = "0"
    sac_hsn: str = ""
    active: bool | str = True


@dataclass(frozen=True)
class PriceItemData:
    """A checked item, ready to store."""

    code: str
    name: str
    kind: PriceKind
    category: str
    rate: Decimal
    gst_rate: Decimal
    sac_hsn: str
    active: bool

    def as_audit(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "kind": self.kind.value, "category": self.category,
                "rate": f"{self.rate:.2f}", "gst_rate": f"{self.gst_rate.normalize():f}", "sac_hsn": self.sac_hsn,
                "active": self.active}


def item_audit(item: PriceItem) -> dict[str, object]:
    return PriceItemData(item.code, item.name, item.kind, item.category, item.rate, item.gst_rate, item.sac_hsn,
                         item.active).as_audit()


def validate_item(item: PriceItemInput, prefix: str = "") -> PriceItemData:
    """Every field checked at once; errors name `<prefix><field>` so a form or an import row can show them."""
    errors: list[ValidationError] = []

    def check(fn, *args):  # type: ignore[no-untyped-def]
        try:
            return fn(*args)
        except ValidationError as error:
            errors.append(ValidationError(prefix + error.field, error.key, **error.params))
            return None

    code = check(_code, item.code)
    name = check(_name, item.name)
    kind = check(_kind, item.kind)
    category = check(_category, item.category)
    rate = check(_rate, item.rate)
    rate_of_gst = check(gst_rate, item.gst_rate)
    sac_hsn = check(_sac_hsn, item.sac_hsn, kind)
    active = check(_active, item.active)
    if errors:
        raise FormErrors(errors)
    return PriceItemData(code, name, kind, category, rate, rate_of_gst, sac_hsn, active)


def _code(value: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError("code", "Enter a short code, like CBC or XRAY-CH.")
    if len(text) > MAX_CODE or not _CODE.fullmatch(text):
        raise ValidationError("code", "A code has at most {limit} letters, digits, and . _ / - (no spaces).",
                              limit=MAX_CODE)
    return text


def _name(value: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError("name", "Enter the name the bill shows.")
    if len(text) > MAX_NAME:
        raise ValidationError("name", "At most {limit} characters.", limit=MAX_NAME)
    _no_formula(text, "name")
    return storable(text, "name", "The name")


def _kind(value: str) -> PriceKind:
    text = (value or "").strip().lower().replace(" ", "_")
    try:
        return PriceKind(text)
    except ValueError:
        raise ValidationError("kind", "Choose service, procedure, lab test or medicine.") from None


def _category(value: str) -> str:
    text = " ".join((value or "").split())
    if len(text) > MAX_CATEGORY:
        raise ValidationError("category", "At most {limit} characters.", limit=MAX_CATEGORY)
    _no_formula(text, "category")
    return storable(text, "category", "The category")


def _rate(value: str | Decimal) -> Decimal:
    return valid_amount(value, "rate", allow_zero=True)


def _sac_hsn(value: str, kind: PriceKind | None) -> str:
    text = "".join((value or "").split())
    if not text:
        return "" if kind is PriceKind.MEDICINE else HEALTHCARE_SAC
    if not (text.isascii() and _SAC_HSN.fullmatch(text)):
        raise ValidationError("sac_hsn", "A SAC or HSN code has 4, 6 or 8 digits, like 9993 or 3004.")
    return text


def _active(value: bool | str) -> bool:
    if isinstance(value, bool):
        return value
    text = (value or "").strip().lower()
    if text in ("", "yes", "y", "true", "1", "active"):
        return True
    if text in ("no", "n", "false", "0", "inactive"):
        return False
    raise ValidationError("active", "Write yes or no.")


def _no_formula(text: str, field: str) -> None:
    """A cell a spreadsheet would run as a formula (=, +, -, @) is refused: a CSV opened in Excel must not run it."""
    if text[:1] in ("=", "+", "-", "@"):
        raise ValidationError(field, "Cannot start with = + - or @ (a spreadsheet would run it as a formula).")


def matches(item: PriceItem, typed: str) -> bool:
    """Whether the bill editor's completion offers `item` for what was typed (code or any part of the name)."""
    text = typed.strip().lower()
    return len(text) >= MIN_SEARCH and (item.code.lower().startswith(text) or text in item.name.lower())
