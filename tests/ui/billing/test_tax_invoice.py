"""GST documents read back from the PDF on every paper: a tax invoice with CGST+SGST inside the state, IGST to
another state, a bill of supply for exempt-only bills, and the plain receipt when the clinic has no GSTIN."""

from __future__ import annotations

import pytest

from homa_desk.domain.paper import Paper
from homa_desk.services import billing
from homa_desk.services.clinic import ClinicInfo
from homa_desk.ui.billing.receipt import save_receipt_pdf
from tests.services.billing_helpers import a_patient
from tests.services.price_list_helpers import GSTIN, an_item, line_of
from tests.ui.pdf_pages import PdfPages

CLINIC = ClinicInfo(name="Sunrise Dental Clinic", address="12 MG Road\nPune 411004", phone="020 1234 5678",
                    gstin=GSTIN)


@pytest.fixture
def items(uow, admin):  # type: ignore[no-untyped-def]
    return (an_item(uow, admin, "WHITE", "Teeth whitening", "1180", "18", sac_hsn="999722"),
            an_item(uow, admin, "PCM", "Paracetamol 500 mg strip", "112", "12", kind="medicine", sac_hsn="3004"),
            an_item(uow, admin, "XRAY", "X-ray, one tooth", "250"))


def a_bill(uow, actor, *lines, place=None):  # type: ignore[no-untyped-def]
    return billing.create_bill(uow, actor, patient_id=a_patient(uow, actor), lines=list(lines),
                               place_of_supply=place)


def text_of(bill, tmp_path, paper, clinic=CLINIC) -> str:  # type: ignore[no-untyped-def]
    """The PDF's text, after checking the page is the paper's width and no text runs past its printable part."""
    with PdfPages(save_receipt_pdf(bill, clinic, tmp_path / f"{paper.value}.pdf", paper)) as pdf:
        assert pdf.count == 1 or not paper.is_roll
        assert abs(pdf.size_mm()[0] - paper.width_mm) <= 1
        bounds = pdf.text_bounds_mm()
        assert bounds.left() >= paper.side_margin_mm - 0.5
        assert bounds.right() <= paper.width_mm - paper.side_margin_mm + 0.5
        return pdf.text()


@pytest.mark.parametrize("paper", list(Paper))
def test_a_taxed_bill_in_the_clinics_state_is_a_tax_invoice_with_cgst_and_sgst(qapp, tmp_path, uow, receptionist,
                                                                              items, paper):
    whitening, tablets, _ = items
    bill = a_bill(uow, receptionist, line_of(whitening), line_of(tablets, "2"))
    text = text_of(bill, tmp_path, paper)
    for expected in ("Tax invoice", f"GSTIN {GSTIN}", "Invoice No.", bill.bill_number, "Maharashtra (27)",
                     "reverse charge No", "SAC/HSN 999722", "SAC/HSN 3004", "CGST 9% ₹90.00", "SGST 9% ₹90.00",
                     "CGST 6% ₹12.00", "SGST 6% ₹12.00", "₹1,000.00", "₹200.00", "Total ₹1,404.00",
                     "Authorised signatory"):
        assert expected in text, expected
    assert "IGST" not in text and "Bill of supply" not in text


@pytest.mark.parametrize("paper", [Paper.A4, Paper.ROLL_58])
def test_to_another_state_the_tax_is_igst(qapp, tmp_path, uow, receptionist, items, paper):
    whitening, _, xray = items
    bill = a_bill(uow, receptionist, line_of(whitening), line_of(xray), place="29")
    assert bill.place_of_supply == "29"
    text = text_of(bill, tmp_path, paper)
    for expected in ("Invoice-cum-bill of supply", "Karnataka (29)", "IGST 18% ₹180.00", "Exempt",
                     "notification 12/2017-Central Tax (Rate), entry 74", "Total ₹1,430.00"):
        assert expected in text, expected
    assert "CGST" not in text and "SGST" not in text


@pytest.mark.parametrize("paper", [Paper.A5, Paper.ROLL_80])
def test_an_exempt_only_bill_under_a_gstin_is_a_bill_of_supply(qapp, tmp_path, uow, receptionist, items, paper):
    bill = a_bill(uow, receptionist, line_of(items[2]))
    text = text_of(bill, tmp_path, paper)
    for expected in ("Bill of supply", "Bill No.", f"GSTIN {GSTIN}", "SAC/HSN 9993", "no tax is charged on this bill",
                     "Authorised signatory"):
        assert expected in text, expected
    assert "Tax invoice" not in text and "CGST" not in text and "Taxable value" not in text


def test_without_a_gstin_the_receipt_stays_a_receipt(qapp, tmp_path, uow, receptionist, items):
    bill = a_bill(uow, receptionist, line_of(items[0]))
    text = text_of(bill, tmp_path, Paper.A4, ClinicInfo(name="Sunrise Dental Clinic"))
    assert "Receipt / Bill No." in text and "Total ₹1,180.00" in text
    for absent in ("Tax invoice", "GSTIN", "CGST", "SAC/HSN", "Authorised signatory"):
        assert absent not in text, absent
