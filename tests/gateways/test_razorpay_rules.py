"""Razorpay's documented QR Codes rules (listed, with their sources, in fake_razorpay.py as R1–R18): the local
stand-in refuses each violation as Razorpay does, the adapter never commits one, and each refusal reaches the desk
as a GatewayRejected with Razorpay's words, never a traceback."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests

from homa_desk.domain.payments import GatewayRejected, QrStatus
from homa_desk.domain.timeutil import utcnow
from homa_desk.gateways.razorpay import CLOCK_SKEW_MARGIN, MIN_CLOSE_BY, RazorpayGateway
from homa_desk.services.upi_payments import DEFAULT_EXPIRY
from tests.gateways.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay

QR_PATH = "/v1/payments/qr_codes"
ERROR_KEYS = {"code", "description", "field", "source", "step", "reason", "metadata"}


@pytest.fixture
def gateway(fake_razorpay):
    gw = RazorpayGateway(KEY_ID, KEY_SECRET, base_url=fake_razorpay.base_url, read_timeout=2.0, backoff_factor=0.01)
    yield gw
    gw.close()


def call(fake: FakeRazorpay, method: str, path: str, body: Any = None, *, auth: tuple[str, str] | None = None,
         data: bytes | None = None) -> tuple[int, dict[str, Any]]:
    response = requests.request(method, fake.base_url + path, json=body, data=data, timeout=5,
                                auth=auth or (KEY_ID, KEY_SECRET))
    return response.status_code, response.json()


def refused(fake: FakeRazorpay, method: str, path: str, body: Any = None, **kwargs: Any) -> str:
    """The description of a 4xx refusal, after checking it has Razorpay's error shape (R2)."""
    status, answer = call(fake, method, path, body, **kwargs)
    assert 400 <= status < 500, answer
    assert set(answer) == {"error"} and set(answer["error"]) == ERROR_KEYS
    assert answer["error"]["code"] == "BAD_REQUEST_ERROR"
    return answer["error"]["description"]


def valid_body(**changes: Any) -> dict[str, Any]:
    """A create body Razorpay accepts, with `changes`: `...` drops a field, a callable is called now."""
    body = {"type": "upi_qr", "name": "Bill B-1", "usage": "single_use", "fixed_amount": True,
            "payment_amount": 65000, "description": "Bill B-1", "close_by": minutes_ahead(20),
            "notes": {"reference": "HD0123456789ABCDEF"}}
    body.update(changes)
    return {key: value() if callable(value) else value for key, value in body.items() if value is not ...}


def minutes_ahead(minutes: float) -> Any:
    return lambda: int(time.time() + minutes * 60)


# (rule, the body's changes, what Razorpay's answer says); `...` drops the field.
CREATE_VIOLATIONS = [
    ("R6 extra field", {"currency": "INR"}, "currency is/are not required and should not be sent"),
    ("R6 GST block", {"tax_invoice": {"number": "INV1"}}, "tax_invoice is/are not required"),
    ("R7 type missing", {"type": ...}, "The type field is required."),
    ("R7 type bharat_qr", {"type": "bharat_qr"}, "The selected type is invalid."),
    ("R8 usage missing", {"usage": ...}, "The usage field is required."),
    ("R8 usage unknown", {"usage": "once"}, "The selected usage is invalid."),
    ("R9 fixed_amount a string", {"fixed_amount": "true"}, "must be true or false"),
    ("R9 single_use needs fixed_amount", {"fixed_amount": ..., "payment_amount": ...}, "must be true for a single_use"),
    ("R10 payment_amount missing", {"payment_amount": ...}, "The payment amount field is required"),
    ("R10 payment_amount a float", {"payment_amount": 650.0}, "must be an integer"),
    ("R10 payment_amount a string", {"payment_amount": "65000"}, "must be an integer"),
    ("R10 payment_amount a boolean", {"payment_amount": True}, "must be an integer"),
    ("R10 under one rupee", {"payment_amount": 99}, "must be at least 100"),
    ("R10 amount without fixed_amount", {"usage": "multiple_use", "fixed_amount": False, "close_by": ...},
     "payment_amount is/are not required"),
    ("R11 name too long", {"name": "n" * 101}, "The name may not be greater than 100 characters."),
    ("R11 name not a string", {"name": 7}, "The name must be a string."),
    ("R11 description too long", {"description": "d" * 256}, "may not be greater than 255 characters"),
    ("R12 unknown customer", {"customer_id": "cust_HKsR5se84c5LTO"}, "cust_HKsR5se84c5LTO is not a valid id"),
    ("R13 close_by in 14 minutes", {"close_by": minutes_ahead(14)}, "at least 15 minutes after current time"),
    ("R13 close_by in the past", {"close_by": minutes_ahead(-1)}, "at least 15 minutes after current time"),
    ("R13 close_by after 2 hours", {"close_by": minutes_ahead(121)}, "at most 2 hours after current time"),
    ("R13 close_by a float", {"close_by": lambda: time.time() + 20 * 60.0}, "must be an integer"),
    ("R13 close_by on a multiple_use QR", {"usage": "multiple_use"}, "close_by is/are not required"),
    ("R14 sixteen notes", {"notes": {f"k{i}": "v" for i in range(16)}}, "less than or equal to 15"),
    ("R14 a note over 256 characters", {"notes": {"reference": "r" * 257}}, "may not be greater than 256"),
    ("R14 a nested note", {"notes": {"reference": {"id": 1}}}, "The notes.reference is invalid."),
    ("R14 notes not an object", {"notes": ["reference"]}, "The notes must be an object."),
]


