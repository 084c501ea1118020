from __future__ import annotations

import pytest

from homa_desk.config import Settings
from homa_desk.domain.errors import ValidationError
from homa_desk.gateways.factory import RAZORPAY_SECRET, gateway_from_settings
from homa_desk.gateways.razorpay import RazorpayGateway
from homa_desk.gateways.simulator import SimulatorGateway
from homa_desk.gateways.static_upi import StaticUpiGateway
from homa_desk.secret_store import set_secret


def test_the_simulator_is_the_default():
    assert isinstance(gateway_from_settings(Settings()), SimulatorGateway)


def test_static_upi_needs_the_clinics_vpa():
    with pytest.raises(ValidationError, match="UPI ID"):
        gateway_from_settings(Settings(gateway="static_upi"))
    gateway = gateway_from_settings(Settings(gateway="static_upi", upi_vpa="clinic@okaxis", upi_payee_name="Clinic"))
    assert isinstance(gateway, StaticUpiGateway) and gateway.needs_manual_confirmation


def test_razorpay_takes_its_secret_from_the_keyring():
    settings = Settings(gateway="razorpay", razorpay_key_id="rzp_test_1", razorpay_base_url="http://127.0.0.1:9")
    with pytest.raises(ValidationError, match="key secret"):
        gateway_from_settings(settings)
    set_secret(RAZORPAY_SECRET, "s3cret")
    gateway = gateway_from_settings(settings)
    assert isinstance(gateway, RazorpayGateway)
    assert "s3cret" not in repr(gateway)


def test_unknown_gateway():
    with pytest.raises(ValidationError, match="Unknown"):
        gateway_from_settings(Settings(gateway="paypal"))
