"""Razorpay's QR Codes API (single-use UPI QRs) over requests, with every failure turned into a Gateway* error.

Only idempotent GETs are retried by the transport: a retried create could leave the patient two live QRs. Logs
name QR ids and statuses only, never the key secret, a VPA or a customer's name.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from homa_desk.domain import upi, validation
from homa_desk.domain.money import from_paise, to_paise
from homa_desk.domain.payments import (
    CapabilityMissing,
    GatewayMalformed,
    GatewayPayment,
    GatewayQr,
    GatewayRateLimited,
    GatewayRejected,
    GatewayUnavailable,
    PaymentStatus,
    PollResult,
    QrStatus,
)
from homa_desk.domain.timeutil import utcnow
from homa_desk.gateways.base import Capabilities
from homa_desk.gateways.polling import DEFAULT_RETRY_AFTER

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.razorpay.com"
MIN_CLOSE_BY = timedelta(minutes=15)  # Razorpay refuses a QR that closes sooner (see _close_by)
MAX_CLOSE_BY = timedelta(hours=2)  # and cuts a later close_by to 2 hours
CLOCK_SKEW_MARGIN = timedelta(minutes=5)  # this machine's clock may run behind (or ahead of) Razorpay's
MIN_AMOUNT = Decimal("1.00")  # "The payment amount must be at least 1": read as ₹1, the stricter reading
MAX_NAME = 100
MAX_DESCRIPTION = 255
PAGE_SIZE = 100  # the most payments one "fetch payments" (of a QR, or all) call returns
CONNECT_TIMEOUT = 3.05  # a little over a multiple of 3 s, the TCP retransmission window
READ_TIMEOUT = 10.0
MAX_LIST_PAGES = 500  # 50,000 payments in a day: past that the listing is not behaving as documented


def _retry_policy(retries: int, backoff_factor: float) -> Retry:
    """Connect errors (nothing was sent) and 5xx on GET are retried; reads that timed out are not (the next
    poll comes soon anyway) and POSTs never are."""
    return Retry(total=retries, connect=retries, read=0, status=retries, other=0, redirect=0,
                 allowed_methods=frozenset({"GET"}), status_forcelist=(500, 502, 503, 504),
                 backoff_factor=backoff_factor, backoff_max=2.0, raise_on_status=False,
                 respect_retry_after_header=False)


class RazorpayGateway:
    """A PaymentGateway on Razorpay. The caller reads the key id and secret from the keyring."""

    name = "razorpay"
    capabilities = Capabilities(qr_image=True)
    needs_manual_confirmation = capabilities.confirms_by_reference

    def __init__(self, key_id: str, key_secret: str, *, base_url: str = DEFAULT_BASE_URL,
                 connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT,
                 retries: int = 2, backoff_factor: float = 0.2) -> None:
        if not key_id or not key_secret:
            raise GatewayRejected("Enter the Razorpay key id and secret under Settings.")
        self._auth = (key_id, key_secret)
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self._session = requests.Session()
        adapter = HTTPAdapter(max_retries=_retry_policy(retries, backoff_factor))
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def __repr__(self) -> str:
        return f"RazorpayGateway(base_url={self.base_url!r})"

    def close(self) -> None:
        self._session.close()

    # -- the PaymentGateway interface ------------------------------------------------------------------------

    def create_qr(self, *, amount: Decimal, reference: str, description: str, expires_at: datetime,
                  customer_name: str | None = None) -> GatewayQr:
        """POST /v1/payments/qr_codes, sent once: on a timeout the QR may exist, so GatewayUnavailable says
        "try again" and the orphan (single use, close_by set) expires by itself. `reference` goes into notes
        so it can be traced in the Razorpay dashboard.

        `expires_at` is the desk's countdown; Razorpay's close_by is later when the countdown is shorter than
        Razorpay allows (see _close_by), and the desk closes the QR itself when its countdown ends. The returned
        GatewayQr.expires_at is the close_by Razorpay answered: when the QR would stop taking money by itself."""
        amount = validation.amount(amount)
        if amount < MIN_AMOUNT:
            raise GatewayRejected("Razorpay takes UPI payments of ₹1 or more; take this amount in cash.")
        body = {
            "type": "upi_qr",
            "name": (customer_name or description or "Homa Desk")[:MAX_NAME],
            "usage": "single_use",
            "fixed_amount": True,
            "payment_amount": to_paise(amount),
            "description": description[:MAX_DESCRIPTION],
            "close_by": int(_close_by(expires_at, utcnow()).timestamp()),
            "notes": {"reference": reference},
        }
        data = self._request("POST", "/v1/payments/qr_codes", json=body)
        qr_id = _required(data, "id", str)
        close_by = data.get("close_by")
        image_content = data.get("image_content")
        qr = GatewayQr(
            qr_id=qr_id,
            image_url=_optional_str(data, "image_url"),
            upi_link=image_content if isinstance(image_content, str) and image_content else None,
            amount=amount,
            expires_at=_timestamp(close_by) if isinstance(close_by, int) else expires_at,
        )
        log.info("razorpay QR %s created (status %s)", qr_id, data.get("status"))
        return qr

    def poll(self, qr_id: str) -> PollResult:
        """One GET while nothing was received (keeps a session at ≤ 30 calls a minute), two once money arrived
        or the QR closed, so a payment racing the close is still seen."""
        data = self._request("GET", f"/v1/payments/qr_codes/{qr_id}")
        status = _qr_status(data)
        count = data.get("payments_count_received", 0)
        if not isinstance(count, int):
            raise GatewayMalformed()
        payments = self.payments(qr_id) if count > 0 or status is not QrStatus.ACTIVE else []
        log.debug("razorpay QR %s: %s, %d payment(s)", qr_id, status, len(payments))
        return PollResult(status=status, payments=payments)

    def close_qr(self, qr_id: str) -> None:
        """Idempotent: Razorpay refuses to close a closed QR, which is what we wanted anyway."""
        try:
            self._request("POST", f"/v1/payments/qr_codes/{qr_id}/close")
        except GatewayRejected:
            if _qr_status(self._request("GET", f"/v1/payments/qr_codes/{qr_id}")) is QrStatus.ACTIVE:
                raise
        log.info("razorpay QR %s closed", qr_id)

    def captured_payments(self, start: datetime, end: datetime) -> list[GatewayPayment]:
        """GET /v1/payments ("Fetch all payments") page by page: `from`/`to` in unix seconds, `count` 100, `skip`
        advancing by 100 until a short page. The docs say "after" and "before" without saying whether the ends are
        included, so the desk asks for one second more on each side and keeps [start, end) itself. Keeps what was
        captured (status captured, or refunded since); a payment listed twice (the list moved) is kept once."""
        first, last = math.floor(start.timestamp()) - 1, math.ceil(end.timestamp())
        found: dict[str, GatewayPayment] = {}
        for page in range(MAX_LIST_PAGES):
            query = urlencode({"from": first, "to": last, "count": PAGE_SIZE, "skip": page * PAGE_SIZE})
            items = self._request("GET", f"/v1/payments?{query}").get("items")
            if not isinstance(items, list):
                raise GatewayMalformed()
            for item in items:
                payment = _listed_payment(item)
                if payment is not None and payment.captured_at is not None and start <= payment.captured_at < end:
                    found.setdefault(payment.payment_id, payment)
            if len(items) < PAGE_SIZE:
                log.info("razorpay listed %d captured payment(s) in %d page(s)", len(found), page + 1)
                return list(found.values())
        raise GatewayMalformed("The payment gateway listed more payments than the desk can check.")

    def simulate_payment(self, qr_id: str) -> GatewayPayment:
        """Only the patient's phone pays a real QR."""
        raise CapabilityMissing()

    # -- beyond the interface --------------------------------------------------------------------------------

    def payments(self, qr_id: str) -> list[GatewayPayment]:
        """Every payment on the QR: Razorpay returns at most PAGE_SIZE a call (10 unless asked), so this pages on
        until a short page; one call for any QR the desk makes."""
        payments: list[GatewayPayment] = []
        while True:
            data = self._request("GET", f"/v1/payments/qr_codes/{qr_id}/payments?count={PAGE_SIZE}"
                                        f"&skip={len(payments)}")
            items = data.get("items")
            if not isinstance(items, list):
                raise GatewayMalformed()
            payments.extend(_payment(item) for item in items)
            if len(items) < PAGE_SIZE:
                return payments

    def fetch_qr_image(self, qr: GatewayQr) -> bytes:
        """The QR for the customer display: rendered locally from the UPI intent when Razorpay gave it, else
        downloaded from image_url (without our credentials: it is another host)."""
        if qr.upi_link:
            return upi.render_qr_png(qr.upi_link)
        if not qr.image_url or urlsplit(qr.image_url).scheme not in ("https", "http"):
            raise GatewayMalformed("The payment gateway gave no QR image.")
        try:
            response = requests.get(qr.image_url, timeout=self.timeout)
        except requests.RequestException:
            raise GatewayUnavailable() from None
        if response.status_code >= 400:
            raise GatewayUnavailable() if response.status_code >= 500 else GatewayMalformed()
        if not response.headers.get("Content-Type", "").startswith("image/") or not response.content:
            raise GatewayMalformed("The payment gateway's QR image is not an image.")
        return response.content

    # -- transport -------------------------------------------------------------------------------------------

    def _request(self, method: str, path: str, json: dict[str, Any] | None = None) -> dict[str, Any]:
        """One API call; paths hold only QR ids, so they are the only request detail that is logged."""
        try:
            response = self._session.request(method, self.base_url + path, json=json, auth=self._auth,
                                             timeout=self.timeout)
        except requests.RequestException as exc:
            log.warning("razorpay %s %s failed: %s", method, path, type(exc).__name__)
            raise GatewayUnavailable() from None
        status = response.status_code
        if status == 429:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            log.warning("razorpay %s %s rate limited for %.1f s", method, path, retry_after)
            raise GatewayRateLimited(retry_after)
        if status >= 500:
            log.warning("razorpay %s %s answered %d", method, path, status)
            raise GatewayUnavailable()
        if status >= 400:
            log.warning("razorpay %s %s refused with %d", method, path, status)
            raise GatewayRejected(_error_description(response, status))
        try:
            data = response.json()
        except ValueError:
            raise GatewayMalformed() from None
        if not isinstance(data, dict):
            raise GatewayMalformed()
        return data


