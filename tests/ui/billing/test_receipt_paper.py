"""Receipts on every paper a desk may have: A4, A5 and receipt rolls 80 mm and 58 mm (issue 17). Each is saved as
a PDF through the desk's own printing and read back: the page's width, the text, the QR of the bill number, and on
a 58 mm roll that no line runs past the part the thermal head prints."""

from __future__ import annotations

from itertools import count

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPageLayout
from PySide6.QtPrintSupport import QPrintDialog, QPrinter

from homa_desk.config import Settings
from homa_desk.domain.errors import FormErrors
from homa_desk.domain.paper import Paper
from homa_desk.services import billing
from homa_desk.services import settings as settings_service
from homa_desk.services.clinic import ClinicInfo
from homa_desk.services.settings import SettingsForm
from homa_desk.ui.billing import receipt
from homa_desk.ui.billing.receipt import save_receipt_pdf
from tests.services.billing_helpers import a_bill, a_patient
from tests.ui.billing.test_billing_bill import open_bill
from tests.ui.pdf_pages import PdfPages
from tests.ui.settings.test_settings_connections import open_tab, save, type_into

CLINIC = ClinicInfo(name="Sunrise Multispeciality Clinic", address="12 MG Road, Near Deccan Gymkhana\nPune 411004",
                    phone="020 1234 5678")
LONG_LINES = (
    ("procedure", "Physiotherapy session with ultrasound and interferential therapy", "12", "125000"),
    ("lab_test", "Complete blood count (CBC) with peripheral smear examination", "2", "150.25", "0.50"),
    ("other", "Dressing-and-bandage-of-a-long-wound-without-any-spaces-at-all", "1", "80"),
)
UTRS = (f"4123456789{n:02d}" for n in count())


def a_part_paid_bill(uow, actor, *lines):  # type: ignore[no-untyped-def]
    bill = a_bill(uow, actor, a_patient(uow, actor),
                  *(lines or (("consultation", "Consultation", "1", "1200"),
                              ("lab_test", "CBC", "2", "150.25", "0.50"))))
    return billing.record_payment(uow, actor, bill.id, amount="1000", method="upi", reference=next(UTRS))


@pytest.mark.parametrize("paper", list(Paper))
def test_each_paper_has_its_width_the_bill_and_the_qr_of_its_number(qapp, tmp_path, uow, receptionist, paper):
    bill = a_part_paid_bill(uow, receptionist)
    with PdfPages(save_receipt_pdf(bill, CLINIC, tmp_path / "receipt.pdf", paper)) as pdf:
        width, height = pdf.size_mm()
        text = pdf.text()
        assert abs(width - paper.width_mm) <= 1
        assert pdf.count == 1
        for expected in (bill.bill_number, "Kavya Nair", "Total ₹1,500.00", "Paid ₹1,000.00", "₹500.00",
                         "Rupees One Thousand Five Hundred Only", bill.payments[0].reference,
                         "Sunrise Multispeciality Clinic"):
            assert expected in text, expected
        assert pdf.qr_texts() == [bill.bill_number]
    if paper.is_roll:
        assert 80 < height < 250  # as long as the receipt, not a sheet's height
    else:
        assert abs(height - paper.height_mm) <= 1


@pytest.mark.parametrize("paper", [Paper.ROLL_80, Paper.ROLL_58])
def test_a_roll_stacks_each_line_and_grows_with_the_bill(qapp, tmp_path, uow, receptionist, paper):
    short = a_part_paid_bill(uow, receptionist)
    long = a_part_paid_bill(uow, receptionist, *LONG_LINES * 4)
    with PdfPages(save_receipt_pdf(short, CLINIC, tmp_path / "short.pdf", paper)) as pdf:
        short_height = pdf.size_mm()[1]
        assert "1 × ₹1,200.00 ₹1,200.00" in pdf.text() and "2 × ₹150.25 − ₹0.50 ₹300.00" in pdf.text()
    with PdfPages(save_receipt_pdf(long, CLINIC, tmp_path / "long.pdf", paper)) as pdf:
        assert pdf.count == 1  # one continuous roll page, never cut into sheets
        assert pdf.size_mm()[1] > short_height + 100
        assert "12×₹1,25,000.00₹15,00,000.00" in pdf.text().replace(" ", "")  # may wrap on 58 mm


