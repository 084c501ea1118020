"""A patient's age and sex as the desk shows them, in its language; the printed prescription keeps the domain's
English ("36 y / F") so every clinic's paper reads the same."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QT_TR_NOOP

from homa_desk.domain.patients import Gender, age_on
from homa_desk.ui.common.i18n import tr

SEX_SHORT = {Gender.MALE: QT_TR_NOOP("M"), Gender.FEMALE: QT_TR_NOOP("F"), Gender.OTHER: QT_TR_NOOP("Other")}


def age_shown(born: date | None, estimate: bool, today: date) -> str:
    """"36 y", or "~36 y" when the date of birth was worked out from an age; "" without a date of birth."""
    if born is None:
        return ""
    return (tr("~{years} y") if estimate else tr("{years} y")).format(years=age_on(born, today))


def age_sex_shown(born: date | None, estimate: bool, gender: Gender | None, today: date) -> str:
    """"36 y / F" for the consultation's heading; "—" when neither is known."""
    parts = (age_shown(born, estimate, today), tr(SEX_SHORT[gender]) if gender else "")
    return " / ".join(p for p in parts if p) or "—"


def gender_shown(gender: Gender | None) -> str:
    return tr(gender.value.capitalize()) if gender else ""
