"""The one interface every payment gateway offers the services: create a QR, poll it, close it, and list the money
it captured (for the close-of-day reconciliation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from homa_desk.domain.payments import GatewayPayment, GatewayQr, PollResult


@dataclass(frozen=True)
class Capabilities:
    """What a gateway can do beyond the calls every gateway answers, so the desk asks instead of naming a type."""

    simulates_payment: bool = False  # simulate_payment pays a QR (the demo button)
    qr_image: bool = False  # fetch_qr_image gives the picture when the QR comes as an image, not a UPI link
    lists_payments: bool = True  # captured_payments lists the money received (else ListingUnsupported)
    confirms_by_reference: bool = False  # no gateway sees the money: staff confirm with the UTR


@runtime_checkable
class PaymentGateway(Protocol):
    """A source of UPI QR codes and of the payments made on them.

    Calls block on the network: the desk makes them off the UI thread. Errors are the Gateway* types of
    homa_desk.domain.payments, never a transport exception.
    """

    name: str
    capabilities: Capabilities
    needs_manual_confirmation: bool  # capabilities.confirms_by_reference, under its older name

    def create_qr(self, *, amount: Decimal, reference: str, description: str, expires_at: datetime,
                  customer_name: str | None = None) -> GatewayQr:
        """A single-use QR for exactly `amount`, payable until `expires_at`, the desk's countdown.

        A gateway that refuses so short a life (Razorpay: 15 minutes at least) is asked for a later close instead;
        the desk closes the QR itself when its countdown ends (upi_payments.check_upi_payment), and the returned
        GatewayQr.expires_at says when the gateway would close it by itself.

        `reference` is the desk's unique id for the payment session (letters and digits), sent along so a QR
        created by a request that timed out can still be traced.
        """
        ...

    def poll(self, qr_id: str) -> PollResult:
        """The QR's status and every payment attempt made on it so far."""
        ...

    def close_qr(self, qr_id: str) -> None:
        """Stop the QR accepting money; closing a closed or expired QR is not an error."""
        ...

    def captured_payments(self, start: datetime, end: datetime) -> list[GatewayPayment]:
        """Every payment captured (received; refunded later included) created in [start, end), all pages of it.

        Raises ListingUnsupported when no gateway sees the money (static UPI).
        """
        ...

    def simulate_payment(self, qr_id: str) -> GatewayPayment:
        """Pay the QR as a patient's phone would; only when capabilities.simulates_payment, else
        CapabilityMissing."""
        ...

    def fetch_qr_image(self, qr: GatewayQr) -> bytes:
        """The QR as a PNG for the screens; only when capabilities.qr_image, else CapabilityMissing."""
        ...
