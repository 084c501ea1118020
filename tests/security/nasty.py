"""Hypothesis strategies for hostile text: SQL metacharacters, NUL and other control characters, lone surrogates,
emoji, right-to-left marks, digits that are not 0-9, zero-width joiners, and very long strings, mixed with ordinary
text."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from decimal import Decimal

from hypothesis import strategies as st

PIECES = (
    "'", '"', "`", ";", "--", "';--", "'; DROP TABLE users; --", "' OR '1'='1", "%", "_", "%_%", "\\", "\\'", "\\x00",
    "$$", "$1", ":name", "%(x)s", "{0}", "\x00", "a\x00b", "\x07", "\x1b[31m", "\x7f", "\u0085", "\ud800", "\udfff",
    "😀", "🧑🏽‍⚕️", "\u202e", "\u200f", "\u200e", "\u202a", "\u2066", "\ufeff", "\u200b", "\r\n", "\t", "\n",
    "प्रिया", "ಕನ್ನಡ", "ممم", "Ω", "ß", "İ", " ", "\u00a0", "\u3000",
    "²", "①", "12²", "४२", "١٢", "１２", "क्\u200dष", "ന്\u200d", "\u200c", "\u200d",
)

piece = st.sampled_from(PIECES)
any_char = st.characters(codec=None, exclude_categories=())  # surrogates and unassigned code points too
mixed = st.lists(st.one_of(piece, st.text(any_char, max_size=6), st.text(max_size=12)), max_size=10).map("".join)
long_text = st.tuples(st.sampled_from(("a", "Priya ", "9", "'", "%", "😀", "x\x00")), st.integers(60, 4000)).map(
    lambda pair: pair[0] * pair[1])

hostile = st.one_of(mixed, mixed, long_text, piece)


def unstorable(value: object) -> list[str]:
    """The strings inside `value` PostgreSQL would refuse (NUL) or psycopg could not encode (lone surrogates)."""
    found = []
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            found.append(repr(value[:40]))
        if "\x00" in value:
            found.append(repr(value[:40]))
    elif is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            found += unstorable(getattr(value, item.name))
    elif isinstance(value, list | tuple):
        for item in value:
            found += unstorable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            found += unstorable(key) + unstorable(item)
    return found


__all__ = ["Decimal", "hostile", "unstorable"]
