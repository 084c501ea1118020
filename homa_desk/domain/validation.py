"""Validators for every field the desk accepts. Each returns the normalised value or raises ValidationError.

They never raise anything else, whatever text they are given (a property-based test holds them to it).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from homa_desk.domain.errors import ValidationError
from homa_desk.domain.passwords import is_common_password

MAX_NAME_LENGTH = 255
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128  # bcrypt reads 72 bytes; longer input is refused rather than silently cut
MAX_AMOUNT = Decimal("99999999.99")  # decimal(10,2)

_INDIAN_MOBILE = re.compile(r"[6-9][0-9]{9}")
# How Indians write a mobile's country or trunk prefix, longest first; each counts only before exactly ten digits.
_MOBILE_PREFIXES = ("0091", "+91", "091", "91", "0")
_JOINERS = "\u200c\u200d"  # zero-width non-joiner and joiner: they shape conjuncts in Devanagari, Malayalam, Kannada
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")
_VPA = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,255}@[A-Za-z][A-Za-z0-9.-]{1,63}")


def storable(text: str, field: str, what: str = "The text") -> str:
    """`text` itself, or ValidationError when it holds what PostgreSQL cannot keep or a screen cannot show:
    NUL and other control characters (line breaks and tabs are fine) and lone surrogates."""
    for char in text:
        if char not in "\n\r\t" and unicodedata.category(char) in ("Cc", "Cs"):
            raise ValidationError(field, "{what} contains a character that cannot be stored.", what=what)
    return text


def tidy_lines(text: str | None) -> str:
    """Each line's spaces tidied and blank lines dropped, the lines kept (an address for a letterhead)."""
    return "\n".join(tidy for line in (text or "").splitlines() if (tidy := " ".join(line.split())))


def ascii_digits(text: str) -> bool:
    """True when `text` is one or more of 0-9. str.isdigit() also says True for ², ① or ४, which int() refuses
    or reads as a number nobody meant."""
    return text.isascii() and text.isdigit()


def search_text(value: str | None, limit: int = 100) -> str:
    """What was typed into a search box, with the characters nothing stored can contain dropped (NUL, control
    characters, lone surrogates), whitespace collapsed, at most `limit` characters."""
    kept = "".join(" " if c in "\n\r\t" else c for c in (value or "")
                   if c in "\n\r\t" or unicodedata.category(c) not in ("Cc", "Cs"))
    return " ".join(kept.split())[:limit]


def full_name(value: str, field: str = "full_name") -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError(field, "Enter the full name.")
    if len(text) > MAX_NAME_LENGTH:
        raise ValidationError(field, "The name is too long (at most {limit} characters).", limit=MAX_NAME_LENGTH)
    if not _is_name(text):
        raise ValidationError(field, "A name has letters, spaces, dots, apostrophes and hyphens only.")
    return text


def _is_name(text: str) -> bool:
    """Letters of any script with their combining marks (Devanagari matras), spaces, . ' and -.

    A zero-width joiner or non-joiner (U+200D, U+200C) is part of a letter where Indian scripts use it: right after
    a letter or mark and next to a combining mark (a virama), as in a Devanagari half form, a Malayalam chillu (also
    at the end of a name) or the Bengali ya-phala after RA. Anywhere else, and every other invisible or control
    character (bidi overrides, zero-width space, BOM, soft hyphen), the name is refused.
    """
    if not unicodedata.category(text[0]).startswith("L"):
        return False
    for index, char in enumerate(text):
        if char in _JOINERS:
            after = text[index + 1] if index + 1 < len(text) else ""
            if not (_category(text[index - 1]) in "LM" and "M" in (_category(text[index - 1]), _category(after))):
                return False
        elif not (_category(char) in "LM" or char in " .'-"):
            return False
    return True


def _category(char: str) -> str:
    """The major Unicode category (L, M, Z…) of `char`, "" for none."""
    return unicodedata.category(char)[0] if char else ""


def national_mobile(digits: str) -> str:
    """`digits` without the +91, 0091, 091, 91 or 0 written before a ten-digit number; anything else unchanged."""
    for prefix in _MOBILE_PREFIXES:
        if len(digits) == len(prefix) + 10 and digits.startswith(prefix):
            return digits[len(prefix):]
    return digits