def _close_by(expires_at: datetime, now: datetime) -> datetime:
    """When Razorpay should close the QR by itself: the desk's expiry, moved into what Razorpay accepts with
    CLOCK_SKEW_MARGIN to spare on both sides: at least MIN_CLOSE_BY ahead (the SDK and entity docs say 15
    minutes, the create page 2: the longer) and at most MAX_CLOSE_BY ahead."""
    earliest = now + MIN_CLOSE_BY + CLOCK_SKEW_MARGIN
    latest = now + MAX_CLOSE_BY - CLOCK_SKEW_MARGIN
    return min(max(expires_at, earliest), latest)


def _retry_after(header: str | None) -> float:
    if not header:
        return DEFAULT_RETRY_AFTER
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _error_description(response: requests.Response, status: int) -> str:
    try:
        description = response.json()["error"]["description"]
    except (ValueError, KeyError, TypeError):
        description = None
    prefix = "Razorpay refused the API keys" if status == 401 else "Razorpay refused the request"
    return f"{prefix}: {description}" if isinstance(description, str) and description else f"{prefix} ({status})."


def _required(data: dict[str, Any], key: str, kind: type) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) or value == "":
        raise GatewayMalformed()
    return value


def _optional_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise GatewayMalformed()
    return value or None


def _timestamp(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _qr_status(data: dict[str, Any]) -> QrStatus:
    """Razorpay says active or closed; why it closed tells paid, expired (close_by passed) and cancelled apart."""
    status = _required(data, "status", str)
    if status == "active":
        return QrStatus.ACTIVE
    if status != "closed":
        raise GatewayMalformed()
    reason = data.get("close_reason")
    if reason == "paid":
        return QrStatus.PAID
    close_by = data.get("close_by")
    if reason == "expired" or (isinstance(close_by, int) and close_by <= datetime.now(UTC).timestamp()):
        return QrStatus.EXPIRED
    return QrStatus.CLOSED


def _payment(item: Any) -> GatewayPayment:
    if not isinstance(item, dict):
        raise GatewayMalformed()
    try:
        status = PaymentStatus(_required(item, "status", str))
    except ValueError:
        raise GatewayMalformed() from None
    acquirer = item.get("acquirer_data")
    rrn = acquirer.get("rrn") if isinstance(acquirer, dict) else None
    created_at = item.get("created_at")
    return GatewayPayment(
        payment_id=_required(item, "id", str),
        amount=from_paise(_required(item, "amount", int)),
        currency=_required(item, "currency", str),
        status=status,
        method=item.get("method") if isinstance(item.get("method"), str) else "",
        vpa=_optional_str(item, "vpa"),
        rrn=str(rrn) if rrn not in (None, "") else None,
        captured_at=(_timestamp(created_at) if status is PaymentStatus.CAPTURED and isinstance(created_at, int)
                     else None),
        raw=item,
    )


def _listed_payment(item: Any) -> GatewayPayment | None:
    """A payment of the list when it was captured, dated by its created_at; None for failed or pending ones."""
    payment = _payment(item)
    if payment.status not in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED):
        return None
    created_at = _required(item, "created_at", int)
    return replace(payment, captured_at=_timestamp(created_at))
