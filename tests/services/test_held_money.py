"""Money held for review is resolved by an admin: accepted toward its bill, refunded, or moved to another open bill
of the same patient; audited, one transaction each, one winner when two admins try at once."""

from __future__ import annotations

import threading
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.appointments import local_day
from homa_desk.domain.billing import BillStatus, PaymentState, SessionStatus
from homa_desk.domain.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationError
from homa_desk.domain.held_money import held_on
from homa_desk.domain.roles import Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.gateways.simulator import SimulatorGateway
from homa_desk.services import billing, held_money, reports, staff
from homa_desk.services import upi_payments as upi
from tests.helpers import new_staff
from tests.services.billing_helpers import a_bill, a_patient
from tests.services.held_money_helpers import LATE, hold


@pytest.fixture
def patient(uow, receptionist):
    return a_patient(uow, receptionist)


@pytest.fixture
def bill(uow, receptionist, patient):
    return a_bill(uow, receptionist, patient, ("consultation", "Consultation", "1", "500"))


def audit(uow, payment_id):
    with uow:
        return [e for e in uow.audit.for_entity("payment", payment_id) if e.action.startswith("held_payment")]


def payment_row(engine, payment_id):
    with engine.connect() as conn:
        return conn.execute(text("SELECT status::text, bill_id, amount, refunded_amount, review_reason FROM payments"
                                 " WHERE id = :id"), {"id": payment_id}).one()


def test_five_thousand_on_a_five_hundred_qr_is_held_listed_then_accepted_with_the_excess_refunded(
        uow, engine, admin, receptionist, bill):
    sim = SimulatorGateway()
    session = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    sim.simulate_payment(session.gateway_qr_id, amount=Decimal("5000.00"))
    assert upi.check_upi_payment(uow, sim, session.id).status is SessionStatus.REVIEW
    [held] = held_money.list_held(uow, receptionist)
    assert (held.patient_name, held.bill_number, held.amount, held.held) == (
        "Kavya Nair", bill.bill_number, Decimal("5000.00"), Decimal("5000.00"))
    assert "expected 500.00" in held.reason and held.gateway_payment_id.startswith("pay_")
    assert held.utr and held.gateway == "simulator" and held.gateway_qr_id == session.gateway_qr_id

    with pytest.raises(ValidationError) as refused:
        held_money.accept_held(uow, admin, held.id)
    assert refused.value.field == "reference" and "₹4,500.00" in refused.value.message
    assert payment_row(engine, held.id)[0] == "pending"

    view = held_money.accept_held(uow, admin, held.id, refund_reference="rfnd_N8x2Qm41",
                                  refund_reason="Paid ₹5,000 for a ₹500 bill")
    assert view.status is BillStatus.PAID and view.totals.net_paid == Decimal("500.00")
    assert view.totals.refunded == Decimal("4500.00") and held_on(view) == 0
    assert payment_row(engine, held.id) == ("completed", bill.id, Decimal("5000.00"), Decimal("4500.00"), None)
    assert held_money.list_held(uow, admin) == []
    [entry] = audit(uow, held.id)
    assert entry.actor_id == admin.user_id and entry.action == "held_payment_accepted"
    assert entry.before["state"] == "pending" and "expected 500.00" in entry.before["review_reason"]
    assert entry.after["accepted"] == "500.00" and entry.after["refund"] == "4500.00"
    assert entry.after["refund_reference"] == "rfnd_N8x2Qm41"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT reference FROM refunds WHERE payment_id = :id"), {"id": held.id}
                            ).scalar_one() == "rfnd_N8x2Qm41"


def test_held_money_within_the_balance_is_accepted_as_it_is(uow, admin, receptionist, patient):
    bill = a_bill(uow, receptionist, patient, ("consultation", "Consultation", "1", "650"))
    payment_id = hold(uow, bill, "65")
    view = held_money.accept_held(uow, admin, payment_id)
    assert view.status is BillStatus.OPEN and view.totals.balance_due == Decimal("585.00")
    assert view.payments[0].state is PaymentState.COMPLETED and view.payments[0].review_reason is None


def test_nothing_due_means_nothing_to_accept(uow, admin, receptionist, bill):
    payment_id = hold(uow, bill, "500")
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    with pytest.raises(Conflict, match="Nothing is due"):
        held_money.accept_held(uow, admin, payment_id)


