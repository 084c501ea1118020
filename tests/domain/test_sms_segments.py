"""Segment counting against 3GPP TS 23.038: every BMP character classified, and every boundary of both encodings."""

from __future__ import annotations

import pytest

from homa_desk.domain.sms_segments import Encoding, count_segments, is_gsm7

# The GSM 7-bit default alphabet by code position (0x00–0x7F), written out independently of the module; 0x1B is
# the escape to the extension table and is no character of its own.
GSM_BY_POSITION = [
    "@", "£", "$", "¥", "è", "é", "ù", "ì", "ò", "Ç", "\n", "Ø", "ø", "\r", "Å", "å",
    "Δ", "_", "Φ", "Γ", "Λ", "Ω", "Π", "Ψ", "Σ", "Θ", "Ξ", None, "Æ", "æ", "ß", "É",
    " ", "!", '"', "#", "¤", "%", "&", "'", "(", ")", "*", "+", ",", "-", ".", "/",
    *"0123456789", ":", ";", "<", "=", ">", "?",
    "¡", *"ABCDEFGHIJKLMNO",
    *"PQRSTUVWXYZ", "Ä", "Ö", "Ñ", "Ü", "§",
    "¿", *"abcdefghijklmno",
    *"pqrstuvwxyz", "ä", "ö", "ñ", "ü", "à",
]
EXTENSION = {0x0A: "\x0c", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~", 0x3E: "]",
             0x40: "|", 0x65: "€"}


def test_the_table_has_128_positions():
    assert len(GSM_BY_POSITION) == 128


def test_every_bmp_character_is_classified_as_the_standard_says():
    basic = {c for c in GSM_BY_POSITION if c is not None}
    extension = set(EXTENSION.values())
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        ch = chr(code)
        result = count_segments(ch)
        if ch in basic:
            assert (result.encoding, result.units) == (Encoding.GSM7, 1), repr(ch)
        elif ch in extension:
            assert (result.encoding, result.units) == (Encoding.GSM7, 2), repr(ch)
        else:
            assert (result.encoding, result.units) == (Encoding.UCS2, 1), repr(ch)


def test_escape_alone_and_astral_characters_are_unicode():
    assert not is_gsm7("\x1b")
    assert count_segments("😀").units == 2 and count_segments("😀").encoding is Encoding.UCS2


@pytest.mark.parametrize(("length", "segments"), [(0, 0), (1, 1), (160, 1), (161, 2), (306, 2), (307, 3),
                                                  (459, 3), (460, 4)])
def test_plain_text_is_160_in_one_then_153_a_part(length, segments):
    assert count_segments("a" * length).segments == segments


@pytest.mark.parametrize(("length", "segments"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3),
                                                  (202, 4)])
def test_unicode_is_70_in_one_then_67_a_part(length, segments):
    result = count_segments("क" * length)
    assert (result.encoding, result.segments) == (Encoding.UCS2, segments)


def test_one_hindi_letter_makes_the_whole_text_unicode():
    assert count_segments("a" * 69 + "क").segments == 1
    assert count_segments("a" * 70 + "क").segments == 2


def test_extension_characters_count_two_septets():
    assert count_segments("€" * 80).segments == 1 and count_segments("€" * 80).units == 160
    assert count_segments("€" * 80 + "a").segments == 2


def test_an_escape_pair_is_never_split_across_segments():
    # 152 septets then a two-septet character: it does not fit in the first part of 153, so it opens the second;
    # 306 septets would fit two parts of 153 if the pair could be split
    assert count_segments("a" * 152 + "€" + "a" * 151).segments == 2
    assert count_segments("a" * 152 + "€" + "a" * 152).segments == 3
    assert count_segments("a" * 153 + "a" * 152 + "€").segments == 3


def test_a_surrogate_pair_is_never_split_across_segments():
    assert count_segments("क" * 66 + "😀" + "क" * 66).segments == 3
    assert count_segments("क" * 65 + "😀" + "क" * 67).segments == 2