def test_a_valid_body_is_accepted(fake_razorpay):
    """The control for every refusal below: only the named change makes the body wrong."""
    body = valid_body()
    status, answer = call(fake_razorpay, "POST", QR_PATH, body)
    assert status == 200 and answer["status"] == "active" and answer["close_by"] == body["close_by"]


@pytest.mark.parametrize(("changes", "description"), [v[1:] for v in CREATE_VIOLATIONS],
                         ids=[v[0] for v in CREATE_VIOLATIONS])
def test_the_stand_in_refuses_a_create_that_breaks_a_rule(fake_razorpay, changes, description):
    assert description in refused(fake_razorpay, "POST", QR_PATH, valid_body(**changes))
    assert fake_razorpay.qrs == {}


@pytest.mark.parametrize(("changes", "description"), [v[1:] for v in CREATE_VIOLATIONS],
                         ids=[v[0] for v in CREATE_VIOLATIONS])
def test_the_adapter_reports_each_refusal_as_gateway_rejected(gateway, changes, description):
    with pytest.raises(GatewayRejected) as caught:
        gateway._request("POST", QR_PATH, json=valid_body(**changes))
    assert str(caught.value).startswith("Razorpay refused the request: ") and description in str(caught.value)


def test_r5_a_body_that_is_not_a_json_object_is_refused(fake_razorpay):
    assert "JSON object" in refused(fake_razorpay, "POST", QR_PATH, ["upi_qr"])
    assert "JSON object" in refused(fake_razorpay, "POST", QR_PATH, data=b"type=upi_qr")


@pytest.mark.parametrize(("method", "path"), [("POST", QR_PATH), ("GET", f"{QR_PATH}/qr_0123456789abcd"),
                                              ("GET", f"{QR_PATH}/qr_0123456789abcd/payments"),
                                              ("POST", f"{QR_PATH}/qr_0123456789abcd/close")])
def test_r1_every_endpoint_needs_the_key_id_and_secret(fake_razorpay, method, path):
    body = valid_body() if path == QR_PATH else None
    for auth in ((KEY_ID, "wrong-secret"), ("rzp_test_other", KEY_SECRET), ("", "")):
        status, answer = call(fake_razorpay, method, path, body, auth=auth)
        assert status == 401 and answer["error"]["description"] == "The api key provided is invalid"
    assert fake_razorpay.qrs == {}


def test_r1_the_adapter_names_refused_keys_without_the_secret(fake_razorpay):
    gw = RazorpayGateway(KEY_ID, "wrong-secret", base_url=fake_razorpay.base_url)
    for action in (lambda: gw.poll("qr_0123456789abcd"), lambda: gw.close_qr("qr_0123456789abcd"),
                   lambda: gw.payments("qr_0123456789abcd")):
        with pytest.raises(GatewayRejected, match=r"^Razorpay refused the API keys: The api key provided is invalid$"):
            action()
    gw.close()


@pytest.mark.parametrize(("method", "path"), [("GET", QR_PATH + "/qr_0123456789abcd/close"),
                                              ("POST", QR_PATH + "/qr_0123456789abcd"),
                                              ("GET", "/v1/qr_codes"), ("POST", QR_PATH + "/qr_0123456789abcd/x")])
def test_r3_an_unknown_route_or_wrong_method_is_refused(fake_razorpay, method, path):
    assert refused(fake_razorpay, method, path) == "The requested URL was not found on the server."


def test_r4_gets_and_close_take_no_body(fake_razorpay, gateway):
    qr = gateway.create_qr(amount=Decimal("650"), reference="HD1", description="Bill B-1",
                           expires_at=utcnow() + DEFAULT_EXPIRY)
    for method, path in (("GET", f"{QR_PATH}/{qr.qr_id}"), ("GET", f"{QR_PATH}/{qr.qr_id}/payments"),
                         ("POST", f"{QR_PATH}/{qr.qr_id}/close")):
        assert refused(fake_razorpay, method, path, {"amount": 1}) == \
            "amount is/are not required and should not be sent"
    assert refused(fake_razorpay, "GET", f"{QR_PATH}/{qr.qr_id}?expand=payments") == \
        "expand is/are not required and should not be sent"
    assert gateway.poll(qr.qr_id).status is QrStatus.ACTIVE  # nothing closed it


