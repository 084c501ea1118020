"""The request rules of Razorpay's QR Codes API that the local Razorpay (fake_razorpay.py) enforces; the rules, their
numbers (R…) and where Razorpay documents each are listed in that module's docstring."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

Refusal = tuple[str, str | None]  # Razorpay's description, and the field it names

_CREATE_FIELDS = ("type", "name", "usage", "fixed_amount", "payment_amount", "description", "customer_id",
                  "close_by", "notes")
DEFAULT_PAGE = 10  # R16
MAX_PAGE = 100
MIN_PAYMENT_PAISE = 100  # R10
MIN_CLOSE_BY = 15 * 60  # R13, seconds after the gateway's now
MAX_CLOSE_BY = 2 * 60 * 60
MAX_NAME = 100  # R11
MAX_DESCRIPTION = 255
MAX_NOTES = 15  # R14
MAX_NOTE = 256


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def create_refusal(body: Any, now: float) -> Refusal | None:
    """Why Razorpay would refuse this create body (description, field), or None: rules R5–R14 of fake_razorpay.py."""
    if not isinstance(body, dict):
        return "The request body must be a JSON object", None
    extra = [key for key in body if key not in _CREATE_FIELDS]
    if extra:
        return f"{', '.join(extra)} is/are not required and should not be sent", extra[0]
    for required in ("type", "usage"):
        if body.get(required) is None:
            return f"The {required} field is required.", required
    if body["type"] != "upi_qr":
        return "The selected type is invalid.", "type"
    if body["usage"] not in ("single_use", "multiple_use"):
        return "The selected usage is invalid.", "usage"
    fixed = body.get("fixed_amount", False)
    if not isinstance(fixed, bool):
        return "The fixed amount field must be true or false.", "fixed_amount"
    if body["usage"] == "single_use" and not fixed:
        return "fixed_amount must be true for a single_use QR code", "fixed_amount"
    amount = body.get("payment_amount")
    if fixed and amount is None:
        return "The payment amount field is required when fixed amount is true.", "payment_amount"
    if not fixed and amount is not None:
        return "payment_amount is/are not required and should not be sent", "payment_amount"
    if fixed and not _is_int(amount):
        return "The payment amount must be an integer.", "payment_amount"
    if fixed and amount < MIN_PAYMENT_PAISE:
        return "The payment amount must be at least 100.", "payment_amount"
    for name, limit in (("name", MAX_NAME), ("description", MAX_DESCRIPTION)):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            return f"The {name} must be a string.", name
        if isinstance(value, str) and len(value) > limit:
            return f"The {name} may not be greater than {limit} characters.", name
    if body.get("customer_id") is not None:
        return f"{body['customer_id']} is not a valid id", "customer_id"
    refusal = _close_by_refusal(body, now)
    return refusal if refusal is not None else _notes_refusal(body.get("notes"))


def _close_by_refusal(body: dict[str, Any], now: float) -> Refusal | None:
    close_by = body.get("close_by")
    if close_by is None:
        return None
    if body["usage"] != "single_use":
        return "close_by is/are not required and should not be sent", "close_by"
    if not _is_int(close_by):
        return "The close by must be an integer.", "close_by"
    if close_by < now + MIN_CLOSE_BY:
        return "close_by should be at least 15 minutes after current time", "close_by"
    if close_by > now + MAX_CLOSE_BY:
        return "close_by should be at most 2 hours after current time", "close_by"
    return None


def _notes_refusal(notes: Any) -> Refusal | None:
    if notes is None:
        return None
    if not isinstance(notes, dict):
        return "The notes must be an object.", "notes"
    if len(notes) > MAX_NOTES:
        return f"Number of fields in notes should be less than or equal to {MAX_NOTES}", "notes"
    for key, value in notes.items():
        if len(key) > MAX_NOTE or not (isinstance(value, str) or _is_int(value)):
            return f"The notes.{key} is invalid.", "notes"
        if len(str(value)) > MAX_NOTE:
            return f"The notes.{key} may not be greater than {MAX_NOTE} characters.", "notes"
    return None


def page_params(query: str) -> tuple[dict[str, int], Refusal | None]:
    """R16: from, to, count (1…100) and skip (≥ 0), integers, each at most once."""
    raw = parse_qs(query, keep_blank_values=True)
    extra = [name for name in raw if name not in ("from", "to", "count", "skip")]
    if extra:
        return {}, (f"{', '.join(extra)} is/are not required and should not be sent", extra[0])
    params: dict[str, int] = {}
    for name, values in raw.items():
        if len(values) != 1 or not values[0].isascii() or not values[0].isdigit():
            return {}, (f"The {name} must be an integer.", name)
        params[name] = int(values[0])
    if not 1 <= params.get("count", DEFAULT_PAGE) <= MAX_PAGE:
        return {}, (f"The count must be between 1 and {MAX_PAGE}.", "count")
    return params, None
