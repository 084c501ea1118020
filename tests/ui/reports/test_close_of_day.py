"""Close of day on the Daily collection screen: the drawer counted and the UPI money checked with the gateway, through
the real widgets, the real services and PostgreSQL, the local Razorpay, and the printed PDF read back."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from homa_desk.backend import Backend
from homa_desk.gateways.razorpay import RazorpayGateway
from homa_desk.gateways.static_upi import StaticUpiGateway
from tests.gateways.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay
from tests.services.billing_helpers import a_patient
from tests.services.report_helpers import ist, paid_bill
from tests.ui.reports.test_collection_report import DAY, cells, make_day, open_report, pdf_text


@pytest.fixture
def fake():
    with FakeRazorpay() as server:
        yield server


def with_gateway(backend: Backend, gateway) -> Backend:
    return Backend(engine=backend.engine, target=backend.target, gateway=gateway)


def test_counting_the_drawer_asks_for_a_reason_when_it_differs(qtbot, backend, uow, admin, receptionist, doctor):
    make_day(uow, admin, receptionist, doctor)  # ₹500 in cash on the day
    view = open_report(qtbot, backend, receptionist)
    panel = view.close_of_day
    assert "₹500.00" in panel.cash_status.text() and "Not counted yet" in panel.cash_status.text()

    qtbot.keyClicks(panel.cash_counted, "450")
    qtbot.mouseClick(panel.cash_save, Qt.MouseButton.LeftButton)
    reason_error = panel.errors.label("reason")
    qtbot.waitUntil(lambda: reason_error.isVisible())
    assert "₹50.00 less" in reason_error.text()
    assert "Not counted yet" in panel.cash_status.text()

    qtbot.keyClicks(panel.cash_reason, "Change given from the drawer <b>twice</b>")
    qtbot.mouseClick(panel.cash_save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Counted" in panel.cash_status.text() and not view.loading)
    status = panel.cash_status.text()
    assert "₹450.00" in status and "short by ₹50.00" in status and "Asha Verma" in status
    assert "&lt;b&gt;twice&lt;/b&gt;" in status  # the reason is shown as typed, not as markup
    assert not reason_error.isVisible() and panel.cash_counted.text() == ""


def test_a_bad_amount_is_a_message_next_to_the_field(qtbot, backend, uow, admin, receptionist, doctor):
    view = open_report(qtbot, backend, receptionist)
    panel = view.close_of_day
    qtbot.keyClicks(panel.cash_counted, "five hundred")
    qtbot.mouseClick(panel.cash_save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.errors.label("counted").isVisible())
    assert "Enter the amount in rupees" in panel.errors.label("counted").text()


def test_checking_razorpay_holds_unrecorded_money_and_flags_the_rest(qtbot, backend, uow, admin, receptionist,
                                                                     doctor, fake, tmp_path):
    patient = a_patient(uow, receptionist)
    paid_bill(uow, receptionist, patient, "300", at=ist(2026, 11, 24, 18, 0), method="upi",
              reference="UTR123456789")  # the gateway never saw this one
    unrecorded = fake.add_payment(75_000, created_at=int(ist(2026, 11, 24, 11, 15).timestamp()))
    fake.add_payment(99_900, created_at=int(ist(2026, 11, 23, 23, 59).timestamp()))  # the day before
    gateway = RazorpayGateway(KEY_ID, KEY_SECRET, base_url=fake.base_url, read_timeout=3.0, backoff_factor=0.01)
    view = open_report(qtbot, with_gateway(backend, gateway), receptionist)
    panel = view.close_of_day
    assert "Pending review: 0" in view.summary.text()

    fake.slow_next(1, 0.5, method="GET")  # the gateway takes its time: the desk must not wait for it
    began = time.monotonic()
    qtbot.mouseClick(panel.gateway_check, Qt.MouseButton.LeftButton)
    assert time.monotonic() - began < 0.3 and not panel.gateway_check.isEnabled()
    qtbot.waitUntil(lambda: panel.reconciliation is not None, timeout=10_000)

    assert "Razorpay captured 1 payments (₹750.00); 0 match the desk" in panel.gateway_status.text()
    rows = cells(panel.findings)
    assert ["Held for review", unrecorded["id"], "₹750.00", "—", "—",
            "captured at the gateway on no QR of this desk"] in rows
    assert rows[1][:4] == ["Not at the gateway", "UTR123456789", "—", "₹300.00"]
    qtbot.waitUntil(lambda: "Pending review: 1 (₹750.00)" in view.summary.text() and not view.loading)
    assert panel.gateway_check.isEnabled()

    text = " ".join(pdf_text(view.save_pdf(tmp_path / "close.pdf")).split())
    for expected in ("UPI at the payment gateway", "Razorpay: 1 captured payments", unrecorded["id"],
                     "Held for review", "Not at the gateway", "UTR123456789", "Cash drawer", "not counted"):
        assert expected in text, expected
    gateway.close()


def test_static_upi_says_no_gateway_sees_the_money(qtbot, backend, uow, receptionist):
    view = open_report(qtbot, with_gateway(backend, StaticUpiGateway("clinic@okaxis", "Clinic")), receptionist)
    panel = view.close_of_day
    qtbot.mouseClick(panel.gateway_check, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.reconciliation is not None)
    assert "no payment gateway sees this money" in panel.gateway_status.text()
    assert not panel.findings.isVisible()


def test_the_printed_report_has_the_count_and_its_reason(qtbot, backend, uow, admin, receptionist, doctor, tmp_path):
    from homa_desk.services import close_of_day

    make_day(uow, admin, receptionist, doctor)
    close_of_day.count_cash(uow, receptionist, DAY, "480", "₹20 note torn, kept aside")
    close_of_day.count_cash(uow, admin, DAY, "500", "Found the ₹20 note")
    view = open_report(qtbot, backend, receptionist)
    assert "(2 counts; the latest stands.)" in view.close_of_day.cash_status.text()
    text = " ".join(pdf_text(view.save_pdf(tmp_path / "cash.pdf")).split())
    for expected in ("Cash drawer", "Counted (superseded)", "₹480.00", "short by ₹20.00", "₹20 note torn",
                     "Found the ₹20 note", "Meera Iyer", "Not checked with the gateway"):
        assert expected in text, expected
