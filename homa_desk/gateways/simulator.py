"""An in-process gateway for demos and tests: QRs in memory, payments made by pressing "simulate payment"."""

from __future__ import annotations

import itertools
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from homa_desk.domain import upi, validation
from homa_desk.domain.errors import NotFound
from homa_desk.domain.payments import (
    CapabilityMissing,
    GatewayPayment,
    GatewayQr,
    GatewayRejected,
    PaymentStatus,
    PollResult,
    QrStatus,
)
from homa_desk.domain.timeutil import utcnow
from homa_desk.gateways.base import Capabilities

DEMO_VPA = "homa.demo@simulator"


@dataclass
class _SimQr:
    qr: GatewayQr
    reference: str
    close_reason: str | None = None  # "paid" or "on_demand", as Razorpay says
    payments: list[GatewayPayment] = field(default_factory=list)


class SimulatorGateway:
    """Behaves like a single-use Razorpay QR: paid closes it, close_by expires it, closing twice is fine.

    Thread-safe: the desk polls from a worker thread while the demo button pays from the UI thread.
    """

    name = "simulator"
    capabilities = Capabilities(simulates_payment=True)
    needs_manual_confirmation = capabilities.confirms_by_reference

    def __init__(self, *, clock: Callable[[], datetime] = utcnow, payee_name: str = "Homa Demo Clinic") -> None:
        self._clock = clock
        self._payee_name = payee_name
        self._lock = threading.Lock()
        self._qrs: dict[str, _SimQr] = {}
        self._ids = itertools.count(1)
        self._run = secrets.token_hex(4)  # a restarted desk must not reuse the QR ids its database already holds

    def create_qr(self, *, amount: Decimal, reference: str, description: str, expires_at: datetime,
                  customer_name: str | None = None) -> GatewayQr:
        amount = validation.amount(amount)
        with self._lock:
            number = next(self._ids)
            qr_id = f"qr_sim{self._run}{number:06d}"
            tr = upi.transaction_reference(reference)
            link = upi.build_upi_link(vpa=DEMO_VPA, payee_name=self._payee_name, amount=amount, note=description,
                                      reference=tr)
            qr = GatewayQr(qr_id=qr_id, image_url=None, upi_link=link, amount=amount, expires_at=expires_at)
            self._qrs[qr_id] = _SimQr(qr=qr, reference=reference)
        return qr

    def poll(self, qr_id: str) -> PollResult:
        with self._lock:
            entry = self._get(qr_id)
            return PollResult(status=self._status(entry), payments=list(entry.payments))

    def close_qr(self, qr_id: str) -> None:
        with self._lock:
            entry = self._get(qr_id)
            if self._status(entry) is QrStatus.ACTIVE:
                entry.close_reason = "on_demand"

    def captured_payments(self, start: datetime, end: datetime) -> list[GatewayPayment]:
        """The payments captured (or refunded since) in [start, end) on this run's QRs, newest first."""
        with self._lock:
            found = [p for entry in self._qrs.values() for p in entry.payments
                     if p.status in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED)
                     and p.captured_at is not None and start <= p.captured_at < end]
        return sorted(found, key=lambda p: p.captured_at or start, reverse=True)

    def simulate_payment(self, qr_id: str, amount: Decimal | None = None, currency: str = "INR", *,
                         status: PaymentStatus = PaymentStatus.CAPTURED, even_if_closed: bool = False,
                         vpa: str = "patient@okdemo") -> GatewayPayment:
        """Pay the QR as a patient's phone would; `amount` other than the QR's models a wrong-amount report.

        A closed or expired QR refuses money (GatewayRejected) unless `even_if_closed`, which models a payment
        racing the close. A captured payment closes the single-use QR, like the real gateway.
        """
        with self._lock:
            entry = self._get(qr_id)
            active = self._status(entry) is QrStatus.ACTIVE
            if not active and not even_if_closed:
                raise GatewayRejected("This QR code no longer accepts payments.")
            number = len(entry.payments) + 1
            now = self._clock()
            payment = GatewayPayment(
                payment_id=f"pay_{qr_id.removeprefix('qr_')}_{number}",
                amount=entry.qr.amount if amount is None else amount, currency=currency, status=status,
                method="upi", vpa=vpa, rrn=f"4{secrets.randbelow(10**11):011d}",
                captured_at=now if status is PaymentStatus.CAPTURED else None, raw={"simulated": True},
            )
            if status is PaymentStatus.CAPTURED and active:
                entry.close_reason = "paid"
            entry.payments.append(payment)
            return payment

    def fetch_qr_image(self, qr: GatewayQr) -> bytes:
        """Every simulated QR carries its UPI link: the desk draws it."""
        raise CapabilityMissing()

    def _get(self, qr_id: str) -> _SimQr:
        try:
            return self._qrs[qr_id]
        except KeyError:
            raise NotFound("No such QR code.") from None

    def _status(self, entry: _SimQr) -> QrStatus:
        if entry.close_reason == "paid":
            return QrStatus.PAID
        if entry.close_reason is not None:
            return QrStatus.CLOSED
        if self._clock() >= entry.qr.expires_at:
            return QrStatus.EXPIRED
        return QrStatus.ACTIVE