def indian_mobile(value: str, field: str = "phone") -> str:
    """A 10-digit Indian mobile starting 6-9, as +91XXXXXXXXXX; `+91`, `0091`, `091`, `91` or `0` in front and
    spaces or dashes are accepted."""
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(field, "Enter the mobile number.")
    digits = national_mobile(re.sub(r"[\s-]", "", raw))
    if not _INDIAN_MOBILE.fullmatch(digits):
        raise ValidationError(field, "Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9.")
    return "+91" + digits


def email(value: str, field: str = "email") -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(field, "Enter the e-mail address.")
    if len(text) > 254 or not text.isascii() or not _EMAIL.fullmatch(text):
        raise ValidationError(field, "Enter an e-mail address like name@example.com.")
    local, _, domain = text.rpartition("@")
    if len(local) > 64:
        raise ValidationError(field, "The part before @ is too long.")
    return f"{local}@{domain.lower()}".lower()


def optional_email(value: str | None, field: str = "email") -> str | None:
    return email(value, field) if value and value.strip() else None


def vpa(value: str, field: str = "vpa") -> str:
    """A UPI virtual payment address such as clinic@okaxis."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(field, "Enter the UPI ID (for example clinic@okaxis).")
    if not text.isascii() or not _VPA.fullmatch(text):
        raise ValidationError(field, "A UPI ID looks like name@bank, for example clinic@okaxis.")
    return text.lower()


def amount(value: str | Decimal, field: str = "amount", *, allow_zero: bool = False) -> Decimal:
    """Rupees with at most two decimals, positive, within decimal(10,2). Never a float."""
    if isinstance(value, float):
        raise ValidationError(field, "Amounts are entered as text or Decimal, never as floating point.")
    text = str(value or "").strip().replace(",", "").removeprefix("₹").strip()
    if not text:
        raise ValidationError(field, "Enter the amount.")
    try:
        number = Decimal(text if text.isascii() else "x")  # Decimal() would also read ५०० or ٥٠٠
    except (InvalidOperation, ValueError):
        raise ValidationError(field, "Enter the amount in rupees, for example 500 or 499.50.") from None
    if not number.is_finite():
        raise ValidationError(field, "Enter the amount in rupees, for example 500 or 499.50.")
    if number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationError(field, "An amount has at most two decimals (paise).")
    if number < 0 or (number == 0 and not allow_zero):
        raise ValidationError(field, "The amount must be more than zero.")
    if number > MAX_AMOUNT:
        raise ValidationError(field, "The amount is too large.")
    return number.quantize(Decimal("0.01"))


MIN_UTR, MAX_UTR = 6, 35


def utr(value: str, field: str = "utr") -> str:
    """A UPI reference (UTR/RRN) from the patient's or the clinic's bank app: 6 to 35 letters and digits; spaces
    and dashes typed in between are dropped."""
    text = re.sub(r"[\s-]", "", value or "")
    if not (text.isascii() and text.isalnum() and MIN_UTR <= len(text) <= MAX_UTR):
        raise ValidationError(field, "Enter the UPI reference (UTR): 6 to 35 letters and digits from the bank app.")
    return text


def past_or_today(value: date | None, today: date, field: str = "date_of_birth") -> date:
    if value is None:
        raise ValidationError(field, "Enter the date.")
    if value > today:
        raise ValidationError(field, "The date cannot be in the future.")
    if value.year < 1900:
        raise ValidationError(field, "The date is too far in the past.")
    return value


def new_password(value: str, field: str = "password", *, personal: tuple[str, ...] = ()) -> str:
    """ASVS level 1: at least 10 characters, not a common password, not the user's own name or e-mail."""
    text = value or ""
    if len(text) < MIN_PASSWORD_LENGTH:
        raise ValidationError(field, "The password needs at least {limit} characters.", limit=MIN_PASSWORD_LENGTH)
    if len(text) > MAX_PASSWORD_LENGTH or len(text.encode("utf-8", "surrogatepass")) > 72:
        raise ValidationError(field, "The password is too long (at most 72 bytes).")
    storable(text, field, "The password")
    if is_common_password(text):
        raise ValidationError(field, "This password is too common; choose one that is harder to guess.")
    lowered = text.lower()
    for word in personal:
        word = (word or "").lower().strip()
        if len(word) >= 4 and (lowered == word or lowered in word or word in lowered):
            raise ValidationError(field, "The password must not contain your name or e-mail.")
    return text
