from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from homa_desk.domain.payments import (
    GatewayMalformed,
    GatewayPayment,
    GatewayRateLimited,
    GatewayRejected,
    GatewayUnavailable,
    PaymentStatus,
    QrStatus,
)
from homa_desk.gateways.polling import Outcome, PollSchedule, evaluate_payments, should_stop

PRICE = Decimal("500.00")


def pay(status=PaymentStatus.CAPTURED, amount=PRICE, currency="INR", n=1):
    return GatewayPayment(payment_id=f"pay_{n}", amount=amount, currency=currency, status=status, method="upi")


# -- PollSchedule ---------------------------------------------------------------------------------------------

def test_interval_while_ok():
    schedule = PollSchedule(2.0)
    assert [schedule.next_delay() for _ in range(3)] == [2.0, 2.0, 2.0]


def test_default_interval_is_two_seconds():
    assert PollSchedule().next_delay() == 2.0


@pytest.mark.parametrize("error", [GatewayUnavailable(), GatewayMalformed(), GatewayRejected("no")])
def test_backoff_grows_with_jitter_up_to_the_cap(error):
    schedule = PollSchedule(2.0, max_backoff=30.0, rng=random.Random(1))
    delays = [schedule.next_delay(error) for _ in range(10)]
    assert 2.0 <= delays[0] <= 4.0
    assert 4.0 <= delays[1] <= 8.0
    assert all(15.0 <= d <= 30.0 for d in delays[4:])
    assert len(set(delays[4:])) > 1  # jitter: desks do not retry in step


def test_success_resets_the_backoff():
    schedule = PollSchedule(2.0, rng=random.Random(2))
    for _ in range(5):
        schedule.next_delay(GatewayUnavailable())
    assert schedule.next_delay() == 2.0
    assert schedule.next_delay(GatewayUnavailable()) <= 4.0


@pytest.mark.parametrize("retry_after, expected", [(7.0, 7.0), (0.5, 2.0), (2.0, 2.0), (0.0, 2.0)])
def test_rate_limit_waits_exactly_retry_after_or_the_interval(retry_after, expected):
    schedule = PollSchedule(2.0)
    assert schedule.next_delay(GatewayRateLimited(retry_after)) == expected
    assert schedule.failures == 0


def test_interval_must_be_positive():
    with pytest.raises(ValueError):
        PollSchedule(0)


@given(interval=st.floats(0.1, 10), cap=st.floats(0.1, 120), seed=st.integers(0, 2**32),
       outcomes=st.lists(st.sampled_from(["ok", "down", "bad", "slow"]), max_size=40))
def test_delays_stay_within_bounds(interval, cap, seed, outcomes):
    schedule = PollSchedule(interval, max_backoff=cap, rng=random.Random(seed))
    errors = {"ok": None, "down": GatewayUnavailable(), "bad": GatewayMalformed(), "slow": GatewayRateLimited(9)}
    for outcome in outcomes:
        delay = schedule.next_delay(errors[outcome])
        if outcome == "ok":
            assert delay == interval
        elif outcome == "slow":
            assert delay == max(9, interval)
        else:
            assert interval <= delay <= max(cap, interval)


def test_should_stop():
    now = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
    later = now + timedelta(minutes=5)
    assert not should_stop(now, later, QrStatus.ACTIVE)
    assert should_stop(later, later, QrStatus.ACTIVE)
    for status in (QrStatus.PAID, QrStatus.CLOSED, QrStatus.EXPIRED):
        assert should_stop(now, later, status)


# -- evaluate_payments ----------------------------------------------------------------------------------------

def test_nothing_yet_is_pending():
    assert evaluate_payments(PRICE, "INR", []).outcome is Outcome.PENDING


def test_one_exact_captured_payment_is_paid():
    payment = pay()
    verdict = evaluate_payments(PRICE, "INR", [pay(PaymentStatus.FAILED, n=0), payment])
    assert verdict.outcome is Outcome.PAID and verdict.payment == payment
    assert verdict.outcome.settled and not verdict.outcome.needs_review


def test_trailing_zeros_do_not_matter():
    assert evaluate_payments(Decimal("500"), "INR", [pay()]).outcome is Outcome.PAID


@pytest.mark.parametrize("payment", [pay(amount=Decimal("499.99")), pay(amount=Decimal("500.01")),
                                     pay(amount=Decimal("5000.00")), pay(currency="USD")])
def test_wrong_amount_or_currency_is_a_mismatch(payment):
    verdict = evaluate_payments(PRICE, "INR", [payment])
    assert verdict.outcome is Outcome.MISMATCH and verdict.payment == payment and verdict.reason
    assert verdict.outcome.needs_review


def test_two_captured_payments_are_a_duplicate():
    verdict = evaluate_payments(PRICE, "INR", [pay(n=1), pay(n=2)])
    assert verdict.outcome is Outcome.DUPLICATE and verdict.outcome.needs_review


def test_a_captured_and_a_refunded_payment_are_a_duplicate():
    assert evaluate_payments(PRICE, "INR", [pay(n=1), pay(PaymentStatus.REFUNDED, n=2)]).outcome is Outcome.DUPLICATE


def test_only_a_refund_is_a_mismatch():
    assert evaluate_payments(PRICE, "INR", [pay(PaymentStatus.REFUNDED)]).outcome is Outcome.MISMATCH


def test_only_failed_attempts_is_failed_and_not_settled():
    verdict = evaluate_payments(PRICE, "INR", [pay(PaymentStatus.FAILED, n=1), pay(PaymentStatus.FAILED, n=2)])
    assert verdict.outcome is Outcome.FAILED and not verdict.outcome.settled


@pytest.mark.parametrize("status", [PaymentStatus.AUTHORIZED, PaymentStatus.CREATED])
def test_money_not_captured_yet_is_pending(status):
    assert evaluate_payments(PRICE, "INR", [pay(PaymentStatus.FAILED), pay(status, n=2)]).outcome is Outcome.PENDING


_payments = st.lists(st.builds(
    pay, status=st.sampled_from(list(PaymentStatus)), n=st.integers(1, 99),
    amount=st.sampled_from([PRICE, Decimal("500"), Decimal("499.99"), Decimal("1000.00")]),
    currency=st.sampled_from(["INR", "inr", "USD"])), max_size=6)


@given(payments=_payments)
def test_paid_only_for_exactly_one_exact_captured_payment(payments):
    verdict = evaluate_payments(PRICE, "INR", payments)
    captured = [p for p in payments if p.status is PaymentStatus.CAPTURED]
    received = [p for p in payments if p.status in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED)]
    if verdict.outcome is Outcome.PAID:
        assert len(received) == 1 and len(captured) == 1
        assert captured[0].amount == PRICE and captured[0].currency.upper() == "INR"
        assert verdict.payment is captured[0]
    if len(received) > 1:
        assert verdict.outcome is Outcome.DUPLICATE
    if not received:
        assert verdict.outcome in (Outcome.PENDING, Outcome.FAILED)
    if received:
        assert verdict.outcome.settled
