"""A dose pattern said in words, in the patient's language, for the line under it on the printed prescription.

"1-0-1" is morning and night ("सुबह और रात"); with a part other than 1 each time carries its amount ("½ in the morning
and ½ at night", "सुबह ½ और रात ½"); "SOS" is only when needed. Before or after food is added when the line says so.
Two parts are morning and night; three add the afternoon; four add the evening before the night.
"""

from __future__ import annotations

from homa_desk.domain.notifications import Language
from homa_desk.domain.prescriptions import AS_NEEDED, FoodTiming

_TIMES = {
    2: ("morning", "night"),
    3: ("morning", "afternoon", "night"),
    4: ("morning", "afternoon", "evening", "night"),
}
_ENGLISH_AT = {"morning": "in the morning", "afternoon": "in the afternoon", "evening": "in the evening",
               "night": "at night"}
_HINDI = {"morning": "सुबह", "afternoon": "दोपहर", "evening": "शाम", "night": "रात"}
_AND = {Language.ENGLISH: "and", Language.HINDI: "और"}
_AS_NEEDED = {Language.ENGLISH: "only when needed", Language.HINDI: "ज़रूरत होने पर ही"}
_FOOD = {
    Language.ENGLISH: {FoodTiming.AFTER: "after food", FoodTiming.BEFORE: "before food"},
    Language.HINDI: {FoodTiming.AFTER: "खाने के बाद", FoodTiming.BEFORE: "खाने से पहले"},
}


def _listed(items: list[str], language: Language) -> str:
    """"a", "a and b", "a, b and c" (और in Hindi)."""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {_AND[language]} {items[-1]}"


def _times(pattern: str, language: Language) -> str:
    parts = pattern.split("-")
    taken = [(time, amount) for time, amount in zip(_TIMES[len(parts)], parts, strict=True)
             if amount.strip("0") != ""]
    only_ones = all(amount == "1" for _, amount in taken)
    if language is Language.HINDI:
        words = [_HINDI[time] if only_ones else f"{_HINDI[time]} {amount}" for time, amount in taken]
    else:
        words = [time if only_ones else f"{amount} {_ENGLISH_AT[time]}" for time, amount in taken]
    return _listed(words, language)


def dose_in_words(pattern: str, food: FoodTiming, language: Language) -> str:
    """The explanation printed under a validated dose pattern (see prescriptions.dose_pattern), in `language`."""
    if pattern == AS_NEEDED:
        when = _AS_NEEDED[language]
    elif len(pattern.split("-")) in _TIMES:
        when = _times(pattern, language)
    else:
        return ""
    meal = _FOOD[language].get(food)
    return f"{when}, {meal}" if meal else when