@pytest.mark.parametrize("suffix", ["", "/payments", "/close"])
def test_r15_a_malformed_or_unknown_id_is_refused(fake_razorpay, gateway, suffix):
    method = "POST" if suffix == "/close" else "GET"
    assert refused(fake_razorpay, method, f"{QR_PATH}/qr_short{suffix}") == "qr_short is not a valid id"
    assert refused(fake_razorpay, method, f"{QR_PATH}/pay_0123456789abcd{suffix}") == \
        "pay_0123456789abcd is not a valid id"
    assert refused(fake_razorpay, method, f"{QR_PATH}/qr_0123456789abcd{suffix}") == "The id provided does not exist"


def test_r15_the_adapter_reports_an_unknown_qr_as_gateway_rejected(gateway):
    for action in (gateway.poll, gateway.close_qr, gateway.payments):
        with pytest.raises(GatewayRejected, match=r"^Razorpay refused the request: The id provided does not exist$"):
            action("qr_0123456789abcd")


def test_r16_payments_come_ten_a_page_unless_asked_and_at_most_a_hundred(fake_razorpay, gateway):
    qr = gateway.create_qr(amount=Decimal("650"), reference="HD1", description="Bill B-1",
                           expires_at=utcnow() + DEFAULT_EXPIRY)
    for _ in range(12):
        fake_razorpay.mark_paid(qr.qr_id, status="failed")
    path = f"{QR_PATH}/{qr.qr_id}/payments"
    assert call(fake_razorpay, "GET", path)[1]["count"] == 10
    assert call(fake_razorpay, "GET", path + "?count=5&skip=10")[1]["count"] == 2
    assert call(fake_razorpay, "GET", path + "?count=100")[1]["count"] == 12
    assert refused(fake_razorpay, "GET", path + "?count=101") == "The count must be between 1 and 100."
    assert refused(fake_razorpay, "GET", path + "?count=0") == "The count must be between 1 and 100."
    assert refused(fake_razorpay, "GET", path + "?skip=-1") == "The skip must be an integer."
    assert refused(fake_razorpay, "GET", path + "?status=captured") == \
        "status is/are not required and should not be sent"


def test_r16_the_adapter_sees_a_payment_behind_ten_failed_attempts(fake_razorpay, gateway):
    """A patient who tries ten times before the money goes through: the captured payment is on the second page
    of Razorpay's default ten, and the desk must still see it."""
    qr = gateway.create_qr(amount=Decimal("650"), reference="HD1", description="Bill B-1",
                           expires_at=utcnow() + DEFAULT_EXPIRY)
    for _ in range(10):
        fake_razorpay.mark_paid(qr.qr_id, status="failed")
    fake_razorpay.mark_paid(qr.qr_id)
    result = gateway.poll(qr.qr_id)
    assert result.status is QrStatus.PAID
    assert [p.status.value for p in result.payments].count("captured") == 1 and len(result.payments) == 11


def test_r16_the_adapter_pages_past_a_hundred(fake_razorpay, gateway):
    qr = gateway.create_qr(amount=Decimal("650"), reference="HD1", description="Bill B-1",
                           expires_at=utcnow() + DEFAULT_EXPIRY)
    for _ in range(101):
        fake_razorpay.mark_paid(qr.qr_id, status="failed")
    before = fake_razorpay.calls("GET")
    assert len(gateway.payments(qr.qr_id)) == 101
    assert fake_razorpay.calls("GET") - before == 2
    assert all(r.status == 200 for r in fake_razorpay.requests)


def test_r17_closing_a_closed_qr_is_refused_and_the_adapter_takes_that_as_closed(fake_razorpay, gateway):
    qr = gateway.create_qr(amount=Decimal("650"), reference="HD1", description="Bill B-1",
                           expires_at=utcnow() + DEFAULT_EXPIRY)
    assert call(fake_razorpay, "POST", f"{QR_PATH}/{qr.qr_id}/close")[1]["close_reason"] == "on_demand"
    assert refused(fake_razorpay, "POST", f"{QR_PATH}/{qr.qr_id}/close") == "QR code is already closed"
    gateway.close_qr(qr.qr_id)
    assert gateway.poll(qr.qr_id).status is QrStatus.CLOSED


