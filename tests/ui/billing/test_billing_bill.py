"""The bill screen: part payment then the balance, errors next to fields, admin-only refund and cancel, receipt."""

from __future__ import annotations

from decimal import Decimal

import pytest

from homa_desk.domain.billing import BillStatus, PaymentMethod, SessionStatus
from homa_desk.gateways.simulator import SimulatorGateway
from homa_desk.services import billing
from homa_desk.ui.billing.bill_screen import BillDialog
from tests.services.billing_helpers import a_bill, a_patient
from tests.ui.billing.test_receipt import pdf_text
from tests.ui.billing.upi_helpers import backend_with


@pytest.fixture
def bill(uow, receptionist):
    return a_bill(uow, receptionist, a_patient(uow, receptionist), ("consultation", "Consultation", "1", "800"))


def open_bill(qtbot, backend, actor, bill_id) -> BillDialog:
    dialog = BillDialog(backend, actor, bill_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.bill is not None)
    return dialog


def test_part_payment_then_the_balance(qtbot, backend, uow, receptionist, bill):
    dialog = open_bill(qtbot, backend, receptionist, bill.id)
    assert "Balance due ₹800.00" in dialog.heading.text()
    pay = dialog.take_payment()
    assert pay.amount.text() == "800.00" and pay.selected_method() is PaymentMethod.CASH
    pay.amount.setText("900")
    pay.save_button.click()
    qtbot.waitUntil(lambda: pay.errors.label("amount").isVisibleTo(pay))
    assert pay.errors.label("amount").text() == "Only ₹800.00 is due on this bill."
    pay.amount.setText("300")
    pay.method.setCurrentIndex(1)  # card
    qtbot.keyClicks(pay.reference, "slip 4411")
    pay.save_button.click()
    qtbot.waitUntil(lambda: dialog.bill.totals.net_paid == Decimal("300.00"))
    assert "Balance due ₹500.00" in dialog.heading.text() and dialog.payments.rowCount() == 1
    assert dialog.payments.item(0, 1).text() == "Card" and dialog.payments.item(0, 4).text() == "slip 4411"
    pay = dialog.take_payment(PaymentMethod.UPI)
    assert pay.amount.text() == "500.00"
    pay.save_button.click()
    qtbot.waitUntil(lambda: pay.errors.label("reference").isVisibleTo(pay))
    assert "UTR" in pay.errors.label("reference").text()
    qtbot.keyClicks(pay.reference, "412345678901")
    pay.save_button.click()
    qtbot.waitUntil(lambda: dialog.bill.status is BillStatus.PAID)
    assert dialog.heading.text().endswith("Paid") and not dialog.pay_button.isEnabled()
    assert not dialog.upi_button.isEnabled()


def test_receptionist_sees_no_refund_or_cancel(qtbot, backend, receptionist, bill):
    dialog = open_bill(qtbot, backend, receptionist, bill.id)
    assert not dialog.refund_button.isVisibleTo(dialog) and not dialog.cancel_button.isVisibleTo(dialog)
    dialog.refund()
    assert dialog.admin_dialog is None


def test_admin_refunds_part_with_a_reason(qtbot, backend, uow, admin, receptionist, bill):
    billing.record_payment(uow, receptionist, bill.id, amount="800", method="cash")
    dialog = open_bill(qtbot, backend, admin, bill.id)
    assert dialog.refund_button.isVisibleTo(dialog) and dialog.refund_button.isEnabled()
    assert not dialog.cancel_button.isEnabled()
    dialog.refund_button.click()
    refund = dialog.admin_dialog
    assert refund.amount.text() == "800.00"
    refund.amount.setText("200")
    refund.save_button.click()
    qtbot.waitUntil(lambda: refund.errors.label("reason").isVisibleTo(refund))
    qtbot.keyClicks(refund.reason, "Lab test not done")
    refund.save_button.click()
    qtbot.waitUntil(lambda: dialog.bill.totals.refunded == Decimal("200.00"))
    assert "Refunded ₹200.00" in dialog.totals.text() and "Balance due <b>₹200.00</b>" in dialog.totals.text()
    assert "refunded ₹200.00" in dialog.payments.item(0, 3).text()


def test_admin_cancels_an_unpaid_bill(qtbot, backend, admin, bill):
    dialog = open_bill(qtbot, backend, admin, bill.id)
    dialog.cancel_button.click()
    cancel = dialog.admin_dialog
    qtbot.keyClicks(cancel.reason, "Created twice")
    cancel.save_button.click()
    qtbot.waitUntil(lambda: dialog.bill.status is BillStatus.CANCELLED)
    assert "Cancelled" in dialog.heading.text() and not dialog.pay_button.isEnabled()


def test_switch_to_cash_cancels_the_qr_and_opens_cash_payment(qtbot, backend, uow, receptionist, bill):
    dialog = open_bill(qtbot, backend_with(backend, SimulatorGateway()), receptionist, bill.id)
    panel = dialog.pay_by_upi()
    qtbot.waitUntil(lambda: panel.state is SessionStatus.ACTIVE)
    display = panel.display
    panel.cash_button.click()
    qtbot.waitUntil(lambda: dialog.payment_dialog is not None, timeout=5000)
    assert display.state == "cancelled"
    pay = dialog.payment_dialog
    assert pay.selected_method() is PaymentMethod.CASH and pay.amount.text() == "800.00"
    pay.save_button.click()
    qtbot.waitUntil(lambda: dialog.bill.status is BillStatus.PAID)
    assert [p.method for p in billing.get_bill(uow, receptionist, bill.id).payments] == [PaymentMethod.CASH]


def test_save_pdf_from_the_bill_screen(qtbot, backend, uow, receptionist, bill, tmp_path):
    billing.record_payment(uow, receptionist, bill.id, amount="800", method="cash")
    dialog = open_bill(qtbot, backend, receptionist, bill.id)
    qtbot.waitUntil(lambda: dialog.clinic.name != "")
    path = dialog.save_pdf(tmp_path / "r.pdf")
    text = pdf_text(path)
    assert bill.bill_number in text and "Sunrise Clinic" in text and "Rupees Eight Hundred Only" in text
