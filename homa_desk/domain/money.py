"""Money is Decimal rupees inside the desk and integer paise at the gateway edge."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PAISE = Decimal("0.01")


def rupees(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money is never a float")
    return Decimal(value).quantize(PAISE, rounding=ROUND_HALF_UP)


def to_paise(value: Decimal) -> int:
    return int(rupees(value) * 100)


def from_paise(paise: int) -> Decimal:
    return rupees(Decimal(paise) / 100)


def format_inr(value: Decimal) -> str:
    """₹ with Indian digit grouping: ₹12,34,567.50."""
    value = rupees(value)
    sign = "-" if value < 0 else ""
    whole, _, fraction = f"{abs(value):.2f}".partition(".")
    if len(whole) > 3:
        head, tail = whole[:-3], whole[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        whole = ",".join([*groups, tail])
    return f"{sign}₹{whole}.{fraction}"
