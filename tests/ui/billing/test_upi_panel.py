"""The receptionist's UPI panel and the customer display, against the simulator and the static-UPI gateway."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from PySide6.QtCore import QRect, Qt

from homa_desk.config import Settings
from homa_desk.domain.billing import BillStatus, PaymentMethod, PaymentState, SessionStatus
from homa_desk.gateways.base import Capabilities
from homa_desk.gateways.simulator import SimulatorGateway
from homa_desk.gateways.static_upi import StaticUpiGateway
from homa_desk.services import billing
from homa_desk.ui.billing.customer_display import CustomerDisplay
from homa_desk.ui.billing.upi_panel import UpiPanel
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from tests.services.billing_helpers import a_bill, a_patient
from tests.ui.billing.upi_helpers import backend_with, decode_label_qr


@pytest.fixture
def bill(uow, receptionist):
    return a_bill(uow, receptionist, a_patient(uow, receptionist), ("consultation", "Consultation", "1", "650"))


def open_panel(qtbot, backend, actor, bill):
    display = CustomerDisplay(return_after_ms=60_000)
    qtbot.addWidget(display)
    panel = UpiPanel(backend, actor, bill, display=display)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.state is SessionStatus.ACTIVE and display.state == "qr", timeout=5000)
    return panel, display


def test_simulated_payment_shows_paid_on_both_screens(qtbot, backend, uow, receptionist, bill):
    desk = backend_with(backend, SimulatorGateway())
    panel, display = open_panel(qtbot, desk, receptionist, bill)
    text, request = decode_label_qr(display.qr)
    assert text == panel.session.upi_link and request.amount == Decimal("650.00")
    assert decode_label_qr(panel.qr)[0] == text
    assert display.greeting.text() == "Namaste, Kavya" and display.amount.text() == "₹650.00"
    assert not panel.utr.isVisibleTo(panel)
    with qtbot.waitSignal(panel.settled, timeout=5000) as settled:
        qtbot.mouseClick(panel.simulate_button, Qt.MouseButton.LeftButton)
    assert settled.args[0].status is SessionStatus.COMPLETED
    assert panel.status.text() == "Paid ✓" and display.state == "paid" and "Paid ✓" in display.message.text()
    assert billing.get_bill(uow, receptionist, bill.id).status is BillStatus.PAID


def test_cancel_shows_cancelled_and_display_returns_to_idle(qtbot, backend, receptionist, bill):
    panel, display = open_panel(qtbot, backend_with(backend, SimulatorGateway()), receptionist, bill)
    display.return_after_ms = 200
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: panel.state is SessionStatus.CANCELLED and display.state == "cancelled", timeout=5000)
    assert panel.status.text() == "Cancelled." and display.qr.pixmap().isNull()
    qtbot.waitUntil(lambda: display.state == "idle", timeout=3000)
    assert display.message.text() == "Welcome"


def test_static_upi_is_confirmed_by_utr(qtbot, backend, uow, receptionist, bill):
    desk = backend_with(backend, StaticUpiGateway("sunrise.clinic@okaxis", "Sunrise Clinic"), poll_interval=5)
    panel, display = open_panel(qtbot, desk, receptionist, bill)
    assert panel.utr.isVisibleTo(panel) and not panel.simulate_button.isVisibleTo(panel)
    assert decode_label_qr(display.qr)[1].vpa == "sunrise.clinic@okaxis"
    qtbot.keyClicks(panel.utr, "12ab")
    panel.confirm_button.click()
    qtbot.waitUntil(lambda: panel.utr_error.isVisibleTo(panel), timeout=5000)
    assert "UTR" in panel.utr_error.text() and panel.state is SessionStatus.ACTIVE
    panel.utr.clear()
    qtbot.keyClicks(panel.utr, "412345678901")
    panel.confirm_button.click()
    qtbot.waitUntil(lambda: panel.state is SessionStatus.COMPLETED and display.state == "paid", timeout=5000)
    [payment] = billing.get_bill(uow, receptionist, bill.id).payments
    assert (payment.method, payment.state, payment.reference) == (PaymentMethod.UPI, PaymentState.COMPLETED,
                                                                  "412345678901")


def test_closing_the_panel_cancels_an_open_qr(qtbot, backend, receptionist, bill):
    panel, display = open_panel(qtbot, backend_with(backend, SimulatorGateway()), receptionist, bill)
    panel.close()
    qtbot.waitUntil(lambda: panel.state is SessionStatus.CANCELLED and not panel.isVisible(), timeout=5000)
    assert display.state == "cancelled"


class SlowGateway(SimulatorGateway):
    """Each poll takes a while; counts how many run at once."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.running = 0
        self.most = 0
        self.polls = 0
        self._count = threading.Lock()

    def poll(self, qr_id):  # type: ignore[no-untyped-def]
        with self._count:
            self.running += 1
            self.polls += 1
            self.most = max(self.most, self.running)
        time.sleep(self.seconds)
        with self._count:
            self.running -= 1
        return super().poll(qr_id)


def test_polls_never_overlap_even_when_the_gateway_is_slower_than_the_interval(qtbot, backend, receptionist, bill):
    gateway = SlowGateway(0.4)
    panel, _display = open_panel(qtbot, backend_with(backend, gateway, poll_interval=0.1), receptionist, bill)
    for _ in range(10):
        panel.poller.poll_now()  # an impatient click must not start a second call
        qtbot.wait(100)
    assert gateway.most == 1 and 2 <= gateway.polls <= 5
    gateway.simulate_payment(panel.session.gateway_qr_id)
    qtbot.waitUntil(lambda: panel.state is SessionStatus.COMPLETED, timeout=5000)
    polls = gateway.polls
    qtbot.wait(500)
    assert gateway.polls == polls  # a settled session is not polled again