def test_refund_part_keeps_the_rest_held_then_the_rest_releases_it(uow, engine, admin, bill):
    payment_id = hold(uow, bill, "5000")
    with pytest.raises(ValidationError, match="reference"):
        held_money.refund_held(uow, admin, payment_id, amount="1000", reference=" ", reason="Overpaid")
    with pytest.raises(ValidationError, match=r"Only ₹5,000\.00 is held"):
        held_money.refund_held(uow, admin, payment_id, amount="5000.01", reference="NEFT991", reason="Overpaid")
    view = held_money.refund_held(uow, admin, payment_id, amount="1000", reference="NEFT0042", reason="Overpaid")
    assert held_on(view) == Decimal("4000.00") and view.totals.net_paid == 0
    [still] = held_money.list_held(uow, admin)
    assert still.held == Decimal("4000.00")
    with pytest.raises(ValidationError, match="already recorded"):
        held_money.refund_held(uow, admin, payment_id, amount="4000", reference="NEFT0042", reason="Overpaid")
    view = held_money.refund_held(uow, admin, payment_id, amount="4000", reference="rfnd_Zz01", reason="Overpaid")
    assert held_on(view) == 0 and view.totals.net_paid == 0 and view.status is BillStatus.OPEN
    assert payment_row(engine, payment_id) == ("refunded", bill.id, Decimal("5000.00"), Decimal("5000.00"), None)
    assert [e.after["still_held"] for e in audit(uow, payment_id)] == ["4000.00", "0.00"]
    assert billing.cancel_bill(uow, admin, bill.id, "Entered twice").status is BillStatus.CANCELLED


def test_move_to_another_open_bill_of_the_same_patient(uow, engine, admin, receptionist, patient, bill):
    payment_id = hold(uow, bill, "1200")
    other = a_bill(uow, receptionist, patient, ("procedure", "Dressing", "1", "1500"))
    paid = a_bill(uow, receptionist, patient)
    billing.record_payment(uow, receptionist, paid.id, amount="500", method="cash")
    stranger = a_bill(uow, receptionist, a_patient(uow, receptionist, "Rohan Das", "9800011122"))
    assert [b.id for b in held_money.move_targets(uow, admin, payment_id)] == [other.id]
    with pytest.raises(ValidationError, match="this patient's open bills"):
        held_money.move_held(uow, admin, payment_id, stranger.id)
    with pytest.raises(Conflict, match="Nothing is due"):
        held_money.move_held(uow, admin, payment_id, paid.id)
    with pytest.raises(ValidationError, match="another bill"):
        held_money.move_held(uow, admin, payment_id, bill.id)
    source = held_money.move_held(uow, admin, payment_id, other.id)
    assert source.id == bill.id and source.payments == () and source.totals.balance_due == Decimal("500.00")
    moved = billing.get_bill(uow, admin, other.id)
    assert moved.totals.net_paid == Decimal("1200.00") and moved.status is BillStatus.OPEN
    [entry] = audit(uow, payment_id)
    assert (entry.action, entry.before["bill_id"], entry.after["bill_id"]) == ("held_payment_moved", bill.id,
                                                                               other.id)


def test_moving_to_another_patients_bill_is_refused_by_the_database(uow, engine, receptionist, bill):
    payment_id = hold(uow, bill, "500")
    stranger = a_bill(uow, receptionist, a_patient(uow, receptionist, "Rohan Das", "9800011122"))
    with pytest.raises(IntegrityError, match="payments_bill_same_patient"), engine.begin() as conn:
        conn.execute(text("UPDATE payments SET bill_id = :b WHERE id = :p"), {"b": stranger.id, "p": payment_id})


def test_a_bill_with_held_money_cannot_be_cancelled(uow, engine, admin, bill):
    payment_id = hold(uow, bill, "5000")
    with pytest.raises(Conflict, match="held for review"):
        billing.cancel_bill(uow, admin, bill.id, "Entered twice")
    with pytest.raises(IntegrityError, match="bills_no_cancel_while_held"), engine.begin() as conn:
        conn.execute(text("UPDATE bills SET status = 'cancelled' WHERE id = :id"), {"id": bill.id})
    assert billing.get_bill(uow, admin, bill.id).status is BillStatus.OPEN
    held_money.refund_held(uow, admin, payment_id, amount="5000", reference="rfnd_A1", reason="Not ours")
    assert billing.cancel_bill(uow, admin, bill.id, "Entered twice").status is BillStatus.CANCELLED


