"""The Razorpay adapter against a real HTTP server on 127.0.0.1 (tests/gateways/fake_razorpay.py)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image

from homa_desk.domain.payments import (
    GatewayMalformed,
    GatewayRateLimited,
    GatewayRejected,
    GatewayUnavailable,
    PaymentStatus,
    QrStatus,
)
from homa_desk.domain.timeutil import utcnow
from homa_desk.domain.upi import parse_upi_link
from homa_desk.gateways.base import PaymentGateway
from homa_desk.gateways.polling import Outcome, evaluate_payments
from homa_desk.gateways.razorpay import RazorpayGateway
from tests.gateways.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay

QR_PATH = "/v1/payments/qr_codes"


@pytest.fixture
def gateway(fake_razorpay):
    gw = RazorpayGateway(KEY_ID, KEY_SECRET, base_url=fake_razorpay.base_url, read_timeout=2.0, backoff_factor=0.01)
    yield gw
    gw.close()


def create(gateway, amount="499.50", minutes=10):
    return gateway.create_qr(amount=Decimal(amount), reference="PS000123", description="Consultation",
                             expires_at=utcnow() + timedelta(minutes=minutes), customer_name="Asha")


def decode(png: bytes) -> str:
    import io

    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1
    return results[0].text


def test_is_a_payment_gateway(gateway):
    assert isinstance(gateway, PaymentGateway)
    assert gateway.needs_manual_confirmation is False


def test_create_sends_a_single_use_fixed_qr_in_paise(gateway, fake_razorpay):
    expires = utcnow().replace(microsecond=0) + timedelta(minutes=30)
    qr = gateway.create_qr(amount=Decimal("499.50"), reference="PS000123", description="Consultation",
                           expires_at=expires, customer_name="Asha")
    sent = fake_razorpay.requests[-1].body
    assert sent == {"type": "upi_qr", "name": "Asha", "usage": "single_use", "fixed_amount": True,
                    "payment_amount": 49950, "description": "Consultation", "close_by": int(expires.timestamp()),
                    "notes": {"reference": "PS000123"}}
    assert qr.qr_id.startswith("qr_") and qr.amount == Decimal("499.50") and qr.expires_at == expires
    assert qr.image_url.endswith(f"/images/{qr.qr_id}.png")
    assert parse_upi_link(qr.upi_link).amount == Decimal("499.50")


def test_full_cycle_pending_then_paid(gateway, fake_razorpay):
    qr = create(gateway)
    pending = gateway.poll(qr.qr_id)
    assert pending.status is QrStatus.ACTIVE and pending.payments == []
    assert evaluate_payments(Decimal("499.50"), "INR", pending.payments).outcome is Outcome.PENDING

    fake_razorpay.mark_paid(qr.qr_id)
    paid = gateway.poll(qr.qr_id)
    assert paid.status is QrStatus.PAID
    [payment] = paid.payments
    assert payment.amount == Decimal("499.50") and isinstance(payment.amount, Decimal)
    assert payment.currency == "INR" and payment.status is PaymentStatus.CAPTURED and payment.method == "upi"
    assert payment.vpa == "patient@okicici" and payment.rrn == "412345678901"
    assert payment.captured_at is not None and payment.captured_at.tzinfo is not None
    verdict = evaluate_payments(Decimal("499.50"), "INR", paid.payments)
    assert verdict.outcome is Outcome.PAID and verdict.payment == payment


def test_a_pending_poll_is_one_call(gateway, fake_razorpay):
    """Keeps an active session within 30 gateway calls a minute at the 2 s interval."""
    qr = create(gateway)
    before = fake_razorpay.calls()
    gateway.poll(qr.qr_id)
    assert fake_razorpay.calls() - before == 1


def test_close_is_idempotent(gateway, fake_razorpay):
    qr = create(gateway)
    gateway.close_qr(qr.qr_id)
    gateway.close_qr(qr.qr_id)
    assert gateway.poll(qr.qr_id).status is QrStatus.CLOSED
    assert fake_razorpay.calls("POST", f"{QR_PATH}/{qr.qr_id}/close") == 2


def test_close_of_an_unknown_qr_is_refused(gateway):
    with pytest.raises(GatewayRejected):
        gateway.close_qr("qr_DoesNotExist")


def test_wrong_keys_are_rejected_with_the_gateways_description(fake_razorpay):
    gw = RazorpayGateway(KEY_ID, "wrong-secret", base_url=fake_razorpay.base_url)
    with pytest.raises(GatewayRejected, match="The api key provided is invalid") as caught:
        create(gw)
    assert "wrong-secret" not in str(caught.value)


def test_a_refused_request_is_rejected_with_the_gateways_description(gateway):
    with pytest.raises(GatewayRejected, match=r"Razorpay refused the request: .*customer_id is not a valid id"):
        gateway._request("POST", QR_PATH, json={"type": "upi_qr", "usage": "multiple_use",
                                                "customer_id": "customer_id"})


def test_500_on_get_is_retried_then_succeeds(gateway, fake_razorpay):
    qr = create(gateway)
    fake_razorpay.fail_next(2, status=500, method="GET")
    assert gateway.poll(qr.qr_id).status is QrStatus.ACTIVE
    assert fake_razorpay.calls("GET", f"{QR_PATH}/{qr.qr_id}") == 3


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_persistent_5xx_is_unavailable(gateway, fake_razorpay, status):
    qr = create(gateway)
    fake_razorpay.fail_next(10, status=status)
    with pytest.raises(GatewayUnavailable):
        gateway.poll(qr.qr_id)
    assert fake_razorpay.calls("GET") == 3  # one try and two retries


def test_create_is_never_retried(gateway, fake_razorpay):
    fake_razorpay.fail_next(1, status=503, method="POST")
    with pytest.raises(GatewayUnavailable):
        create(gateway)
    assert fake_razorpay.calls("POST") == 1
    assert fake_razorpay.qrs == {}


def test_429_is_rate_limited_with_retry_after(gateway, fake_razorpay):
    qr = create(gateway)
    fake_razorpay.rate_limit_next(1, retry_after=7)
    with pytest.raises(GatewayRateLimited) as caught:
        gateway.poll(qr.qr_id)
    assert caught.value.retry_after == 7
    assert fake_razorpay.calls("GET") == 1  # a 429 is not retried behind the caller's back


def test_slow_get_beyond_the_read_timeout_is_unavailable(fake_razorpay):
    gw = RazorpayGateway(KEY_ID, KEY_SECRET, base_url=fake_razorpay.base_url, read_timeout=0.3)
    qr = create(gw)
    fake_razorpay.slow_next(1, 1.5, method="GET")
    started = time.monotonic()
    with pytest.raises(GatewayUnavailable):
        gw.poll(qr.qr_id)
    assert time.monotonic() - started < 1.2
    gw.close()


def test_slow_create_is_unavailable_and_sent_once(fake_razorpay):
    gw = RazorpayGateway(KEY_ID, KEY_SECRET, base_url=fake_razorpay.base_url, read_timeout=0.3)
    fake_razorpay.slow_next(1, 1.0, method="POST")
    with pytest.raises(GatewayUnavailable):
        create(gw)
    deadline = time.monotonic() + 5
    while fake_razorpay.calls("POST") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)  # the server finishes (and logs) the request the client gave up on
    time.sleep(0.2)
    assert fake_razorpay.calls("POST") == 1
    gw.close()


def test_nobody_listening_is_unavailable():
    with FakeRazorpay() as server:
        url = server.base_url
    gw = RazorpayGateway(KEY_ID, KEY_SECRET, base_url=url, connect_timeout=0.5, backoff_factor=0.01)
    with pytest.raises(GatewayUnavailable):
        gw.poll("qr_x")


def test_malformed_json_is_malformed(gateway, fake_razorpay):
    qr = create(gateway)
    fake_razorpay.malformed_next(1)
    with pytest.raises(GatewayMalformed):
        gateway.poll(qr.qr_id)


def test_a_qr_without_required_fields_is_malformed(gateway, fake_razorpay):
    qr = create(gateway)
    del fake_razorpay.qrs[qr.qr_id].data["status"]
    with pytest.raises(GatewayMalformed):
        gateway.poll(qr.qr_id)


def test_a_payment_with_a_float_amount_is_malformed(gateway, fake_razorpay):
    qr = create(gateway)
    payment = fake_razorpay.mark_paid(qr.qr_id)
    payment["amount"] = 499.5
    fake_razorpay.qrs[qr.qr_id].payments[0] = payment
    with pytest.raises(GatewayMalformed):
        gateway.poll(qr.qr_id)


def test_wrong_amount_is_a_mismatch(gateway, fake_razorpay):
    qr = create(gateway)
    fake_razorpay.wrong_amount(qr.qr_id)
    result = gateway.poll(qr.qr_id)
    assert result.payments[0].amount == Decimal("498.50")
    verdict = evaluate_payments(qr.amount, "INR", result.payments)
    assert verdict.outcome is Outcome.MISMATCH and verdict.outcome.needs_review


def test_two_payments_are_a_duplicate(gateway, fake_razorpay):
    qr = create(gateway)
    fake_razorpay.mark_paid(qr.qr_id)
    fake_razorpay.mark_paid(qr.qr_id)
    verdict = evaluate_payments(qr.amount, "INR", gateway.poll(qr.qr_id).payments)
    assert verdict.outcome is Outcome.DUPLICATE


def test_payment_after_close_is_still_reported(gateway, fake_razorpay):
    """A payment racing the desk's cancel must reach the desk (to be flagged), not vanish."""
    qr = create(gateway)
    gateway.close_qr(qr.qr_id)
    fake_razorpay.mark_paid(qr.qr_id)
    result = gateway.poll(qr.qr_id)
    assert result.status is QrStatus.CLOSED
    assert [p.status for p in result.payments] == [PaymentStatus.CAPTURED]


