"""The day's captured payments from each gateway (close-of-day reconciliation): Razorpay's paged GET /v1/payments
against the local stand-in that enforces its documented rules, the simulator, and static UPI's refusal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from homa_desk.domain.payments import GatewayRejected, GatewayUnavailable, ListingUnsupported, PaymentStatus
from homa_desk.domain.reports import day_bounds
from homa_desk.gateways.razorpay import RazorpayGateway
from homa_desk.gateways.simulator import SimulatorGateway
from homa_desk.gateways.static_upi import StaticUpiGateway
from tests.gateways.fake_razorpay import KEY_ID, KEY_SECRET

DAY = date(2026, 11, 24)
START, END = day_bounds(DAY)
T0 = int(START.timestamp())
T_END = int(END.timestamp())


@pytest.fixture
def gateway(fake_razorpay):
    gw = RazorpayGateway(KEY_ID, KEY_SECRET, base_url=fake_razorpay.base_url, read_timeout=2.0, backoff_factor=0.01)
    yield gw
    gw.close()


def listing_queries(fake) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(r.path).query) for r in fake.requests if urlsplit(r.path).path == "/v1/payments"]


def test_more_than_a_hundred_payments_are_read_page_by_page(gateway, fake_razorpay):
    for n in range(250):
        fake_razorpay.add_payment(10_000 + 100 * n, created_at=T0 + 60 * n)
    fake_razorpay.add_payment(99_900, created_at=T0 + 7, status="refunded")  # captured, refunded since: received
    fake_razorpay.add_payment(50_000, created_at=T0 + 8, status="failed")
    fake_razorpay.add_payment(50_000, created_at=T0 + 9, status="authorized")

    listed = gateway.captured_payments(START, END)

    assert len(listed) == 251 and len({p.payment_id for p in listed}) == 251
    assert sum((p.amount for p in listed), Decimal(0)) == sum(Decimal(100 + n) for n in range(250)) + Decimal("999")
    assert all(isinstance(p.amount, Decimal) and p.captured_at is not None for p in listed)
    assert {p.status for p in listed} == {PaymentStatus.CAPTURED, PaymentStatus.REFUNDED}
    queries = listing_queries(fake_razorpay)
    assert [q["skip"] for q in queries] == [["0"], ["100"], ["200"]]  # 253 listed: pages of 100, 100, 53
    assert all(q["count"] == ["100"] for q in queries)


def test_exactly_a_hundred_needs_a_second_call_to_know_it_is_the_end(gateway, fake_razorpay):
    for n in range(100):
        fake_razorpay.add_payment(100, created_at=T0 + n)
    assert len(gateway.captured_payments(START, END)) == 100
    assert [q["skip"] for q in listing_queries(fake_razorpay)] == [["0"], ["100"]]


def test_only_the_clinic_day_in_ist_is_kept(gateway, fake_razorpay):
    inside = [fake_razorpay.add_payment(100, created_at=T0)["id"],  # 00:00:00 IST
              fake_razorpay.add_payment(200, created_at=T_END - 1)["id"]]  # 23:59:59 IST
    fake_razorpay.add_payment(300, created_at=T0 - 1)  # the evening before
    fake_razorpay.add_payment(400, created_at=T_END)  # the next clinic day
    listed = gateway.captured_payments(START, END)
    assert sorted(p.payment_id for p in listed) == sorted(inside)
    assert {p.captured_at for p in listed} == {START.astimezone(UTC), (END - timedelta(seconds=1)).astimezone(UTC)}


def test_payments_made_on_qrs_are_listed_with_their_rrn(gateway, fake_razorpay):
    qr = gateway.create_qr(amount=Decimal("450"), reference="HD01", description="Bill 1",
                           expires_at=datetime.now(UTC) + timedelta(minutes=20))
    paid = fake_razorpay.mark_paid(qr.qr_id)
    now = datetime.now(UTC)
    [listed] = gateway.captured_payments(now - timedelta(hours=1), now + timedelta(hours=1))
    assert (listed.payment_id, listed.amount, listed.rrn) == (paid["id"], Decimal("450.00"), "412345678901")


def test_an_unreachable_gateway_is_unavailable_not_a_partial_list(gateway, fake_razorpay):
    for n in range(150):
        fake_razorpay.add_payment(100, created_at=T0 + n)
    fake_razorpay.fail_next(10, status=503, method="GET")
    with pytest.raises(GatewayUnavailable):
        gateway.captured_payments(START, END)


def test_wrong_keys_are_refused(fake_razorpay):
    gw = RazorpayGateway(KEY_ID, "not-the-secret", base_url=fake_razorpay.base_url)
    with pytest.raises(GatewayRejected, match="refused the API keys"):
        gw.captured_payments(START, END)


# -- the stand-in enforces the documented rules (so the adapter above is tested against them) -------------------

def raw_list(fake, query: str, auth=(KEY_ID, KEY_SECRET)) -> requests.Response:
    return requests.get(f"{fake.base_url}/v1/payments?{query}", auth=auth, timeout=5)


@pytest.mark.parametrize("query, message", [
    ("count=101", "count must be between 1 and 100"),
    ("count=0", "count must be between 1 and 100"),
    ("count=ten", "count must be an integer"),
    ("skip=-1", "skip must be an integer"),
    (f"from={T0 * 1000}", "from must be between 946684800 and 4765046400"),  # milliseconds
    ("from=2026-11-24", "from must be an integer"),
    (f"to={T0}.5", "to must be an integer"),
    ("expand[]=card", "expand[] is/are not required"),
    (f"from={T0 + 10}&to={T0}", "from must be before to"),
    ("status=captured", "status is/are not required"),
])
def test_the_stand_in_refuses_what_razorpay_documents_as_invalid(fake_razorpay, query, message):
    answer = raw_list(fake_razorpay, query)
    assert answer.status_code == 400 and message in answer.json()["error"]["description"]


def test_the_stand_in_lists_ten_newest_first_by_default_and_needs_the_keys(fake_razorpay):
    for n in range(12):
        fake_razorpay.add_payment(100 + n, created_at=T0 + n)
    assert raw_list(fake_razorpay, "", auth=(KEY_ID, "wrong")).status_code == 401
    answer = raw_list(fake_razorpay, "").json()
    assert answer["entity"] == "collection" and answer["count"] == 10
    assert [item["amount"] for item in answer["items"]] == list(range(111, 101, -1))
    between = raw_list(fake_razorpay, f"from={T0 + 2}&to={T0 + 5}").json()  # "after" and "before": both ends out
    assert [item["amount"] for item in between["items"]] == [104, 103]


# -- the other gateways ----------------------------------------------------------------------------------------------

def test_the_simulator_lists_its_captured_payments_of_the_range():
    clock_now = [START + timedelta(hours=10)]
    sim = SimulatorGateway(clock=lambda: clock_now[0])
    qr = sim.create_qr(amount=Decimal("300"), reference="HD02", description="Bill 2", expires_at=END)
    paid = sim.simulate_payment(qr.qr_id)
    other = sim.create_qr(amount=Decimal("50"), reference="HD03", description="Bill 3", expires_at=END)
    sim.simulate_payment(other.qr_id, status=PaymentStatus.FAILED)
    assert sim.captured_payments(START, END) == [paid]
    assert sim.captured_payments(END, END + timedelta(days=1)) == []


def test_static_upi_says_no_gateway_sees_the_money():
    with pytest.raises(ListingUnsupported, match="bank statement"):
        StaticUpiGateway("clinic@okaxis", "Clinic").captured_payments(START, END)
