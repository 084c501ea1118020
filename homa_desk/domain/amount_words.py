"""Rupee amounts in words with Indian numbering (thousand, lakh, crore), as receipts print them."""

from __future__ import annotations

from decimal import Decimal

from homa_desk.domain.money import rupees

_ONES = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve",
         "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen")
_TENS = ("", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety")


def _below_hundred(n: int) -> str:
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")


def _below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds:
        parts.append(f"{_ONES[hundreds]} Hundred")
    if rest:
        parts.append(_below_hundred(rest))
    return " ".join(parts)


def number_in_words(n: int) -> str:
    """0 → 'Zero'; 12,34,56,789 → 'Twelve Crore Thirty-Four Lakh Fifty-Six Thousand Seven Hundred Eighty-Nine'."""
    if n < 0:
        raise ValueError("negative")
    if n == 0:
        return "Zero"
    crore, n = divmod(n, 10_000_000)
    lakh, n = divmod(n, 100_000)
    thousand, rest = divmod(n, 1000)
    parts = []
    if crore:
        parts.append(f"{number_in_words(crore)} Crore")
    if lakh:
        parts.append(f"{_below_hundred(lakh)} Lakh")
    if thousand:
        parts.append(f"{_below_hundred(thousand)} Thousand")
    if rest:
        parts.append(_below_thousand(rest))
    return " ".join(parts)


def rupees_in_words(amount: Decimal) -> str:
    """'Rupees One Lakh Twenty Thousand and Fifty Paise Only'."""
    value = rupees(amount)
    if value < 0:
        raise ValueError("negative amount")
    whole = int(value)
    paise = int((value - whole) * 100)
    text = f"Rupees {number_in_words(whole)}"
    if paise:
        text += f" and {_below_hundred(paise)} Paise"
    return text + " Only"
