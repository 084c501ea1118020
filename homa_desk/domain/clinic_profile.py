"""Rules for the admin's settings that are not someone else's: GSTIN, phone numbers, ports, chat ids."""

from __future__ import annotations

import re

from homa_desk.domain.errors import ValidationError
from homa_desk.domain.gst import STATES

_GSTIN = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def gstin_check_character(first14: str) -> str:
    """The GSTIN's 15th character: a mod-36 checksum over the first fourteen."""
    total = 0
    for position, char in enumerate(first14):
        product = _ALPHABET.index(char) * (1 if position % 2 == 0 else 2)
        total += product // 36 + product % 36
    return _ALPHABET[(36 - total % 36) % 36]


def optional_gstin(value: str | None, field: str = "clinic_gstin") -> str:
    text = "".join((value or "").split()).upper()
    if not text:
        return ""
    if not _GSTIN.match(text):
        raise ValidationError(field, "A GSTIN has 15 characters, like 27AAPFU0939F1ZV.")
    if text[:2] not in STATES:
        raise ValidationError(field, "A GSTIN starts with a state code (01 to 38, or 97): {code} is none.",
                              code=text[:2])
    if gstin_check_character(text[:14]) != text[14]:
        raise ValidationError(field, "This GSTIN's last character does not match: check for a typing mistake.")
    return text


def number_in(value: str | int | float, low: float, high: float, field: str, what: str, *,
              whole: bool = True) -> float:
    text = str(value).strip()
    try:
        if not text.isascii():  # int() and float() would also read ४५ or ٤٥
            raise ValueError(text)
        number = int(text) if whole else float(text)
    except ValueError:
        raise ValidationError(field, "Enter the {what} as a number.", what=what) from None
    if not low <= number <= high:
        raise ValidationError(field, "The {what} must be between {low:g} and {high:g}.", what=what, low=low, high=high)
    return number


_TWILIO_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_CHAT = re.compile(r"^(-?[0-9]{3,20}|@[A-Za-z0-9_]{5,32})$")
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}$")


def twilio_sid(value: str, field: str = "twilio_account_sid") -> str:
    text = (value or "").strip()
    if text and not _TWILIO_SID.match(text):
        raise ValidationError(field, "A Twilio Account SID starts with AC and has 34 characters.")
    return text


def telegram_chat(value: str, field: str = "telegram_chat_id") -> str:
    text = (value or "").strip()
    if text and not _CHAT.match(text):
        raise ValidationError(field, "Enter the chat id (digits, e.g. -1001234567890) or @channelname.")
    return text


def host_name(value: str, field: str = "smtp_host") -> str:
    text = (value or "").strip()
    if text and not _HOST.match(text):
        raise ValidationError(field, "Enter the mail server's host name, like smtp.gmail.com.")
    return text
