"""How many SMS segments a text is billed as: GSM-7 (with its extension table) or UCS-2.

3GPP TS 23.038 defines the GSM 7-bit default alphabet (128 characters, one septet each) and its extension table
(nine characters more, each sent as ESC + character, so two septets). A text made only of those goes as GSM-7: one
segment holds 160 septets; a longer text is split into segments of 153 (the rest is the concatenation header), and
an ESC pair is never split across two. Any other character makes the whole text UCS-2: 70 UTF-16 units in one
segment, 67 per segment when split, a surrogate pair never split. Operators and providers bill per segment.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

GSM7_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
              "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = "\x0c^{}\\[~]|€"
_ONE_SEPTET = frozenset(GSM7_BASIC) - {"\x1b"}  # ESC only introduces an extension character
_TWO_SEPTETS = frozenset(GSM7_EXTENSION)

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


class Encoding(enum.StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True)
class SegmentCount:
    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def is_gsm7(text: str) -> bool:
    return all(ch in _ONE_SEPTET or ch in _TWO_SEPTETS for ch in text)


def encoding_of(text: str) -> Encoding:
    return Encoding.GSM7 if is_gsm7(text) else Encoding.UCS2


def count_segments(text: str) -> SegmentCount:
    """The encoding, its units and the number of segments `text` is sent (and billed) as; an empty text is 0."""
    if is_gsm7(text):
        sizes = [2 if ch in _TWO_SEPTETS else 1 for ch in text]
        return SegmentCount(Encoding.GSM7, sum(sizes), _segments(sizes, GSM7_SINGLE, GSM7_PART))
    sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SegmentCount(Encoding.UCS2, sum(sizes), _segments(sizes, UCS2_SINGLE, UCS2_PART))


def _segments(sizes: list[int], single: int, part: int) -> int:
    """Fill segments of `part` units in order, never splitting one character's units across two."""
    total = sum(sizes)
    if total == 0:
        return 0
    if total <= single:
        return 1
    segments, used = 1, 0
    for size in sizes:
        if used + size > part:
            segments += 1
            used = 0
        used += size
    return segments