def test_expired_qr_reports_expired_and_late_payments(gateway, fake_razorpay):
    qr = create(gateway)
    fake_razorpay.expire(qr.qr_id)
    assert gateway.poll(qr.qr_id).status is QrStatus.EXPIRED
    gateway.close_qr(qr.qr_id)  # closing an expired QR is fine
    fake_razorpay.mark_paid(qr.qr_id)
    result = gateway.poll(qr.qr_id)
    assert result.status is QrStatus.EXPIRED and len(result.payments) == 1


def test_failed_attempts_keep_the_qr_pending(gateway, fake_razorpay):
    qr = create(gateway)
    fake_razorpay.mark_paid(qr.qr_id, status="failed")
    # Razorpay counts only captured money on the QR, so a failed attempt alone costs no second call.
    result = gateway.poll(qr.qr_id)
    assert result.status is QrStatus.ACTIVE
    assert evaluate_payments(qr.amount, "INR", gateway.payments(qr.qr_id)).outcome is Outcome.FAILED


def test_qr_image_rendered_from_image_content_decodes_to_the_link(gateway):
    qr = create(gateway, amount="1250")
    link = decode(gateway.fetch_qr_image(qr))
    assert link == qr.upi_link and parse_upi_link(link).amount == Decimal("1250.00")


