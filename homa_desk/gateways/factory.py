"""The payment gateway a desk uses, from its settings; the Razorpay key secret comes from the keyring."""

from __future__ import annotations

from homa_desk.config import Settings
from homa_desk.domain.errors import ValidationError
from homa_desk.gateways.base import PaymentGateway
from homa_desk.gateways.simulator import SimulatorGateway
from homa_desk.gateways.static_upi import StaticUpiGateway
from homa_desk.secret_store import get_secret

RAZORPAY_SECRET = "razorpay:key_secret"
GATEWAYS = ("simulator", "razorpay", "static_upi")


def gateway_from_settings(settings: Settings) -> PaymentGateway:
    if settings.gateway == "razorpay":
        from homa_desk.gateways.razorpay import RazorpayGateway  # lazy: optional

        secret = get_secret(RAZORPAY_SECRET)
        if not settings.razorpay_key_id or not secret:
            raise ValidationError("gateway", "Razorpay needs its key id and key secret (Settings → Payments).")
        return RazorpayGateway(settings.razorpay_key_id, secret, base_url=settings.razorpay_base_url)
    if settings.gateway == "static_upi":
        if not settings.upi_vpa or not settings.upi_payee_name:
            raise ValidationError("gateway", "Static UPI needs the clinic's UPI ID and payee name (Settings).")
        return StaticUpiGateway(settings.upi_vpa, settings.upi_payee_name)
    if settings.gateway != "simulator":
        raise ValidationError("gateway", "Unknown payment gateway {gateway!r}.", gateway=settings.gateway)
    return SimulatorGateway()
