"""Dose patterns in words, in English and Hindi, for the printed prescription."""

from __future__ import annotations

from itertools import product

import pytest

from homa_desk.domain.dose_words import dose_in_words
from homa_desk.domain.errors import ValidationError
from homa_desk.domain.notifications import Language
from homa_desk.domain.prescriptions import AS_NEEDED, FoodTiming, dose_pattern

EN, HI = Language.ENGLISH, Language.HINDI
ANY = FoodTiming.ANY

CASES = [
    ("1-0-1", "morning and night", "सुबह और रात"),
    ("1-1-1", "morning, afternoon and night", "सुबह, दोपहर और रात"),
    ("1-0-0", "morning", "सुबह"),
    ("0-0-1", "night", "रात"),
    ("0-1-0", "afternoon", "दोपहर"),
    ("1-1-0", "morning and afternoon", "सुबह और दोपहर"),
    ("0-1-1", "afternoon and night", "दोपहर और रात"),
    ("½-0-½", "½ in the morning and ½ at night", "सुबह ½ और रात ½"),
    ("1-0-½", "1 in the morning and ½ at night", "सुबह 1 और रात ½"),
    ("2-0-1", "2 in the morning and 1 at night", "सुबह 2 और रात 1"),
    ("1½-0-0", "1½ in the morning", "सुबह 1½"),
    ("1-1-1-1", "morning, afternoon, evening and night", "सुबह, दोपहर, शाम और रात"),
    ("0-0-1-0", "evening", "शाम"),
    ("1-1", "morning and night", "सुबह और रात"),
    ("0-1", "night", "रात"),
    (AS_NEEDED, "only when needed", "ज़रूरत होने पर ही"),
]


@pytest.mark.parametrize(("pattern", "english", "hindi"), CASES)
def test_each_pattern_in_both_languages(pattern, english, hindi):
    assert dose_in_words(pattern, ANY, EN) == english
    assert dose_in_words(pattern, ANY, HI) == hindi


@pytest.mark.parametrize(("food", "english", "hindi"), [
    (FoodTiming.AFTER, "morning and night, after food", "सुबह और रात, खाने के बाद"),
    (FoodTiming.BEFORE, "morning and night, before food", "सुबह और रात, खाने से पहले"),
    (FoodTiming.ANY, "morning and night", "सुबह और रात"),
])
def test_before_or_after_food_is_said_when_the_line_has_it(food, english, hindi):
    assert dose_in_words("1-0-1", food, EN) == english
    assert dose_in_words("1-0-1", food, HI) == hindi


def test_as_needed_with_food():
    assert dose_in_words(AS_NEEDED, FoodTiming.AFTER, HI) == "ज़रूरत होने पर ही, खाने के बाद"
    assert dose_in_words(AS_NEEDED, FoodTiming.BEFORE, EN) == "only when needed, before food"


@pytest.mark.parametrize("typed", ["SOS", "sos", " S O S ", "PRN", "as needed"])
def test_sos_and_its_other_spellings_are_one_dose_pattern(typed):
    assert dose_pattern(typed) == AS_NEEDED


def test_every_pattern_of_wholes_and_halves_names_exactly_its_times():
    amounts = ("0", "½", "1", "1½", "2")
    hindi_times = {2: ("सुबह", "रात"), 3: ("सुबह", "दोपहर", "रात"), 4: ("सुबह", "दोपहर", "शाम", "रात")}
    english_times = {2: ("morning", "night"), 3: ("morning", "afternoon", "night"),
                     4: ("morning", "afternoon", "evening", "night")}
    for count in (2, 3, 4):
        for parts in product(amounts, repeat=count):
            pattern = "-".join(parts)
            try:
                pattern = dose_pattern(pattern)
            except ValidationError:
                assert set(parts) == {"0"}
                continue
            hindi, english = dose_in_words(pattern, ANY, HI), dose_in_words(pattern, ANY, EN)
            named_hi = [t for t in hindi_times[count] if t in hindi]
            named_en = [t for t in english_times[count] if t in english]
            taken = [n for n, amount in enumerate(parts) if amount != "0"]
            assert named_hi == [hindi_times[count][n] for n in taken], pattern
            assert named_en == [english_times[count][n] for n in taken], pattern
            assert hindi.count(" और ") == (len(taken) > 1) and english.count(" and ") == (len(taken) > 1)
            if any(parts[n] != "1" for n in taken):
                assert all(parts[n] in hindi and parts[n] in english for n in taken), pattern