def test_closing_while_the_qr_is_being_made_cancels_it_once_made(qtbot, backend, receptionist, bill):
    display = CustomerDisplay()
    qtbot.addWidget(display)
    panel = UpiPanel(backend_with(backend, SimulatorGateway()), receptionist, bill, display=display)
    qtbot.addWidget(panel)
    panel.show()
    panel.close()
    qtbot.waitUntil(lambda: panel.state is SessionStatus.CANCELLED and not panel.isVisible(), timeout=5000)


class QuietSimulator(SimulatorGateway):
    """A simulator that declares it cannot be paid by a button: the panel goes by what a gateway declares."""

    capabilities = Capabilities()


def test_the_panel_offers_what_the_gateway_declares_not_what_type_it_is(qtbot, backend, receptionist, bill):
    panel, _display = open_panel(qtbot, backend_with(backend, QuietSimulator()), receptionist, bill)
    assert not panel.simulate_button.isVisibleTo(panel) and not panel.utr.isVisibleTo(panel)
    panel.simulate_payment()
    qtbot.wait(300)
    assert panel.state is SessionStatus.ACTIVE


def test_the_write_that_ends_a_session_announces_the_money_it_moved(qtbot, backend, receptionist, bill):
    """The poll, cancel or UTR confirmation that ends a session announces bills and payments itself (views refresh);
    polls that find nothing announce nothing."""
    heard: list[Change] = []
    hub = changes.change_hub()
    hub.changed.connect(heard.append)
    try:
        panel, _display = open_panel(qtbot, backend_with(backend, SimulatorGateway()), receptionist, bill)
        qtbot.waitUntil(lambda: panel.poller is not None and panel.poller.calls >= 2, timeout=5000)
        assert heard == []
        with qtbot.waitSignal(panel.settled, timeout=5000):
            qtbot.mouseClick(panel.simulate_button, Qt.MouseButton.LeftButton)
        assert heard == [Change.BILLS, Change.PAYMENTS]
    finally:
        hub.changed.disconnect(heard.append)


def test_enter_never_cancels_the_qr_and_enter_in_the_utr_confirms_it(qtbot, backend, uow, receptionist, bill):
    from PySide6.QtWidgets import QPushButton

    from homa_desk.ui.common import worker

    desk = backend_with(backend, StaticUpiGateway("sunrise.clinic@okaxis", "Sunrise Clinic"), poll_interval=5)
    panel, _display = open_panel(qtbot, desk, receptionist, bill)
    assert not [b.objectName() for b in panel.findChildren(QPushButton) if b.isDefault() or b.autoDefault()]
    for widget in (panel.close_button, panel.cancel_button, panel.cash_button, panel):
        widget.setFocus()
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            qtbot.keyClick(widget, key)
    assert worker.wait_for_idle(10)
    qtbot.wait(50)
    assert panel.state is SessionStatus.ACTIVE and panel.isVisible() and panel.status.text() != "Cancelling…"
    qtbot.keyClicks(panel.utr, "412345678901")
    qtbot.keyClick(panel.utr, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.state is SessionStatus.COMPLETED, timeout=5000)
    [payment] = billing.get_bill(uow, receptionist, bill.id).payments
    assert (payment.state, payment.reference) == (PaymentState.COMPLETED, "412345678901")


LAPTOP = QRect(0, 0, 1366, 728)  # a 1366×768 screen less a 40-pixel taskbar


def test_on_one_screen_the_display_fits_opens_beside_the_panel_and_comes_back_where_it_was_put(qtbot, qapp, backend,
                                                                                               receptionist, bill):
    desk = backend_with(backend, SimulatorGateway())
    display = CustomerDisplay(return_after_ms=60_000, screens=[qapp.primaryScreen()], available=LAPTOP)
    qtbot.addWidget(display)
    panel = UpiPanel(desk, receptionist, bill, display=display)
    qtbot.addWidget(panel)
    panel.show()
    panel.move((LAPTOP.width() - panel.width()) // 2, (LAPTOP.height() - panel.height()) // 2)  # as a dialog opens
    qtbot.waitUntil(lambda: display.isVisible() and display.state == "qr", timeout=5000)
    assert not display.full_screen and display.minimumSize() != display.maximumSize()
    assert not display.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert LAPTOP.contains(display.frameGeometry()) and LAPTOP.contains(panel.frameGeometry())
    assert not display.frameGeometry().intersects(panel.frameGeometry())  # beside the panel's buttons, not over
    assert decode_label_qr(display.qr)[1].amount == Decimal("650.00")

    qtbot.waitUntil(lambda: not display.settling, timeout=3000)
    assert Settings.load().customer_display_geometry == []  # where the desk put it is not remembered
    display.setGeometry(40, 60, 600, 620)  # the receptionist puts it elsewhere
    qtbot.waitUntil(lambda: Settings.load().customer_display_geometry == [40, 60, 600, 620], timeout=3000)
    display.close()
    again = CustomerDisplay(screens=[qapp.primaryScreen()], available=LAPTOP)
    qtbot.addWidget(again)
    again.present(panel)
    assert again.geometry() == QRect(40, 60, 600, 620)