@pytest.mark.parametrize("paper", [Paper.ROLL_58, Paper.ROLL_80, Paper.A5])
def test_no_line_runs_past_the_printable_width(qapp, tmp_path, uow, receptionist, paper):
    bill = a_part_paid_bill(uow, receptionist, *LONG_LINES)
    with PdfPages(save_receipt_pdf(bill, CLINIC, tmp_path / "receipt.pdf", paper)) as pdf:
        bounds = pdf.text_bounds_mm()
        assert pdf.count == 1 or not paper.is_roll
        assert "Dressing-and-bandage-of-a-long-wound-without-any-spaces-at-all" in pdf.text().replace(" ", "")
    assert bounds.left() >= paper.side_margin_mm - 0.5
    assert bounds.right() <= paper.width_mm - paper.side_margin_mm + 0.5
    assert bounds.width() > paper.printable_width_mm * 0.8  # the text uses the roll's width, not a strip of it


def test_the_desk_paper_setting_decides_when_none_is_given(qapp, tmp_path, uow, receptionist):
    bill = a_part_paid_bill(uow, receptionist)
    Settings(receipt_paper="roll58").save()
    with PdfPages(save_receipt_pdf(bill, CLINIC, tmp_path / "roll.pdf")) as pdf:
        assert abs(pdf.size_mm()[0] - 58) <= 1
    Settings(receipt_paper="letter-from-a-newer-version").save()
    with PdfPages(save_receipt_pdf(bill, CLINIC, tmp_path / "a4.pdf")) as pdf:
        assert abs(pdf.size_mm()[0] - 210) <= 1


def test_the_paper_is_chosen_in_settings_for_this_desk(qtbot, backend, uow, admin, receptionist, tmp_path,
                                                       memory_keyring):
    tab = open_tab(qtbot, backend, admin)
    assert tab.inputs["receipt_paper"].currentData() == "a4"
    type_into(qtbot, tab, {"receipt_paper": "roll58"})
    save(qtbot, tab)
    assert tab.status.text().startswith("Saved")
    assert Settings.load().receipt_paper == "roll58"

    bill = a_part_paid_bill(uow, receptionist)
    dialog = open_bill(qtbot, backend, receptionist, bill.id)
    with PdfPages(dialog.save_pdf(tmp_path / "receipt.pdf")) as pdf:
        assert abs(pdf.size_mm()[0] - 58) <= 1 and bill.bill_number in pdf.text()


def test_a_paper_the_desk_does_not_know_is_refused_next_to_the_field(uow, admin, memory_keyring):
    with pytest.raises(FormErrors) as refused:
        settings_service.save_settings(uow, admin, SettingsForm(receipt_paper="roll110"))
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("receipt_paper", "Choose A4, A5 or a receipt roll.")]
    assert Settings.load() == Settings()  # nothing written


@pytest.mark.parametrize("paper", list(Paper))
def test_print_offers_the_desk_paper_and_prints_on_it(qtbot, backend, uow, receptionist, tmp_path, monkeypatch,
                                                      paper):
    """The print dialog opens on the desk's paper; the receptionist prints to a PDF file (as "Print to file" does)."""
    Settings(receipt_paper=paper.value).save()
    bill = a_part_paid_bill(uow, receptionist)
    target = tmp_path / "printed.pdf"
    offered: list[float] = []

    def print_to_file(dialog) -> int:  # type: ignore[no-untyped-def]
        printer = dialog.printer()
        offered.append(printer.pageLayout().fullRect(QPageLayout.Unit.Millimeter).width())
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        return QPrintDialog.DialogCode.Accepted

    monkeypatch.setattr(receipt, "exec_dialog", print_to_file)
    dialog = open_bill(qtbot, backend, receptionist, bill.id)
    qtbot.waitUntil(lambda: dialog.clinic.name != "")
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert offered == [pytest.approx(paper.width_mm, abs=1)]
    with PdfPages(target) as pdf:
        assert abs(pdf.size_mm()[0] - paper.width_mm) <= 1
        assert bill.bill_number in pdf.text() and pdf.qr_texts() == [bill.bill_number]