def test_money_resolved_once_cannot_be_resolved_again(uow, admin, receptionist, bill):
    payment_id = hold(uow, bill, "200")
    held_money.accept_held(uow, admin, payment_id)
    with pytest.raises(Conflict, match="no longer held"):
        held_money.refund_held(uow, admin, payment_id, amount="200", reference="rfnd_B2", reason="Twice")
    cash = billing.record_payment(uow, receptionist, bill.id, amount="300", method="cash").payments[-1]
    with pytest.raises(Conflict, match="no longer held"):
        held_money.accept_held(uow, admin, cash.id)
    with pytest.raises(NotFound):
        held_money.accept_held(uow, admin, 999999)


def test_a_forged_or_disabled_admin_changes_nothing(uow, engine, admin, receptionist, bill):
    payment_id = hold(uow, bill, "5000")
    forged = replace(receptionist, role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        held_money.refund_held(uow, forged, payment_id, amount="5000", reference="rfnd_F1", reason="Forged")
    with pytest.raises(PermissionDenied):
        held_money.accept_held(uow, receptionist, payment_id)
    second = staff.add_staff(uow, admin, new_staff(Role.ADMIN, name="Vikram Shah")).as_actor()
    staff.set_staff_active(uow, admin, second.user_id, False)
    with pytest.raises(PermissionDenied):
        held_money.accept_held(uow, second, payment_id, refund_reference="rfnd_D1", refund_reason="Stale")
    assert payment_row(engine, payment_id) == ("pending", bill.id, Decimal("5000.00"), Decimal("0.00"), LATE)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM refunds")).scalar_one() == 0
    assert audit(uow, payment_id) == []


def race(engine, first, second, payment_id: int, n: int) -> dict[str, object]:
    """`first` accepts (refunding the excess) while `second` refunds all of it, at once, on their own connections."""
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def attempt(name: str, resolve) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            resolve(UnitOfWork(engine))
            outcomes[name] = "won"
        except DomainError as error:
            outcomes[name] = error

    threads = [
        threading.Thread(target=attempt, args=("accept", lambda uow: held_money.accept_held(
            uow, first, payment_id, refund_reference=f"rfnd_Acc{n}", refund_reason="Overpaid"))),
        threading.Thread(target=attempt, args=("refund", lambda uow: held_money.refund_held(
            uow, second, payment_id, amount="700", reference=f"rfnd_Ref{n}", reason="Not ours"))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_admins_resolving_the_same_money_at_once_one_wins(uow, engine, admin, receptionist, patient):
    """Six rounds: one admin accepts, the other refunds all of it, at the same moment."""
    second = staff.add_staff(uow, admin, new_staff(Role.ADMIN, name="Vikram Shah")).as_actor()
    for n in range(6):
        bill = a_bill(uow, receptionist, patient, ("consultation", "Consultation", "1", "500"))
        payment_id = hold(uow, bill, "700")
        outcomes = race(engine, admin, second, payment_id, n)
        winners = [k for k, v in outcomes.items() if v == "won"]
        losers = [v for v in outcomes.values() if v != "won"]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        assert isinstance(losers[0], Conflict) and "no longer held" in losers[0].message
        view = billing.get_bill(uow, admin, bill.id)
        status, _bill, _amount, refunded, reason = payment_row(engine, payment_id)
        assert reason is None and len(audit(uow, payment_id)) == 1
        if winners == ["accept"]:
            assert (status, refunded, view.status) == ("completed", Decimal("200.00"), BillStatus.PAID)
        else:
            assert (status, refunded, view.status) == ("refunded", Decimal("700.00"), BillStatus.OPEN)
        assert view.totals.net_paid <= view.totals.total


def test_a_refund_of_money_still_held_is_not_taken_off_the_days_collection(uow, admin, receptionist, bill):
    """Held money never counted as collected, so refunding part of it while the rest is held must not make the
    day's net (and the drawer's expected cash) go down; refunded in full it counts as received and refunded."""
    payment_id = hold(uow, bill, "5000")
    held_money.refund_held(uow, admin, payment_id, amount="1000", reference="NEFT7001", reason="Overpaid")
    today = local_day(utcnow())
    day = reports.daily_collection(uow, receptionist, today)
    assert [(line.collected, line.refunded) for line in day.by_method] == []
    assert (day.refund_count, day.pending_review_amount) == (0, Decimal("5000.00"))
    held_money.refund_held(uow, admin, payment_id, amount="4000", reference="NEFT7002", reason="Overpaid")
    day = reports.daily_collection(uow, receptionist, today)
    [upi_line] = day.by_method
    assert (upi_line.collected, upi_line.refunded, upi_line.net, day.refund_count) == (
        Decimal("5000.00"), Decimal("5000.00"), 0, 2)
