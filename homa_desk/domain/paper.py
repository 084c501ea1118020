"""The paper a desk prints receipts on: an A4 or A5 sheet, or a thermal receipt roll 80 mm or 58 mm wide.

A roll has no fixed height: each receipt is as long as its content. The side margins are the part of the roll a
thermal head does not reach (72 mm printable on an 80 mm roll, 48 mm on a 58 mm roll).
"""

from __future__ import annotations

from enum import StrEnum

from homa_desk.domain.errors import ValidationError


class Paper(StrEnum):
    A4 = "a4"
    A5 = "a5"
    ROLL_80 = "roll80"
    ROLL_58 = "roll58"

    @classmethod
    def parse(cls, value: str | None) -> Paper:
        """The paper a settings value names; A4 for a value this version does not know."""
        try:
            return cls(value)
        except ValueError:
            return cls.A4

    @classmethod
    def chosen(cls, value: str, field: str = "receipt_paper") -> Paper:
        """The paper a form chose; a value no desk knows is refused next to the field."""
        try:
            return cls(value)
        except ValueError:
            raise ValidationError(field, "Choose A4, A5 or a receipt roll.") from None

    @property
    def is_roll(self) -> bool:
        return self in (Paper.ROLL_80, Paper.ROLL_58)

    @property
    def width_mm(self) -> float:
        return _WIDTH_MM[self]

    @property
    def height_mm(self) -> float | None:
        """The sheet's height; None for a roll (as long as the content)."""
        return _HEIGHT_MM.get(self)

    @property
    def side_margin_mm(self) -> float:
        return _SIDE_MARGIN_MM[self]

    @property
    def end_margin_mm(self) -> float:
        """Top and bottom: a roll needs little (the cutter leaves its own), a sheet the usual 15 or 12 mm."""
        return 3.0 if self.is_roll else self.side_margin_mm

    @property
    def printable_width_mm(self) -> float:
        return self.width_mm - 2 * self.side_margin_mm


_WIDTH_MM = {Paper.A4: 210.0, Paper.A5: 148.0, Paper.ROLL_80: 80.0, Paper.ROLL_58: 58.0}
_HEIGHT_MM = {Paper.A4: 297.0, Paper.A5: 210.0}
_SIDE_MARGIN_MM = {Paper.A4: 15.0, Paper.A5: 12.0, Paper.ROLL_80: 4.0, Paper.ROLL_58: 5.0}
