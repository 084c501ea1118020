from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest

from homa_desk.domain.errors import NotFound
from homa_desk.domain.payments import GatewayRejected, PaymentStatus, QrStatus
from homa_desk.domain.timeutil import utcnow
from homa_desk.domain.upi import parse_upi_link
from homa_desk.gateways.base import PaymentGateway
from homa_desk.gateways.polling import Outcome, evaluate_payments
from homa_desk.gateways.simulator import SimulatorGateway


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def sim(clock):
    return SimulatorGateway(clock=clock)


def create(sim, clock, amount="750"):
    return sim.create_qr(amount=Decimal(amount), reference="PS42", description="Consultation",
                         expires_at=clock.now + timedelta(minutes=10))


def test_is_a_payment_gateway(sim):
    assert isinstance(sim, PaymentGateway) and not sim.needs_manual_confirmation


def test_qr_carries_a_upi_link_for_the_amount(sim, clock):
    qr = create(sim, clock)
    request = parse_upi_link(qr.upi_link)
    assert request.amount == Decimal("750.00") and request.reference == "PS42"
    assert qr.amount == Decimal("750.00")


def test_pending_then_paid(sim, clock):
    qr = create(sim, clock)
    assert sim.poll(qr.qr_id).status is QrStatus.ACTIVE
    payment = sim.simulate_payment(qr.qr_id)
    result = sim.poll(qr.qr_id)
    assert result.status is QrStatus.PAID and result.payments == [payment]
    assert evaluate_payments(qr.amount, "INR", result.payments).outcome is Outcome.PAID
    assert payment.captured_at == clock.now and payment.rrn


def test_wrong_amount_is_reported_as_given(sim, clock):
    qr = create(sim, clock)
    sim.simulate_payment(qr.qr_id, amount=Decimal("75.00"))
    assert evaluate_payments(qr.amount, "INR", sim.poll(qr.qr_id).payments).outcome is Outcome.MISMATCH


def test_wrong_currency(sim, clock):
    qr = create(sim, clock)
    sim.simulate_payment(qr.qr_id, currency="USD")
    assert evaluate_payments(qr.amount, "INR", sim.poll(qr.qr_id).payments).outcome is Outcome.MISMATCH


def test_expiry_and_close(sim, clock):
    first, second = create(sim, clock), create(sim, clock)
    sim.close_qr(first.qr_id)
    sim.close_qr(first.qr_id)
    assert sim.poll(first.qr_id).status is QrStatus.CLOSED
    clock.now += timedelta(minutes=10)
    assert sim.poll(second.qr_id).status is QrStatus.EXPIRED
    sim.close_qr(second.qr_id)
    assert sim.poll(second.qr_id).status is QrStatus.EXPIRED
    for qr in (first, second):
        with pytest.raises(GatewayRejected):
            sim.simulate_payment(qr.qr_id)


def test_paid_qr_refuses_a_second_payment_unless_racing(sim, clock):
    qr = create(sim, clock)
    sim.simulate_payment(qr.qr_id)
    with pytest.raises(GatewayRejected):
        sim.simulate_payment(qr.qr_id)
    sim.simulate_payment(qr.qr_id, even_if_closed=True)
    result = sim.poll(qr.qr_id)
    assert result.status is QrStatus.PAID
    assert evaluate_payments(qr.amount, "INR", result.payments).outcome is Outcome.DUPLICATE


def test_payment_racing_the_close_is_reported(sim, clock):
    qr = create(sim, clock)
    sim.close_qr(qr.qr_id)
    sim.simulate_payment(qr.qr_id, even_if_closed=True)
    result = sim.poll(qr.qr_id)
    assert result.status is QrStatus.CLOSED and len(result.payments) == 1


def test_failed_attempt_keeps_it_open(sim, clock):
    qr = create(sim, clock)
    sim.simulate_payment(qr.qr_id, status=PaymentStatus.FAILED)
    result = sim.poll(qr.qr_id)
    assert result.status is QrStatus.ACTIVE
    assert evaluate_payments(qr.amount, "INR", result.payments).outcome is Outcome.FAILED


def test_unknown_qr(sim):
    with pytest.raises(NotFound):
        sim.poll("qr_nope")


def test_thread_safe_under_concurrent_use(sim, clock):
    qrs = [create(sim, clock) for _ in range(50)]
    assert len({qr.qr_id for qr in qrs}) == 50

    def pay_and_poll(qr):
        sim.simulate_payment(qr.qr_id)
        sim.poll(qr.qr_id)

    threads = [threading.Thread(target=pay_and_poll, args=(qr,)) for qr in qrs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(sim.poll(qr.qr_id).status is QrStatus.PAID for qr in qrs)


def test_a_restarted_desk_never_reuses_a_qr_id(clock):
    """The database keeps every session's QR id (unique per gateway); a desk started again gets new ones."""
    first_run = create(SimulatorGateway(clock=clock), clock)
    second_run = create(SimulatorGateway(clock=clock), clock)
    assert first_run.qr_id != second_run.qr_id
