"""Advances at the desk, driving the real widgets: receive one on the profile's Advances tab, use it from the bill
screen ("Use advance (₹X available)"), refund what is left (admins), and the receipts that say so on every paper."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from homa_desk.domain.paper import Paper
from homa_desk.services import advances, billing
from homa_desk.services.clinic import ClinicInfo
from homa_desk.ui.billing.advance_receipt import save_advance_receipt_pdf
from homa_desk.ui.billing.receipt import save_receipt_pdf
from homa_desk.ui.patients.patient_advances import PatientAdvancesPanel
from tests.services.advance_helpers import an_advance
from tests.services.billing_helpers import a_bill, a_patient
from tests.ui.billing.test_billing_bill import open_bill
from tests.ui.pdf_pages import PdfPages

CLINIC = ClinicInfo(name="Sunrise Multispeciality Clinic", address="12 MG Road\nPune 411004", phone="020 1234 5678")


@pytest.fixture
def patient(uow, receptionist):
    return a_patient(uow, receptionist)


def open_panel(qtbot, backend, actor, patient_id) -> PatientAdvancesPanel:
    panel = PatientAdvancesPanel(backend, actor, patient_id, "Kavya Nair")
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.account is not None)
    return panel


def test_the_desk_receives_an_advance_on_the_profile_with_the_keyboard(qtbot, backend, uow, receptionist, patient):
    panel = open_panel(qtbot, backend, receptionist, patient)
    assert panel.balance.text() == "No advances yet." and not panel.refund_button.isVisibleTo(panel)
    panel.receive_button.click()
    dialog = panel.dialog
    qtbot.keyClicks(dialog.amount, "0")
    qtbot.keyClick(dialog.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.errors.label("amount").isVisibleTo(dialog))
    dialog.amount.clear()
    qtbot.keyClicks(dialog.amount, "2000")
    dialog.method.setCurrentIndex(4)  # UPI: its UTR is needed
    qtbot.keyClicks(dialog.purpose, "Root canal deposit")
    qtbot.keyClick(dialog.purpose, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.errors.label("reference").isVisibleTo(dialog))
    assert "UTR" in dialog.errors.label("reference").text()
    qtbot.keyClicks(dialog.reference, "412345678955")
    qtbot.keyClick(dialog.reference, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.account is not None and len(panel.account.advances) == 1)
    assert "₹2,000.00" in panel.balance.text()
    assert [panel.list.item(0, c).text() for c in (2, 3, 4, 7)] == ["Root canal deposit", "UPI", "₹2,000.00",
                                                                    "₹2,000.00"]
    assert advances.patient_advances(uow, receptionist, patient).available == Decimal("2000.00")


def test_use_advance_from_the_bill_screen_then_cancel_gives_it_back(qtbot, backend, uow, admin, receptionist,
                                                                     patient):
    an_advance(uow, receptionist, patient, "600")
    bill = a_bill(uow, receptionist, patient, ("procedure", "Scaling", "1", "1000"))
    dialog = open_bill(qtbot, backend, receptionist, bill.id)
    assert dialog.advance_button.isVisibleTo(dialog) and dialog.advance_button.isEnabled()
    assert dialog.advance_button.text() == "Use advance (₹600.00 available)…"
    use = dialog.use_advance()
    assert use.amount.text() == "600.00"  # what is available, the due being more
    use.amount.setText("700")
    qtbot.keyClick(use.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: use.errors.label("amount").isVisibleTo(use))
    assert use.errors.label("amount").text() == "Only ₹600.00 of the patient's advances is left."
    use.amount.setText("600")
    qtbot.keyClick(use.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.bill.totals.from_advance == Decimal("600.00"))
    assert "Balance due ₹400.00" in dialog.heading.text() and "Paid from advance ₹600.00" in dialog.totals.text()
    assert [dialog.payments.item(0, c).text() for c in (1, 2, 3)] == ["Paid from advance", "₹600.00", "Applied"]
    assert not dialog.advance_button.isVisibleTo(dialog) and not dialog.edit_button.isEnabled()

    admin_view = open_bill(qtbot, backend, admin, bill.id)
    assert admin_view.cancel_button.isEnabled()
    admin_view.cancel_button.click()
    cancel = admin_view.admin_dialog
    qtbot.keyClicks(cancel.reason, "Entered for the wrong patient")
    cancel.save_button.click()
    qtbot.waitUntil(lambda: admin_view.bill.status.value == "cancelled")
    assert admin_view.payments.item(0, 3).text() == "Returned to the advance (bill cancelled)"
    assert advances.patient_advances(uow, receptionist, patient).available == Decimal("600.00")


def test_an_admin_refunds_what_is_left_with_a_reference(qtbot, backend, uow, admin, receptionist, patient):
    advance = an_advance(uow, receptionist, patient, "1500")
    bill = a_bill(uow, receptionist, patient)
    advances.apply_advance(uow, receptionist, bill.id, amount="500")
    panel = open_panel(qtbot, backend, admin, patient)
    assert panel.selected().id == advance.id
    assert [panel.details.item(0, c).text() for c in (1, 2)] == [f"Used on bill {bill.bill_number}", "₹500.00"]
    panel.refund_button.click()
    refund = panel.dialog
    assert refund.amount.text() == "1000.00"
    refund.amount.setText("1200")
    qtbot.keyClicks(refund.reason, "Treatment postponed")
    refund.save_button.click()
    qtbot.waitUntil(lambda: refund.errors.label("reference").isVisibleTo(refund))
    qtbot.keyClicks(refund.reference, "NEFT N12345")
    refund.save_button.click()
    qtbot.waitUntil(lambda: refund.errors.label("amount").isVisibleTo(refund))
    assert refund.errors.label("amount").text() == "Only ₹1,000.00 of this advance is left to refund."
    refund.amount.setText("1000")
    refund.save_button.click()
    qtbot.waitUntil(lambda: panel.account is not None and panel.account.available == Decimal("0.00"))
    assert panel.details.item(1, 3).text() == "NEFT N12345" and not panel.refund_button.isEnabled()


@pytest.mark.parametrize("paper", list(Paper))
def test_the_advance_receipt_on_every_paper(qapp, tmp_path, uow, receptionist, patient, paper):
    advance = an_advance(uow, receptionist, patient, "2500", method="card", reference="HDFC slip 42")
    bill = a_bill(uow, receptionist, patient)
    advances.apply_advance(uow, receptionist, bill.id, amount="500")
    advance = advances.get_advance(uow, receptionist, advance.id)
    with PdfPages(save_advance_receipt_pdf(advance, CLINIC, tmp_path / "advance.pdf", paper)) as pdf:
        text = pdf.text()
        assert abs(pdf.size_mm()[0] - paper.width_mm) <= 1 and pdf.count == 1
        for expected in ("Advance receipt No.", advance.number, "Kavya Nair", "Root canal deposit", "₹2,500.00",
                         "HDFC slip 42", f"Used on bill {bill.bill_number}", "Left on account", "₹2,000.00",
                         "Rupees Two Thousand Five Hundred Only"):
            assert expected in text, expected
        assert pdf.qr_texts() == [advance.number]
        if paper is Paper.ROLL_58:
            bounds = pdf.text_bounds_mm()
            assert bounds.right() <= paper.width_mm - paper.side_margin_mm + 0.5


@pytest.mark.parametrize("paper", [Paper.A4, Paper.ROLL_80])
def test_a_bills_receipt_lists_what_was_paid_from_advance(qapp, tmp_path, uow, receptionist, patient, paper):
    advance = an_advance(uow, receptionist, patient, "300")
    bill = a_bill(uow, receptionist, patient)
    advances.apply_advance(uow, receptionist, bill.id, amount="300")
    bill = billing.record_payment(uow, receptionist, bill.id, amount="200", method="cash")
    with PdfPages(save_receipt_pdf(bill, CLINIC, tmp_path / "receipt.pdf", paper)) as pdf:
        text = pdf.text()
    for expected in ("Paid from advance ₹300.00", advance.number, "Paid ₹200.00"):
        assert expected in text, expected


def test_the_profile_titles_its_advances_tab_without_loading_it(qtbot, backend, uow, admin, receptionist, patient):
    """The balance rides in the profile's own statement (one round trip); the tab's list loads when chosen."""
    from homa_desk.ui.patients.patient_profile import PatientProfileDialog

    an_advance(uow, receptionist, patient, "1500")
    bill = a_bill(uow, receptionist, patient)
    advances.apply_advance(uow, receptionist, bill.id, amount="500")
    an_advance(uow, receptionist, patient, "200")
    profile = PatientProfileDialog(backend, receptionist, patient)
    qtbot.addWidget(profile)
    profile.show()
    qtbot.waitUntil(lambda: profile.profile is not None)
    tab = profile.sections.indexOf(profile.advances)
    assert profile.sections.tabText(tab) == "Advances (₹1,200.00)"
    assert profile.profile.advance_balance == Decimal("1200.00")
    assert profile.advances.account is None and not profile.advances.loading  # not read until chosen
    profile.sections.setCurrentIndex(tab)
    qtbot.waitUntil(lambda: profile.advances.account is not None)
    assert [a.available for a in profile.advances.account.advances] == [Decimal("200.00"), Decimal("1000.00")]
    assert profile.sections.tabText(tab) == "Advances (₹1,200.00)"


def test_a_patient_without_advances_has_a_plain_tab_title(qtbot, backend, receptionist, patient):
    from homa_desk.ui.patients.patient_profile import PatientProfileDialog

    profile = PatientProfileDialog(backend, receptionist, patient)
    qtbot.addWidget(profile)
    profile.show()
    qtbot.waitUntil(lambda: profile.profile is not None)
    assert profile.profile.advance_balance is None
    assert profile.sections.tabText(profile.sections.indexOf(profile.advances)) == "Advances"