def test_r18_a_qr_past_its_close_by_closes_by_itself(fake_razorpay, gateway):
    qr = gateway.create_qr(amount=Decimal("650"), reference="HD1", description="Bill B-1",
                           expires_at=utcnow() + DEFAULT_EXPIRY)
    fake_razorpay.clock_skew = (qr.expires_at - utcnow()).total_seconds() + 1
    assert gateway.poll(qr.qr_id).status is not QrStatus.ACTIVE
    data = fake_razorpay.qrs[qr.qr_id].data
    assert (data["status"], data["close_reason"], data["closed_at"]) == ("closed", None, data["close_by"])
    gateway.close_qr(qr.qr_id)  # the desk's own close at the end of its countdown is not an error


# -- the adapter never breaks a rule ---------------------------------------------------------------------------

@pytest.mark.parametrize("desk_expiry", [timedelta(minutes=-1), timedelta(0), timedelta(minutes=2), DEFAULT_EXPIRY,
                                         timedelta(minutes=15), timedelta(minutes=45), timedelta(hours=3)],
                         ids=lambda d: f"{d.total_seconds() / 60:g}min")
def test_r13_the_adapter_sends_a_close_by_razorpay_accepts_whatever_the_desks_countdown(fake_razorpay, gateway,
                                                                                          desk_expiry):
    """The desk's 10-minute countdown went to Razorpay as close_by, and Razorpay refuses under 15 minutes: every
    QR failed. Now close_by is the countdown moved into 15 minutes + the skew margin … 2 hours − the margin."""
    started = utcnow()
    expires_at = started + desk_expiry
    qr = gateway.create_qr(amount=Decimal("650"), reference="HD1", description="Bill B-1", expires_at=expires_at)
    close_by = fake_razorpay.requests[-1].body["close_by"]
    earliest = started + MIN_CLOSE_BY + CLOCK_SKEW_MARGIN
    assert int(earliest.timestamp()) <= close_by <= int((utcnow() + timedelta(hours=2) - CLOCK_SKEW_MARGIN)
                                                         .timestamp())
    if earliest < expires_at < started + timedelta(hours=1):
        assert close_by == int(expires_at.timestamp())
    assert int(qr.expires_at.timestamp()) == close_by


@pytest.mark.parametrize("skew_minutes", [-4.5, 4.5])
def test_r13_a_gateway_clock_minutes_off_still_takes_the_desks_qr(skew_minutes):
    with FakeRazorpay(clock_skew=skew_minutes * 60) as fake:
        gw = RazorpayGateway(KEY_ID, KEY_SECRET, base_url=fake.base_url)
        gw.create_qr(amount=Decimal("650"), reference="HD1", description="Bill B-1",
                     expires_at=utcnow() + DEFAULT_EXPIRY)
        gw.close()
        assert [r.status for r in fake.requests] == [200]


@pytest.mark.parametrize(("amount", "description", "customer_name"), [
    ("1", "Bill B-1", None), ("1.01", "Bill B-1", "Asha"), ("99999999.99", "d" * 400, "n" * 300),
    ("650", "", None), ("650", "बिल B-1 — परामर्श", "आशा"),
])
def test_r6_to_r14_what_the_adapter_sends_is_accepted(fake_razorpay, gateway, amount, description, customer_name):
    gateway.create_qr(amount=Decimal(amount), reference="HD0123456789ABCDEF", description=description,
                      expires_at=utcnow() + DEFAULT_EXPIRY, customer_name=customer_name)
    [sent] = fake_razorpay.requests
    assert sent.status == 200, sent.body


@pytest.mark.parametrize("amount", ["0.01", "0.99"])
def test_r10_the_adapter_refuses_under_one_rupee_itself_with_a_clear_message(fake_razorpay, gateway, amount):
    with pytest.raises(GatewayRejected, match="₹1 or more; take this amount in cash"):
        gateway.create_qr(amount=Decimal(amount), reference="HD1", description="Bill B-1",
                          expires_at=utcnow() + DEFAULT_EXPIRY)
    assert fake_razorpay.requests == []


def test_a_whole_payment_cycle_breaks_no_rule(fake_razorpay, gateway):
    """Create, poll while pending, paid, poll, close twice, late payment, poll: every call the adapter made was
    accepted, but for the second close, which Razorpay refuses and the adapter takes as done."""
    qr = gateway.create_qr(amount=Decimal("650"), reference="HD1", description="Bill B-1",
                           expires_at=utcnow() + DEFAULT_EXPIRY)
    gateway.poll(qr.qr_id)
    fake_razorpay.mark_paid(qr.qr_id)
    gateway.poll(qr.qr_id)
    gateway.close_qr(qr.qr_id)
    fake_razorpay.mark_paid(qr.qr_id)
    assert len(gateway.poll(qr.qr_id).payments) == 2
    refusals = [r for r in fake_razorpay.requests if r.status != 200]
    assert [(r.method, r.path) for r in refusals] == [("POST", f"{QR_PATH}/{qr.qr_id}/close")]
