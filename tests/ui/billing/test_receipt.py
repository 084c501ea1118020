"""The receipt PDF: saved through QtPrintSupport and read back with QtPdf."""

from __future__ import annotations

from PySide6.QtPdf import QPdfDocument
from sqlalchemy import text

from homa_desk.domain.amount_words import rupees_in_words
from homa_desk.services import billing
from homa_desk.services.clinic import ClinicInfo
from homa_desk.ui.billing.receipt import receipt_html, save_receipt_pdf
from tests.services.billing_helpers import a_bill, a_patient


def pdf_text(path) -> str:
    document = QPdfDocument()
    assert document.load(str(path)) == QPdfDocument.Error.None_
    text = " ".join(document.getAllText(page).text() for page in range(document.pageCount()))
    document.close()
    return " ".join(text.split())


def test_saved_pdf_has_number_words_and_totals(qapp, tmp_path, uow, receptionist):
    bill = a_bill(uow, receptionist, a_patient(uow, receptionist),
                  ("consultation", "Consultation", "1", "1200"), ("lab_test", "CBC", "2", "150.25", "0.50"))
    bill = billing.record_payment(uow, receptionist, bill.id, amount="1000", method="cash")
    clinic = ClinicInfo(name="Sunrise Clinic", address="12 MG Road, Pune", phone="020 1234 5678")
    path = save_receipt_pdf(bill, clinic, tmp_path / "receipt.pdf")
    text = pdf_text(path)
    assert bill.bill_number in text
    assert rupees_in_words(bill.totals.total) == "Rupees One Thousand Five Hundred Only"
    assert "Rupees One Thousand Five Hundred Only" in text
    for expected in ("Sunrise Clinic", "12 MG Road, Pune", "Kavya Nair", "₹1,500.00", "₹1,000.00", "₹500.00",
                     "Balance due", "Cash"):
        assert expected in text, expected


def test_a_payment_shows_its_status_as_a_word_not_a_stored_value(qapp, tmp_path, uow, receptionist):
    """Issue 18, defect 17: the receipt said "completed" in lower case, the value the database keeps."""
    bill = a_bill(uow, receptionist, a_patient(uow, receptionist), ("consultation", "Consultation", "1", "500"))
    bill = billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    text = pdf_text(save_receipt_pdf(bill, ClinicInfo(name="Sunrise Clinic"), tmp_path / "receipt.pdf"))
    assert "Cash Completed ₹500.00" in text and "completed" not in text


def test_paid_bill_says_paid_and_escapes_text(uow, receptionist):
    bill = a_bill(uow, receptionist, a_patient(uow, receptionist), ("other", "Dressing <b>& bandage</b>", "1", "80"))
    bill = billing.record_payment(uow, receptionist, bill.id, amount="80", method="upi", reference="412345678901")
    html = receipt_html(bill, ClinicInfo(name="A & B Clinic"))
    assert "A &amp; B Clinic" in html and "&lt;b&gt;" in html
    assert "Rupees Eighty Only" in html and ">Paid<" in html and "412345678901" in html


def test_the_receipt_carries_the_old_file_number_beside_the_patient_number(uow, engine, receptionist):
    patient = a_patient(uow, receptionist)
    with engine.begin() as conn:
        conn.execute(text("UPDATE patient_profiles SET old_file_number = 'F-2019/<88>' WHERE user_id = :p"),
                     {"p": patient})
    bill = a_bill(uow, receptionist, patient)
    html = receipt_html(billing.get_bill(uow, receptionist, bill.id), ClinicInfo(name="Sunrise Clinic"))
    assert f"Kavya Nair (No. {bill.patient_number}, old file F-2019/&lt;88&gt;)" in html
