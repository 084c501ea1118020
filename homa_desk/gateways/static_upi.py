"""The clinic's own VPA and no gateway: the QR is built locally and staff confirm by entering the UTR."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from homa_desk.domain import upi, validation
from homa_desk.domain.payments import (
    CapabilityMissing,
    GatewayPayment,
    GatewayQr,
    ListingUnsupported,
    PollResult,
    QrStatus,
)
from homa_desk.gateways.base import Capabilities


class StaticUpiGateway:
    """Nothing on the network can tell us a payment arrived, so poll never reports one.

    The QR cannot expire or be closed either (a static VPA accepts money whenever it is scanned): the desk just
    stops showing it. The service layer records the UTR the receptionist reads off the patient's phone.
    """

    name = "static_upi"
    capabilities = Capabilities(lists_payments=False, confirms_by_reference=True)
    needs_manual_confirmation = capabilities.confirms_by_reference

    def __init__(self, vpa: str, payee_name: str) -> None:
        self.vpa = validation.vpa(vpa)
        self.payee_name = payee_name

    def create_qr(self, *, amount: Decimal, reference: str, description: str, expires_at: datetime,
                  customer_name: str | None = None) -> GatewayQr:
        tr = upi.transaction_reference(reference)
        link = upi.build_upi_link(vpa=self.vpa, payee_name=self.payee_name, amount=amount, note=description,
                                  reference=tr)
        return GatewayQr(qr_id=tr, image_url=None, upi_link=link, amount=validation.amount(amount),
                         expires_at=expires_at)

    def poll(self, qr_id: str) -> PollResult:
        return PollResult(status=QrStatus.ACTIVE, payments=[])

    def close_qr(self, qr_id: str) -> None:
        return None

    def captured_payments(self, start: datetime, end: datetime) -> list[GatewayPayment]:
        """The money goes straight to the clinic's bank: only its statement lists it."""
        raise ListingUnsupported()

    def simulate_payment(self, qr_id: str) -> GatewayPayment:
        raise CapabilityMissing()

    def fetch_qr_image(self, qr: GatewayQr) -> bytes:
        """The QR is the clinic's own UPI link: the desk draws it."""
        raise CapabilityMissing()

    def __repr__(self) -> str:  # the VPA is the clinic's, but keep reprs free of identifiers anyway
        return "StaticUpiGateway()"
