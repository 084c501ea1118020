"""UPI by QR, end to end through the services, against the simulator and a local Razorpay."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.billing import BillStatus, PaymentState, SessionStatus
from homa_desk.domain.errors import Conflict, ValidationError
from homa_desk.domain.payments import GatewayRejected, GatewayUnavailable
from homa_desk.domain.timeutil import utcnow
from homa_desk.domain.upi import parse_upi_link
from homa_desk.gateways.razorpay import RazorpayGateway
from homa_desk.gateways.simulator import SimulatorGateway
from homa_desk.gateways.static_upi import StaticUpiGateway
from homa_desk.services import billing
from homa_desk.services import upi_payments as upi
from tests.appointment_helpers import StatementCounter
from tests.gateways.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay
from tests.services.billing_helpers import a_bill, a_patient


@pytest.fixture
def sim():
    return SimulatorGateway()


@pytest.fixture
def bill(uow, receptionist):
    return a_bill(uow, receptionist, a_patient(uow, receptionist), ("consultation", "Consultation", "1", "650"))


def test_pay_by_upi_for_the_balance_then_paid(uow, receptionist, sim, bill):
    billing.record_payment(uow, receptionist, bill.id, amount="150", method="cash")
    session = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    link = parse_upi_link(session.upi_link)
    assert (session.status, session.amount, link.amount) == (SessionStatus.ACTIVE, Decimal("500.00"),
                                                           Decimal("500.00"))
    assert session.patient_first_name == "Kavya"
    assert upi.check_upi_payment(uow, sim, session.id).status is SessionStatus.ACTIVE
    sim.simulate_payment(session.gateway_qr_id)
    paid = upi.check_upi_payment(uow, sim, session.id)
    assert paid.status is SessionStatus.COMPLETED and paid.payment_id is not None
    view = billing.get_bill(uow, receptionist, bill.id)
    assert view.status is BillStatus.PAID
    upi_payment = view.payments[-1]
    assert (upi_payment.method.value, upi_payment.state, upi_payment.amount) == ("upi", PaymentState.COMPLETED,
                                                                                 Decimal("500.00"))


def test_a_poll_that_finds_nothing_new_is_one_read(engine, uow, receptionist, sim, bill):
    """The desk polls every 2 s a database 100 ms away: an unpaid QR costs one statement, no transaction."""
    session = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    with StatementCounter(engine) as counter:
        assert upi.check_upi_payment(uow, sim, session.id).status is SessionStatus.ACTIVE
    assert len(counter.statements) == 1
    sim.simulate_payment(session.gateway_qr_id)
    with StatementCounter(engine) as counter:
        assert upi.check_upi_payment(uow, sim, session.id).status is SessionStatus.COMPLETED
    assert any("FOR UPDATE" in statement for statement in counter.statements)


def test_one_open_session_per_bill_and_nothing_due_means_no_qr(uow, receptionist, sim, bill):
    upi.start_upi_payment(uow, sim, receptionist, bill.id)
    with pytest.raises(Conflict, match="already open"):
        upi.start_upi_payment(uow, sim, receptionist, bill.id)
    other = a_bill(uow, receptionist, bill.patient_id)
    billing.record_payment(uow, receptionist, other.id, amount="500", method="cash")
    with pytest.raises(Conflict, match="Nothing is due"):
        upi.start_upi_payment(uow, sim, receptionist, other.id)


def test_desks_polling_the_same_session_record_the_payment_once(engine, uow, receptionist, sim, bill):
    session = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    sim.simulate_payment(session.gateway_qr_id)
    barrier = threading.Barrier(4)
    results = []

    def poll() -> None:
        barrier.wait()
        results.append(upi.check_upi_payment(UnitOfWork(engine), sim, session.id).status)

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [SessionStatus.COMPLETED] * 4
    assert len(billing.get_bill(uow, receptionist, bill.id).payments) == 1


def test_wrong_amount_is_flagged_for_review_never_paid(uow, receptionist, sim, bill):
    session = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    sim.simulate_payment(session.gateway_qr_id, amount=Decimal("65.00"))
    flagged = upi.check_upi_payment(uow, sim, session.id)
    assert flagged.status is SessionStatus.REVIEW and "expected 650.00" in flagged.review_reason
    view = billing.get_bill(uow, receptionist, bill.id)
    assert view.status is BillStatus.OPEN and view.totals.balance_due == Decimal("650.00")
    [held] = view.payments
    assert held.state is PaymentState.PENDING and held.review_reason


def test_two_payments_on_a_single_use_qr_are_flagged(uow, receptionist, sim, bill):
    session = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    sim.simulate_payment(session.gateway_qr_id)
    sim.simulate_payment(session.gateway_qr_id, even_if_closed=True)
    assert upi.check_upi_payment(uow, sim, session.id).status is SessionStatus.REVIEW
    assert billing.get_bill(uow, receptionist, bill.id).status is BillStatus.OPEN


def test_expiry_closes_the_qr_and_a_last_second_payment_still_counts(uow, receptionist, sim, bill):
    session = upi.start_upi_payment(uow, sim, receptionist, bill.id, expires_in=timedelta(minutes=10))
    later = utcnow() + timedelta(minutes=11)
    assert upi.check_upi_payment(uow, sim, session.id, now=later).status is SessionStatus.EXPIRED

    other = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    sim.simulate_payment(other.gateway_qr_id)
    assert upi.check_upi_payment(uow, sim, other.id, now=later).status is SessionStatus.COMPLETED


def test_cancel_closes_the_qr_but_a_payment_made_meanwhile_wins(uow, receptionist, sim, bill):
    session = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    cancelled = upi.cancel_upi_payment(uow, sim, receptionist, session.id)
    assert cancelled.status is SessionStatus.CANCELLED
    with pytest.raises(GatewayRejected, match="no longer accepts payments"):
        sim.simulate_payment(session.gateway_qr_id)

    raced = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    sim.simulate_payment(raced.gateway_qr_id)  # paid a moment before the receptionist pressed Cancel
    assert upi.cancel_upi_payment(uow, sim, receptionist, raced.id).status is SessionStatus.COMPLETED


def test_gateway_down_at_start_leaves_no_open_session(uow, receptionist, bill):
    class Down(SimulatorGateway):
        def create_qr(self, **kwargs):
            raise GatewayUnavailable()

    with pytest.raises(GatewayUnavailable):
        upi.start_upi_payment(uow, Down(), receptionist, bill.id)
    with uow:
        assert uow.upi_sessions.active_for_bill(bill.id) is None


def test_static_upi_is_confirmed_with_the_utr_once(uow, receptionist, bill):
    gateway = StaticUpiGateway("sunrise.clinic@okaxis", "Sunrise Clinic")
    session = upi.start_upi_payment(uow, gateway, receptionist, bill.id)
    link = parse_upi_link(session.upi_link)
    assert (link.vpa, link.amount, link.reference) == ("sunrise.clinic@okaxis", Decimal("650.00"), session.session_id)
    assert upi.check_upi_payment(uow, gateway, session.id).status is SessionStatus.ACTIVE
    with pytest.raises(ValidationError):
        upi.confirm_by_reference(uow, receptionist, session.id, "12")
    done = upi.confirm_by_reference(uow, receptionist, session.id, "432198765012")
    assert done.status is SessionStatus.COMPLETED
    other = a_bill(uow, receptionist, bill.patient_id)
    again = upi.start_upi_payment(uow, gateway, receptionist, other.id)
    with pytest.raises(ValidationError, match=f"already recorded on bill {re.escape(bill.bill_number)}"):
        upi.confirm_by_reference(uow, receptionist, again.id, "432198765012")


def test_reconcile_after_a_restart_settles_what_was_left_open(uow, receptionist, sim, bill):
    paid_while_down = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    sim.simulate_payment(paid_while_down.gateway_qr_id)
    other_bill = a_bill(uow, receptionist, bill.patient_id)
    stale = upi.start_upi_payment(uow, sim, receptionist, other_bill.id)
    settled = upi.reconcile(uow, sim, now=utcnow() + timedelta(minutes=30))
    assert {s.id: s.status for s in settled} == {paid_while_down.id: SessionStatus.COMPLETED,
                                                 stale.id: SessionStatus.EXPIRED}
    assert upi.reconcile(uow, sim) == []


def test_razorpay_flow_against_a_local_server(uow, receptionist, bill):
    with FakeRazorpay() as server:
        gateway = RazorpayGateway(KEY_ID, KEY_SECRET, base_url=server.base_url)
        session = upi.start_upi_payment(uow, gateway, receptionist, bill.id)
        assert session.gateway == gateway.name and session.gateway_qr_id
        assert upi.check_upi_payment(uow, gateway, session.id).status is SessionStatus.ACTIVE
        server.mark_paid(session.gateway_qr_id)
        server.fail_next(1, 500)
        done = upi.check_upi_payment(uow, gateway, session.id)  # one 500, retried by the adapter
        assert done.status is SessionStatus.COMPLETED
        assert billing.get_bill(uow, receptionist, bill.id).status is BillStatus.PAID
        gateway.close()


def test_razorpay_keeps_the_desks_countdown_and_the_desk_closes_the_qr_when_it_ends(uow, receptionist, bill):
    """Razorpay refuses a close_by under 15 minutes ahead, so it gets a later one; the panel's countdown stays the
    desk's 10 minutes, and when it ends the desk closes the QR itself. Money a patient's app still sends after that
    is held for review at the next start, never completed."""
    with FakeRazorpay() as server:
        gateway = RazorpayGateway(KEY_ID, KEY_SECRET, base_url=server.base_url)
        started = utcnow()
        session = upi.start_upi_payment(uow, gateway, receptionist, bill.id)
        assert timedelta(0) <= session.expires_at - started - upi.DEFAULT_EXPIRY < timedelta(seconds=5)
        qr = server.qrs[session.gateway_qr_id].data
        assert qr["close_by"] >= (started + timedelta(minutes=15)).timestamp()
        almost = session.expires_at - timedelta(seconds=1)
        assert upi.check_upi_payment(uow, gateway, session.id, now=almost).status is SessionStatus.ACTIVE
        assert qr["status"] == "active"

        ended = upi.check_upi_payment(uow, gateway, session.id, now=session.expires_at)
        assert ended.status is SessionStatus.EXPIRED
        assert (qr["status"], qr["close_reason"]) == ("closed", "on_demand")  # closed by the desk, not by time

        server.mark_paid(session.gateway_qr_id)
        upi.reconcile(uow, gateway)
        view = billing.get_bill(uow, receptionist, bill.id)
        [held] = view.payments
        assert held.state is PaymentState.PENDING and held.review_reason == upi.LATE_PAYMENT
        assert view.status is BillStatus.OPEN
        gateway.close()


def test_reconcile_expires_simulator_sessions_a_previous_desk_process_left_open(uow, receptionist, sim, bill):
    left_open = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    restarted = SimulatorGateway()  # the simulator keeps its QRs in memory: a new process knows none of them
    [settled] = upi.reconcile(uow, restarted)
    assert (settled.id, settled.status) == (left_open.id, SessionStatus.EXPIRED)


def test_upi_money_is_received_by_the_receptionist_who_started_or_confirmed_it(uow, admin, receptionist, sim, bill):
    """Daily collection groups money by who received it: a UPI payment has a receiver like cash has."""
    session = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    sim.simulate_payment(session.gateway_qr_id)
    upi.check_upi_payment(uow, sim, session.id)  # the poller acts for no one: the QR's starter received it
    assert billing.get_bill(uow, receptionist, bill.id).payments[-1].received_by == "Asha Verma"

    static = StaticUpiGateway("sunrise.clinic@okaxis", "Sunrise Clinic")
    other = a_bill(uow, receptionist, bill.patient_id)
    started = upi.start_upi_payment(uow, static, receptionist, other.id)
    upi.confirm_by_reference(uow, admin, started.id, "432198765012")  # whoever checked the bank app received it
    assert billing.get_bill(uow, receptionist, other.id).payments[-1].received_by == "Meera Iyer"
