from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from homa_desk.domain.billing import (
    BillLine,
    LineInput,
    LineKind,
    bill_number,
    financial_year,
    totals,
    validate_lines,
)
from homa_desk.domain.errors import FormErrors


def test_totals_with_discounts_and_payments():
    lines = [
        BillLine(LineKind.CONSULTATION, "Consultation", Decimal("1"), Decimal("500.00")),
        BillLine(LineKind.MEDICINE, "Paracetamol 500 mg", Decimal("10"), Decimal("2.35"), Decimal("3.50")),
        BillLine(LineKind.LAB_TEST, "CBC", Decimal("1"), Decimal("350.00"), Decimal("50.00")),
    ]
    result = totals(lines, paid=Decimal("600.00"), refunded=Decimal("100.00"))
    assert result.gross == Decimal("873.50")
    assert result.discount == Decimal("53.50")
    assert result.total == Decimal("820.00")
    assert result.balance_due == Decimal("320.00")


def test_line_amounts_round_half_up_to_paise():
    assert BillLine(LineKind.MEDICINE, "Syrup", Decimal("1.5"), Decimal("33.33")).gross == Decimal("50.00")
    assert BillLine(LineKind.MEDICINE, "Tab", Decimal("0.333"), Decimal("10.00")).gross == Decimal("3.33")


def test_form_lines_are_validated_with_cell_addresses():
    with pytest.raises(FormErrors) as error:
        validate_lines([
            LineInput("consultation", "Consultation", "1", "500"),
            LineInput("x-ray", "", "0", "abc", "-1"),
            LineInput("medicine", "Tab", "2", "10", "25"),
        ])
    fields = error.value.by_field()
    assert set(fields) == {"lines.1.kind", "lines.1.description", "lines.1.quantity", "lines.1.unit_price",
                           "lines.1.discount", "lines.2.discount"}


def test_an_empty_bill_is_refused():
    with pytest.raises(FormErrors, match="at least one line"):
        validate_lines([])


def test_valid_lines():
    [line] = validate_lines([LineInput("procedure", "  Dressing  ", "2", "150", "")])
    assert (line.description, line.total) == ("Dressing", Decimal("300.00"))


@pytest.mark.parametrize("day, fy", [
    (date(2026, 4, 1), "2026-27"), (date(2027, 3, 31), "2026-27"), (date(2026, 3, 31), "2025-26"),
    (date(2099, 12, 1), "2099-00"),
])
def test_financial_year(day, fy):
    assert financial_year(day) == fy


def test_bill_number():
    assert bill_number("2026-27", 123) == "2026-27/000123"


@given(st.lists(st.tuples(st.text(max_size=30), st.text(max_size=30), st.text(max_size=12), st.text(max_size=12),
                          st.text(max_size=12)), max_size=5))
def test_arbitrary_form_input_never_escapes_as_anything_but_form_errors(rows):
    try:
        validate_lines([LineInput(*row) for row in rows])
    except FormErrors as error:
        assert error.errors
