from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from homa_desk.domain.billing import (
    MAX_QUANTITY,
    BillLine,
    LineInput,
    LineKind,
    bill_number,
    change_to_give,
    financial_year,
    looks_like_gateway_payment_id,
    totals,
    validate_lines,
)
from homa_desk.domain.errors import FormErrors, ValidationError
from homa_desk.domain.validation import MAX_AMOUNT


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


def test_a_line_or_a_bill_beyond_numeric_10_2_is_refused_where_it_is_typed():
    with pytest.raises(FormErrors) as error:
        validate_lines([LineInput("medicine", "Insulin", "9999", "99999999.99"),
                        LineInput("medicine", "Insulin", "2", "50000000")])
    fields = error.value.by_field()
    assert set(fields) == {"lines.0.total", "lines.1.total"}
    assert fields["lines.0.total"] == ("Quantity × rate comes to ₹9,99,89,99,99,900.01; a line can be at most"
                                       " ₹9,99,99,999.99.")
    with pytest.raises(FormErrors) as error:
        validate_lines([LineInput("procedure", "Surgery", "1", "50000000")] * 2)
    assert set(error.value.by_field()) == {"lines"}
    [line] = validate_lines([LineInput("medicine", "Insulin", "2", "50000000", "0.01")])
    assert line.total == MAX_AMOUNT


_MONEYISH = st.decimals(min_value=0, max_value=10**11, places=2, allow_nan=False, allow_infinity=False).map(str)
_QUANTITY = st.decimals(min_value=0, max_value=10**5, places=3, allow_nan=False, allow_infinity=False).map(str)


@given(st.lists(st.tuples(_QUANTITY, _MONEYISH, _MONEYISH), min_size=1, max_size=4))
def test_lines_that_pass_always_fit_the_columns(rows):
    try:
        lines = validate_lines([LineInput("other", "Item", q, p, d) for q, p, d in rows])
    except FormErrors as error:
        assert error.errors
        return
    assert all(0 < x.quantity <= MAX_QUANTITY and 0 <= x.total <= MAX_AMOUNT and x.discount <= MAX_AMOUNT
               for x in lines)
    assert totals(lines).total <= MAX_AMOUNT


@pytest.mark.parametrize("reference, expected", [
    ("pay_29QQoUBi66xm2f", True), ("pay_ab12cd_1", True), ("pay 29QQoUBi66xm2f", False), ("slip 42", False),
    ("432198765012", False), ("xpay_29QQoUBi66xm2f", False),
])
def test_gateway_payment_ids_typed_at_the_desk_are_recognised(reference, expected):
    assert looks_like_gateway_payment_id(reference) is expected


@pytest.mark.parametrize(("amount", "handed_over", "change"), [
    ("450", "500", Decimal("50.00")), ("450.50", "₹2,000", Decimal("1549.50")), ("500", "500", Decimal("0.00")),
    ("499.99", "500", Decimal("0.01")), ("450", "", None), ("450", "  ", None), ("450", None, None),
])
def test_the_change_to_give_is_exact_money(amount, handed_over, change):
    result = change_to_give(amount, handed_over)
    assert result == change and (result is None or isinstance(result, Decimal))


@pytest.mark.parametrize(("amount", "handed_over", "field", "message"), [
    ("450", "400", "handed_over", "Less than the amount: ₹50.00 more is needed."),
    ("1500", "1,000.50", "handed_over", "Less than the amount: ₹499.50 more is needed."),
    ("450", "abc", "handed_over", "Enter the amount in rupees, for example 500 or 499.50."),
    ("450", "0", "handed_over", "The amount must be more than zero."),
    ("", "500", "amount", "Enter the amount."),
])
def test_too_little_or_no_amount_handed_over_is_refused_on_its_field(amount, handed_over, field, message):
    with pytest.raises(ValidationError) as refused:
        change_to_give(amount, handed_over)
    assert (refused.value.field, refused.value.message) == (field, message)
