from __future__ import annotations

from decimal import Decimal

import pytest

from homa_desk.domain.money import format_inr, from_paise, rupees, to_paise


def test_paise_round_trip():
    assert to_paise(Decimal("499.50")) == 49950
    assert from_paise(49950) == Decimal("499.50")


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        rupees(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("value, text", [
    ("0", "₹0.00"), ("999", "₹999.00"), ("1000", "₹1,000.00"), ("100000", "₹1,00,000.00"),
    ("1234567.5", "₹12,34,567.50"), ("-250", "-₹250.00"), ("123456789.99", "₹12,34,56,789.99"),
])
def test_indian_grouping(value, text):
    assert format_inr(Decimal(value)) == text
