"""The issue's walk-through against a local Razorpay: bill → Pay by UPI → QR on the customer display → paid at the
gateway → Paid on both screens within poll interval + 1 s → completed in the database → receipt. And the ways it
goes otherwise: cancel, wrong amount, an unwell gateway, a QR given only as an image."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from homa_desk.domain.billing import BillStatus, PaymentMethod, PaymentState, SessionStatus
from homa_desk.gateways.razorpay import RazorpayGateway
from homa_desk.services import billing
from homa_desk.ui.billing.bill_screen import BillDialog
from homa_desk.ui.billing.upi_panel import RETRYING
from tests.gateways.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay
from tests.services.billing_helpers import a_bill, a_patient
from tests.ui.billing.test_receipt import pdf_text
from tests.ui.billing.upi_helpers import backend_with, decode_label_qr

POLL = 0.5


@pytest.fixture
def server():
    with FakeRazorpay() as fake:
        yield fake


@pytest.fixture
def desk(backend, server):
    gateway = RazorpayGateway(KEY_ID, KEY_SECRET, base_url=server.base_url, retries=0)
    yield backend_with(backend, gateway, poll_interval=POLL)
    gateway.close()


@pytest.fixture
def bill(uow, receptionist):
    return a_bill(uow, receptionist, a_patient(uow, receptionist), ("consultation", "Consultation", "1", "650"),
                  ("lab_test", "CBC", "1", "350.50"))


def pay_by_upi(qtbot, desk, actor, bill_id):
    dialog = BillDialog(desk, actor, bill_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.bill is not None and dialog.upi_button.isEnabled())
    qtbot.mouseClick(dialog.upi_button, Qt.MouseButton.LeftButton)
    panel = dialog.upi_panel
    display = panel.display
    qtbot.addWidget(display)
    qtbot.waitUntil(lambda: panel.state is SessionStatus.ACTIVE and display.state == "qr", timeout=5000)
    return dialog, panel, display


def test_paid_at_the_gateway_shows_paid_on_both_screens_in_time(qtbot, desk, server, uow, receptionist, bill,
                                                                 tmp_path):
    dialog, panel, display = pay_by_upi(qtbot, desk, receptionist, bill.id)
    session = panel.session
    text, request = decode_label_qr(display.qr)
    assert text == session.upi_link and request.amount == session.amount == Decimal("1000.50")
    assert display.amount.text() == "₹1,000.50" and display.greeting.text() == "Namaste, Kavya"
    assert display.countdown.text().startswith("Valid for 9:") or display.countdown.text() == "Valid for 10:00"

    server.mark_paid(session.gateway_qr_id)
    started = time.monotonic()
    qtbot.waitUntil(lambda: panel.state is SessionStatus.COMPLETED and display.state == "paid",
                    timeout=int((POLL + 1) * 1000))
    elapsed = time.monotonic() - started
    assert elapsed <= POLL + 1, elapsed
    assert panel.status.text() == "Paid ✓" and display.message.text() == "Paid ✓\n₹1,000.50"

    stored = billing.get_bill(uow, receptionist, bill.id)
    [payment] = stored.payments
    assert stored.status is BillStatus.PAID
    assert (payment.method, payment.state, payment.amount) == (PaymentMethod.UPI, PaymentState.COMPLETED,
                                                               Decimal("1000.50"))
    qtbot.waitUntil(lambda: dialog.bill.status is BillStatus.PAID)
    path = dialog.save_pdf(tmp_path / "receipt.pdf")
    receipt = pdf_text(path)
    assert bill.bill_number in receipt and "Rupees One Thousand and Fifty Paise Only" in receipt
    assert "Paid" in receipt


def test_cancel_closes_the_qr_at_the_gateway(qtbot, desk, server, receptionist, bill):
    _dialog, panel, display = pay_by_upi(qtbot, desk, receptionist, bill.id)
    qr_id = panel.session.gateway_qr_id
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.state is SessionStatus.CANCELLED and display.state == "cancelled", timeout=5000)
    assert server.qrs[qr_id].data["status"] == "closed" and server.qrs[qr_id].data["close_reason"] == "on_demand"
    assert display.message.text() == "Payment cancelled" and panel.status.text() == "Cancelled."


def test_wrong_amount_needs_review_and_is_never_paid_on_the_display(qtbot, desk, server, uow, receptionist, bill):
    _dialog, panel, display = pay_by_upi(qtbot, desk, receptionist, bill.id)
    seen = []
    panel.poller.session_changed.connect(lambda _s: seen.append(display.state))
    server.wrong_amount(panel.session.gateway_qr_id)
    qtbot.waitUntil(lambda: panel.state is SessionStatus.REVIEW, timeout=3000)
    assert "Needs review" in panel.status.text() and "expected 1000.50" in panel.status.text()
    assert display.state == "review" and "checking your payment" in display.message.text()
    assert "paid" not in [*seen, display.state]
    stored = billing.get_bill(uow, receptionist, bill.id)
    assert stored.status is BillStatus.OPEN and stored.payments[0].review_reason


def test_gateway_errors_say_retrying_then_paid_once_it_recovers(qtbot, desk, server, receptionist, bill):
    _dialog, panel, display = pay_by_upi(qtbot, desk, receptionist, bill.id)
    panel.poller.schedule.max_backoff = 1.0
    server.fail_next(2, 500, method="GET")
    qtbot.waitUntil(lambda: panel.gateway_note.isVisibleTo(panel), timeout=3000)
    assert panel.gateway_note.text() == RETRYING and panel.state is SessionStatus.ACTIVE
    server.rate_limit_next(1, retry_after=1, method="GET")
    server.mark_paid(panel.session.gateway_qr_id)
    qtbot.waitUntil(lambda: panel.state is SessionStatus.COMPLETED and display.state == "paid", timeout=8000)
    assert not panel.gateway_note.isVisibleTo(panel)
    assert server.calls("GET") >= 4


def test_qr_given_only_as_an_image_is_fetched_for_both_screens(qtbot, backend, uow, receptionist, bill):
    with FakeRazorpay(image_content=False) as server:
        gateway = RazorpayGateway(KEY_ID, KEY_SECRET, base_url=server.base_url, retries=0)
        desk = backend_with(backend, gateway, poll_interval=POLL)
        _dialog, panel, display = pay_by_upi(qtbot, desk, receptionist, bill.id)
        assert panel.session.upi_link.startswith("http")
        text, request = decode_label_qr(display.qr)
        assert text.startswith("upi://pay") and request.amount == Decimal("1000.50")
        panel.cancel_payment()
        qtbot.waitUntil(lambda: panel.state is SessionStatus.CANCELLED, timeout=5000)
        gateway.close()


def test_a_refused_qr_says_why_next_to_the_qr_and_offers_cash(qtbot, desk, server, uow, receptionist):
    """Razorpay takes ₹1 or more: a 50-paise balance is refused before asking it, in words, with cash offered."""
    small = a_bill(uow, receptionist, a_patient(uow, receptionist), ("other", "Rounding", "1", "0.50"))
    dialog = BillDialog(desk, receptionist, small.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.bill is not None and dialog.upi_button.isEnabled())
    qtbot.mouseClick(dialog.upi_button, Qt.MouseButton.LeftButton)
    panel = dialog.upi_panel
    qtbot.addWidget(panel.display)
    qtbot.waitUntil(lambda: panel.status.text().startswith("No QR:"), timeout=5000)
    assert panel.status.text() == "No QR: Razorpay takes UPI payments of ₹1 or more; take this amount in cash."
    assert panel.cash_button.isEnabled()
    assert server.requests == []