def test_qr_image_downloaded_when_only_an_image_url(fake_razorpay):
    fake_razorpay.image_content = False
    gw = RazorpayGateway(KEY_ID, KEY_SECRET, base_url=fake_razorpay.base_url)
    qr = create(gw, amount="300")
    assert qr.upi_link is None
    link = decode(gw.fetch_qr_image(qr))
    assert parse_upi_link(link).amount == Decimal("300.00")
    gw.close()


def test_logs_hold_no_secret_vpa_or_name(gateway, fake_razorpay, caplog):
    caplog.set_level(logging.DEBUG)
    qr = create(gateway)
    fake_razorpay.fail_next(3)
    with pytest.raises(GatewayUnavailable):
        gateway.poll(qr.qr_id)
    fake_razorpay.mark_paid(qr.qr_id)
    gateway.poll(qr.qr_id)
    gateway.close_qr(qr.qr_id)
    text = caplog.text
    assert qr.qr_id in text
    for secret in (KEY_SECRET, "patient@okicici", "Asha"):
        assert secret not in text
    assert KEY_SECRET not in repr(gateway)


def test_missing_keys_are_refused_up_front():
    with pytest.raises(GatewayRejected):
        RazorpayGateway("", "")


def test_retry_after_header_forms():
    from email.utils import format_datetime

    from homa_desk.gateways.razorpay import _retry_after

    assert _retry_after("3") == 3.0
    assert _retry_after("1.5") == 1.5
    assert _retry_after(None) == 2.0
    assert _retry_after("soon") == 2.0
    assert _retry_after("-4") == 0.0
    in_ten = _retry_after(format_datetime(utcnow() + timedelta(seconds=10), usegmt=True))
    assert 8.0 <= in_ten <= 10.0


def test_429_without_retry_after_waits_two_seconds(gateway, fake_razorpay, monkeypatch):
    qr = create(gateway)
    original = fake_razorpay._dispatch

    def no_header(*args):
        status, headers, payload = original(*args)
        return (429, {"Content-Type": "application/json"}, payload) if args[0] == "GET" else (status, headers, payload)

    monkeypatch.setattr(fake_razorpay, "_dispatch", no_header)
    with pytest.raises(GatewayRateLimited) as caught:
        gateway.poll(qr.qr_id)
    assert caught.value.retry_after == 2.0
