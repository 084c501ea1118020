"""Each gateway declares what it can do, and each declaration is true: the desk acts on them without naming a type."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from homa_desk.domain.payments import CapabilityMissing, ListingUnsupported, PaymentStatus
from homa_desk.domain.timeutil import utcnow
from homa_desk.gateways.base import Capabilities, PaymentGateway
from homa_desk.gateways.razorpay import RazorpayGateway
from homa_desk.gateways.simulator import SimulatorGateway
from homa_desk.gateways.static_upi import StaticUpiGateway
from tests.gateways.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(params=["simulator", "static_upi", "razorpay"])
def gateway(request) -> Iterator[PaymentGateway]:  # type: ignore[no-untyped-def]
    if request.param == "simulator":
        yield SimulatorGateway()
    elif request.param == "static_upi":
        yield StaticUpiGateway("sunrise.clinic@okaxis", "Sunrise Clinic")
    else:
        with FakeRazorpay(image_content=False) as server:  # a QR given only as an image, as Razorpay may
            razorpay = RazorpayGateway(KEY_ID, KEY_SECRET, base_url=server.base_url, retries=0)
            yield razorpay
            razorpay.close()


def a_qr(gateway: PaymentGateway):  # type: ignore[no-untyped-def]
    return gateway.create_qr(amount=Decimal("650.00"), reference="PS000123", description="Consultation",
                             expires_at=utcnow() + timedelta(minutes=20))


def test_what_each_gateway_declares():
    assert SimulatorGateway.capabilities == Capabilities(simulates_payment=True)
    assert StaticUpiGateway.capabilities == Capabilities(lists_payments=False, confirms_by_reference=True)
    assert RazorpayGateway.capabilities == Capabilities(qr_image=True)


def test_every_gateway_is_a_payment_gateway_with_frozen_capabilities(gateway):
    assert isinstance(gateway, PaymentGateway)
    with pytest.raises(AttributeError):
        gateway.capabilities.simulates_payment = True  # type: ignore[misc]
    assert gateway.needs_manual_confirmation is gateway.capabilities.confirms_by_reference


def test_simulates_payment_is_true(gateway):
    qr = a_qr(gateway)
    if gateway.capabilities.simulates_payment:
        payment = gateway.simulate_payment(qr.qr_id)
        assert payment.status is PaymentStatus.CAPTURED and gateway.poll(qr.qr_id).payments == [payment]
    else:
        with pytest.raises(CapabilityMissing):
            gateway.simulate_payment(qr.qr_id)


def test_qr_image_is_true(gateway):
    qr = a_qr(gateway)
    if gateway.capabilities.qr_image:
        assert gateway.fetch_qr_image(qr).startswith(PNG)
    else:
        assert qr.upi_link  # the desk draws the QR from the link itself
        with pytest.raises(CapabilityMissing):
            gateway.fetch_qr_image(qr)


def test_lists_payments_is_true(gateway):
    now = utcnow()
    if gateway.capabilities.lists_payments:
        assert gateway.captured_payments(now - timedelta(days=1), now) == []
    else:
        with pytest.raises(ListingUnsupported):
            gateway.captured_payments(now - timedelta(days=1), now)


def test_confirms_by_reference_only_when_the_gateway_cannot_see_the_money(gateway):
    qr = a_qr(gateway)
    sees_money = gateway.capabilities.simulates_payment or gateway.capabilities.lists_payments
    assert gateway.capabilities.confirms_by_reference is not sees_money
    if gateway.capabilities.confirms_by_reference:
        assert gateway.poll(qr.qr_id).payments == []
