"""GST without I/O: the tax inside a tax-inclusive amount, its split, the document a bill is, rates and GSTINs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from homa_desk.domain.clinic_profile import gstin_check_character, optional_gstin
from homa_desk.domain.errors import ValidationError
from homa_desk.domain.gst import DocumentKind, document_kind, gst_rate, line_tax, summary_by_rate

D = Decimal


@pytest.mark.parametrize(("amount", "rate", "taxable", "cgst", "sgst"), [
    ("1180.00", "18", "1000.00", "90.00", "90.00"),
    ("112.00", "12", "100.00", "6.00", "6.00"),
    ("100.00", "5", "95.24", "2.38", "2.38"),
    ("0.05", "5", "0.05", "0.00", "0.00"),
    ("99.99", "28", "78.12", "10.94", "10.93"),  # the odd paisa goes to CGST
    ("250.00", "0", "250.00", "0.00", "0.00"),
])
def test_the_tax_inside_an_amount_adds_back_to_it(amount, rate, taxable, cgst, sgst):
    tax = line_tax(D(amount), D(rate), inter_state=False)
    assert (tax.taxable, tax.cgst, tax.sgst, tax.igst) == (D(taxable), D(cgst), D(sgst), 0)
    assert tax.taxable + tax.tax == D(amount)
    other_state = line_tax(D(amount), D(rate), inter_state=True)
    assert (other_state.taxable, other_state.igst, other_state.cgst) == (D(taxable), D(cgst) + D(sgst), 0)


def test_the_summary_adds_lines_by_rate():
    rows = summary_by_rate([line_tax(D("1180"), D("18"), inter_state=False),
                            line_tax(D("250"), D("0"), inter_state=False),
                            line_tax(D("590"), D("18"), inter_state=False)])
    assert [(r.rate, r.taxable, r.tax) for r in rows] == [(0, D("250"), 0), (18, D("1500.00"), D("270.00"))]


def test_which_document_a_bill_is():
    assert document_kind("", [D("18")]) is DocumentKind.RECEIPT
    assert document_kind("27AAPFU0939F1ZV", [D("0"), D("0")]) is DocumentKind.BILL_OF_SUPPLY
    assert document_kind("27AAPFU0939F1ZV", [D("18"), D("5")]) is DocumentKind.TAX_INVOICE
    assert document_kind("27AAPFU0939F1ZV", [D("18"), D("0")]) is DocumentKind.INVOICE_CUM_BILL


@pytest.mark.parametrize("typed", ["18", "18%", " 18.00 ", "18 %"])
def test_a_gst_rate_as_typed(typed):
    assert gst_rate(typed) == 18


@pytest.mark.parametrize("typed", ["7", "-18", "१८", "18.5", "", "abc", "1e1"])
def test_a_gst_rate_outside_the_five_is_refused(typed):
    with pytest.raises(ValidationError, match="Choose a GST rate"):
        gst_rate(typed)


def test_a_gstin_needs_a_state_code():
    body = "99AAPFU0939F1Z"
    with pytest.raises(ValidationError, match="state code"):
        optional_gstin(body + gstin_check_character(body))
    assert optional_gstin("29AAPFU0939F1Z" + gstin_check_character("29AAPFU0939F1Z")).startswith("29")
