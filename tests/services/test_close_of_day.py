"""Close of day, reconciled: the gateway's captured payments against the desk's (real PostgreSQL, the local Razorpay
and the simulator), and the counted cash drawer."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from homa_desk.domain.billing import PaymentState, SessionStatus
from homa_desk.domain.errors import PermissionDenied, ValidationError
from homa_desk.domain.payments import GatewayUnavailable
from homa_desk.domain.reconciliation import NOT_ON_A_DESK_QR, UNRECORDED, Finding
from homa_desk.domain.reports import HistoryFilters, HistoryStatus
from homa_desk.domain.timeutil import CLINIC_TZ, utcnow
from homa_desk.gateways.razorpay import RazorpayGateway
from homa_desk.gateways.simulator import SimulatorGateway
from homa_desk.gateways.static_upi import StaticUpiGateway
from homa_desk.services import billing, reports
from homa_desk.services import close_of_day as close
from homa_desk.services import upi_payments as upi
from tests.gateways.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay
from tests.services.billing_helpers import a_bill, a_patient


def today():
    return utcnow().astimezone(CLINIC_TZ).date()


@pytest.fixture
def fake():
    with FakeRazorpay() as server:
        yield server


@pytest.fixture
def razorpay(fake):
    gateway = RazorpayGateway(KEY_ID, KEY_SECRET, base_url=fake.base_url, read_timeout=2.0, backoff_factor=0.01)
    yield gateway
    gateway.close()


def paid_by_qr(uow, gateway, fake, actor, bill_id):
    session = upi.start_upi_payment(uow, gateway, actor, bill_id)
    paid = fake.mark_paid(session.gateway_qr_id)
    assert upi.check_upi_payment(uow, gateway, session.id).status is SessionStatus.COMPLETED
    return session, paid


def payment_of(uow, gateway_payment_id):
    with uow:
        payment_id = uow.payments.by_transaction_id(gateway_payment_id)
        return None if payment_id is None else uow.payments.lock(payment_id), payment_id


def test_razorpay_day_matched_held_flagged_and_audited(uow, receptionist, razorpay, fake):
    patient = a_patient(uow, receptionist)
    matched_bill = a_bill(uow, receptionist, patient, ("consultation", "Consultation", "1", "650"))
    paid_by_qr(uow, razorpay, fake, receptionist, matched_bill.id)

    late_bill = a_bill(uow, receptionist, patient, ("medicine", "Syrup", "1", "300"))
    late = upi.start_upi_payment(uow, razorpay, receptionist, late_bill.id)
    upi.cancel_upi_payment(uow, razorpay, receptionist, late.id)  # the patient paid after the desk gave up
    late_paid = fake.mark_paid(late.gateway_qr_id)

    elsewhere = fake.add_payment(120_000)  # a payment link, the website: no QR of this desk

    differs_bill = a_bill(uow, receptionist, patient, ("consultation", "Review", "1", "400"))
    _session, differs = paid_by_qr(uow, razorpay, fake, receptionist, differs_bill.id)
    differs["amount"] = 39_900  # the gateway's record disagrees with what the desk recorded

    utr_bill = a_bill(uow, receptionist, patient, ("consultation", "Dressing", "1", "200"))
    billing.record_payment(uow, receptionist, utr_bill.id, amount="200", method="upi", reference="UTR998877665")
    fake.add_payment(50_000, status="failed")  # never money

    result = close.reconcile_gateway(uow, razorpay, receptionist, today())

    assert result.supported and result.gateway == "razorpay" and result.held_now == 2
    assert (result.gateway_count, result.gateway_total) == (4, Decimal("650") + Decimal("300") + Decimal("1200")
                                                            + Decimal("399"))
    assert (result.matched_count, result.matched_total) == (1, Decimal("650.00"))
    held = {line.reference: line for line in result.of(Finding.HELD)}
    assert set(held) == {late_paid["id"], elsewhere["id"]}
    assert (held[late_paid["id"]].bill_number, held[late_paid["id"]].note) == (late_bill.bill_number, UNRECORDED)
    assert (held[elsewhere["id"]].bill_number, held[elsewhere["id"]].note) == (None, NOT_ON_A_DESK_QR)
    [differ] = result.of(Finding.AMOUNT_DIFFERS)
    assert (differ.reference, differ.gateway_amount, differ.desk_amount) == (differs["id"], Decimal("399.00"),
                                                                             Decimal("400.00"))
    [desk_only] = result.of(Finding.DESK_ONLY)
    assert (desk_only.reference, desk_only.desk_amount) == ("UTR998877665", Decimal("200.00"))

    record, late_pk = payment_of(uow, late_paid["id"])
    assert (record.state, record.bill_id, record.amount, record.review_reason) == (
        PaymentState.PENDING, late_bill.id, Decimal("300.00"), UNRECORDED)
    assert billing.get_bill(uow, receptionist, late_bill.id).totals.paid == Decimal("0")  # held: not paid
    record, elsewhere_pk = payment_of(uow, elsewhere["id"])
    assert (record.state, record.bill_id, record.review_reason) == (PaymentState.PENDING, None, NOT_ON_A_DESK_QR)
    history = reports.payment_history(uow, receptionist, HistoryFilters(status=HistoryStatus.PENDING_REVIEW))
    assert {(row.patient_name, row.amount) for row in history} >= {("Not identified", Decimal("1200.00")),
                                                                   ("Kavya Nair", Decimal("300.00"))}
    with uow:
        [held_entry] = uow.audit.for_entity("payment", late_pk)
        [run] = uow.audit.for_entity("clinic_day", today().isoformat())
    assert held_entry.action == "gateway_payment_held" and held_entry.actor_id == receptionist.user_id
    assert run.after["held_now"] == 2 and run.after["desk_only"] == 1 and run.after["amount_differs"] == 1

    again = close.reconcile_gateway(uow, razorpay, receptionist, today())  # a second check holds nothing twice
    assert {line.note for line in again.of(Finding.HELD)} == {"held for review earlier"} and again.held_now == 0
    assert len(again.of(Finding.HELD)) == 2
    with uow:
        assert uow.payments.by_transaction_id(elsewhere["id"]) == elsewhere_pk


def test_a_qr_being_paid_is_settled_as_the_poller_would_not_held(uow, receptionist, razorpay, fake):
    bill = a_bill(uow, receptionist, a_patient(uow, receptionist))
    session = upi.start_upi_payment(uow, razorpay, receptionist, bill.id)
    paid = fake.mark_paid(session.gateway_qr_id)  # paid a moment ago; the desk's poller has not looked yet

    result = close.reconcile_gateway(uow, razorpay, receptionist, today())

    assert result.clean and result.matched_count == 1
    record, _pk = payment_of(uow, paid["id"])
    assert record.state is PaymentState.COMPLETED and record.bill_id == bill.id


def test_an_unreachable_gateway_writes_nothing(uow, receptionist, razorpay, fake):
    fake.add_payment(10_000)
    fake.fail_next(20, status=503, method="GET")
    with pytest.raises(GatewayUnavailable):
        close.reconcile_gateway(uow, razorpay, receptionist, today())
    with uow:
        assert uow.audit.for_entity("clinic_day", today().isoformat()) == []


def test_the_simulator_day_is_checked_too(uow, receptionist):
    sim = SimulatorGateway()
    bill = a_bill(uow, receptionist, a_patient(uow, receptionist))
    session = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    sim.simulate_payment(session.gateway_qr_id)
    upi.check_upi_payment(uow, sim, session.id)
    extra = sim.simulate_payment(session.gateway_qr_id, even_if_closed=True)  # paid twice; the QR had closed
    result = close.reconcile_gateway(uow, sim, receptionist, today())
    assert result.matched_count == 1
    [held] = result.of(Finding.HELD)
    assert (held.reference, held.bill_number) == (extra.payment_id, bill.bill_number)


def test_static_upi_cannot_be_checked_at_a_gateway(uow, receptionist):
    result = close.reconcile_gateway(uow, StaticUpiGateway("clinic@okaxis", "Clinic"), receptionist, today())
    assert not result.supported and not result.clean and result.lines == ()


def test_only_the_front_desk_reconciles_and_before_any_gateway_call(uow, doctor, razorpay, fake):
    with pytest.raises(PermissionDenied):
        close.reconcile_gateway(uow, razorpay, doctor, today())
    assert fake.requests == []
    with pytest.raises(PermissionDenied):
        close.count_cash(uow, doctor, today(), "0")


def test_a_day_to_come_is_refused(uow, receptionist, razorpay):
    with pytest.raises(ValidationError) as refused:
        close.reconcile_gateway(uow, razorpay, receptionist, today() + timedelta(days=1))
    assert refused.value.field == "day"
    with pytest.raises(ValidationError):
        close.count_cash(uow, receptionist, today() + timedelta(days=1), "0")


# -- the cash drawer --------------------------------------------------------------------------------------------

def cash_day(uow, admin, receptionist):
    """Cash ₹500 + ₹700 and a ₹300 card payment today; ₹100 of the ₹700 refunded in cash."""
    patient = a_patient(uow, receptionist)
    for amount in ("500", "700"):
        bill = a_bill(uow, receptionist, patient, ("consultation", "Consultation", "1", amount))
        view = billing.record_payment(uow, receptionist, bill.id, amount=amount, method="cash")
    billing.refund_payment(uow, admin, view.payments[-1].id, amount="100", reason="Charged twice")
    card = a_bill(uow, receptionist, patient, ("medicine", "Tablets", "1", "300"))
    billing.record_payment(uow, receptionist, card.id, amount="300", method="card", reference="slip 7")


def test_a_matching_drawer_needs_no_reason(uow, admin, receptionist):
    cash_day(uow, admin, receptionist)
    count = close.count_cash(uow, receptionist, today(), "1,100")
    assert (count.counted, count.expected, count.difference, count.reason) == (
        Decimal("1100.00"), Decimal("1100.00"), Decimal("0.00"), None)
    assert count.counted_by == "Asha Verma" and count.difference_text == "matches"
    report = reports.daily_collection(uow, receptionist, today())
    assert report.cash_count == count and report.cash_expected == Decimal("1100.00")


def test_a_difference_needs_a_reason_and_a_recount_supersedes_with_both_audited(engine, uow, admin, receptionist):
    cash_day(uow, admin, receptionist)
    with pytest.raises(ValidationError) as refused:
        close.count_cash(uow, receptionist, today(), "1050", "  ")
    assert refused.value.field == "reason" and "₹50.00 less" in refused.value.message

    first = close.count_cash(uow, receptionist, today(), "1050", "Gave ₹50 change from the drawer twice")
    assert first.difference == Decimal("-50.00") and first.difference_text == "short by ₹50.00"
    second = close.count_cash(uow, admin, today(), "1100", "Found the ₹50 under the tray")

    report = reports.daily_collection(uow, receptionist, today())
    assert [c.id for c in report.cash_counts] == [first.id, second.id] and report.cash_count == second
    with uow:
        [first_entry] = uow.audit.for_entity("cash_count", first.id)
        [second_entry] = uow.audit.for_entity("cash_count", second.id)
    assert first_entry.before is None and first_entry.after["difference"] == "-50.00"
    assert second_entry.actor_id == admin.user_id and second_entry.before["counted"] == "1050.00"
    with pytest.raises(DBAPIError), engine.begin() as conn:  # counts are never changed, only superseded
        conn.execute(text("UPDATE cash_counts SET counted = expected"))


def test_the_database_refuses_a_difference_without_reason(engine, receptionist):
    with pytest.raises(IntegrityError, match="cash_counts_reason_when_different"), engine.begin() as conn:
        conn.execute(text("INSERT INTO cash_counts (day, counted, expected, counted_by) VALUES"
                          " (current_date, 10, 20, :u)"), {"u": receptionist.user_id})


@pytest.mark.parametrize("counted, message", [("abc", "Enter the amount in rupees"), ("-5", ""),
                                              ("100000000", "too large"), ("", "Enter the amount")])
def test_a_bad_count_is_a_message_on_the_field(uow, receptionist, counted, message):
    with pytest.raises(ValidationError) as refused:
        close.count_cash(uow, receptionist, today(), counted)
    assert refused.value.field == "counted" and message in refused.value.message


def test_held_gateway_money_without_a_patient_is_only_ever_pending(engine, uow, receptionist):
    with pytest.raises(IntegrityError, match="payments_patient_or_held_gateway_money"), engine.begin() as conn:
        conn.execute(text("INSERT INTO payments (patient_id, amount, payment_method, status, transaction_id,"
                          " review_reason, payment_date) VALUES (NULL, 10, 'upi', 'completed', 'pay_x', 'r', now())"))


def test_desks_checking_the_same_day_at_once_hold_each_payment_once(engine, uow, receptionist, razorpay, fake):
    import threading

    from homa_desk.db.unit_of_work import UnitOfWork

    held_ids = {fake.add_payment(10_000 + n)["id"] for n in range(5)}
    barrier = threading.Barrier(4)
    outcomes: list[object] = []

    def desk() -> None:
        barrier.wait()
        try:
            outcomes.append(close.reconcile_gateway(UnitOfWork(engine), razorpay, receptionist, today()))
        except Exception as error:
            outcomes.append(error)

    threads = [threading.Thread(target=desk) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(not isinstance(outcome, Exception) for outcome in outcomes), outcomes
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT transaction_id FROM payments WHERE status = 'pending'")).scalars().all()
    assert sorted(rows) == sorted(held_ids)


class WatchedGateway(SimulatorGateway):
    """The simulator, noting each gateway call made while the desk held a database connection (a transaction)."""

    def __init__(self, engine) -> None:
        super().__init__()
        self.engine = engine
        self.calls: list[tuple[str, int]] = []

    def captured_payments(self, start, end):
        self.calls.append(("list", self.engine.pool.checkedout()))
        return super().captured_payments(start, end)

    def poll(self, qr_id):
        self.calls.append(("poll", self.engine.pool.checkedout()))
        return super().poll(qr_id)


def test_the_gateway_is_never_asked_inside_a_database_transaction(engine, uow, receptionist):
    gateway = WatchedGateway(engine)
    patient = a_patient(uow, receptionist)
    open_bill, late_bill = a_bill(uow, receptionist, patient), a_bill(uow, receptionist, patient)
    late = upi.start_upi_payment(uow, gateway, receptionist, late_bill.id)
    upi.cancel_upi_payment(uow, gateway, receptionist, late.id)
    gateway.simulate_payment(late.gateway_qr_id, even_if_closed=True)
    active = upi.start_upi_payment(uow, gateway, receptionist, open_bill.id)
    gateway.simulate_payment(active.gateway_qr_id)
    gateway.calls.clear()

    result = close.reconcile_gateway(uow, gateway, receptionist, today())

    assert {kind for kind, _held in gateway.calls} == {"list", "poll"}
    assert all(held == 0 for _kind, held in gateway.calls), gateway.calls
    assert result.matched_count == 1 and [line.bill_number for line in result.of(Finding.HELD)] == [
        late_bill.bill_number]


def test_gateway_money_of_no_patient_is_listed_held_and_resolvable(engine, uow, admin, receptionist, razorpay,
                                                                   fake):
    from homa_desk.services import held_money

    to_count = fake.add_payment(40_000)
    to_refund = fake.add_payment(25_000)
    close.reconcile_gateway(uow, razorpay, receptionist, today())
    listed = {row.gateway_payment_id: row for row in held_money.list_held(uow, receptionist)}
    assert {listed[to_count["id"]].patient_name, listed[to_refund["id"]].patient_name} == {"Not identified"}
    assert listed[to_count["id"]].patient_id is None and held_money.move_targets(uow, admin,
                                                                               listed[to_count["id"]].id) == []

    bill = a_bill(uow, receptionist, a_patient(uow, receptionist), ("consultation", "Consultation", "1", "400"))
    moved = held_money.move_held(uow, admin, listed[to_count["id"]].id, bill.id)
    assert moved.totals.paid == Decimal("400.00")
    held_money.refund_held(uow, admin, listed[to_refund["id"]].id, amount="250", reference="rfnd_0001",
                           reason="Not a patient of the clinic")
    with engine.connect() as conn:
        rows = {r[0]: (r[1], r[2]) for r in conn.execute(text(
            "SELECT transaction_id, status::text, patient_id FROM payments WHERE transaction_id = ANY(:ids)"),
            {"ids": [to_count["id"], to_refund["id"]]})}
    assert rows[to_count["id"]] == ("completed", bill.patient_id)
    assert rows[to_refund["id"]] == ("refunded", None)
    with pytest.raises(IntegrityError, match="payments_patient_or_held_gateway_money"), engine.begin() as conn:
        conn.execute(text("UPDATE payments SET status = 'completed', review_reason = NULL"
                          " WHERE transaction_id = :id"), {"id": to_refund["id"]})
