"""Advances (issue 17): paid ahead, kept on the patient's account, applied to later bills, refunded; each rule
through the services and, where it lives in PostgreSQL, straight at the database with two connections."""

from __future__ import annotations

import threading
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.advances import RETURNED_ON_CANCEL
from homa_desk.domain.billing import BillStatus, PaymentMethod
from homa_desk.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from homa_desk.domain.roles import Role
from homa_desk.domain.timeutil import CLINIC_TZ, utcnow
from homa_desk.services import advances, billing, reports, staff
from tests.helpers import new_staff
from tests.services.advance_helpers import an_advance
from tests.services.billing_helpers import a_bill, a_patient


def today():
    return utcnow().astimezone(CLINIC_TZ).date()


@pytest.fixture
def patient(uow, receptionist):
    return a_patient(uow, receptionist)


def test_an_advance_sits_on_the_patients_account_until_applied(uow, receptionist, patient):
    advance = an_advance(uow, receptionist, patient, "2000")
    assert (advance.amount, advance.available, advance.purpose) == (Decimal("2000.00"),) * 2 + ("Root canal deposit",)
    assert advance.payment.method is PaymentMethod.CASH and advance.payment.bill_id is None
    assert advances.patient_advances(uow, receptionist, patient).available == Decimal("2000.00")
    bill = a_bill(uow, receptionist, patient, ("procedure", "Root canal", "1", "3500"))
    assert bill.advance_available == Decimal("2000.00")

    view = advances.apply_advance(uow, receptionist, bill.id, amount="1500")
    assert (view.totals.from_advance, view.totals.balance_due, view.status) == (
        Decimal("1500.00"), Decimal("2000.00"), BillStatus.OPEN)
    assert view.advance_available == Decimal("500.00") and view.advance_uses[0].advance_id == advance.id
    view = advances.apply_advance(uow, receptionist, bill.id, amount="500")
    view = billing.record_payment(uow, receptionist, bill.id, amount="1500", method="card")
    assert (view.totals.balance_due, view.status) == (Decimal("0.00"), BillStatus.PAID)
    assert advances.patient_advances(uow, receptionist, patient).available == Decimal("0.00")


def test_more_than_the_balance_due_or_than_what_is_left_is_refused(uow, receptionist, patient):
    an_advance(uow, receptionist, patient, "300")
    bill = a_bill(uow, receptionist, patient)  # ₹500
    with pytest.raises(ValidationError, match=r"Only ₹300\.00 of the patient's advances is left") as refused:
        advances.apply_advance(uow, receptionist, bill.id, amount="400")
    assert refused.value.field == "amount"
    an_advance(uow, receptionist, patient, "1000")
    with pytest.raises(ValidationError, match=r"Only ₹500\.00 is due"):
        advances.apply_advance(uow, receptionist, bill.id, amount="600")
    for hostile in ("-5", "0", "1e3", "NaN", "12.345", "₹١٠٠"):
        with pytest.raises(ValidationError):
            advances.apply_advance(uow, receptionist, bill.id, amount=hostile)
    view = advances.apply_advance(uow, receptionist, bill.id, amount="500")  # both advances, oldest first
    assert [u.amount for u in view.advance_uses] == [Decimal("300.00"), Decimal("200.00")]
    assert view.status is BillStatus.PAID and view.advance_available == Decimal("800.00")


def test_a_bill_paid_in_cash_takes_no_advance_and_the_database_refuses_one(engine, uow, receptionist, patient):
    advance = an_advance(uow, receptionist, patient, "1000")
    bill = a_bill(uow, receptionist, patient)
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    with pytest.raises(ValidationError, match=r"Only ₹0\.00 is due"):
        advances.apply_advance(uow, receptionist, bill.id, amount="100")
    with pytest.raises(IntegrityError, match="bills_not_overpaid"), engine.begin() as conn:
        conn.execute(text("INSERT INTO advance_applications (advance_id, bill_id, amount) VALUES (:a, :b, 100)"),
                     {"a": advance.id, "b": bill.id})


def test_an_advance_never_pays_another_patients_bill(engine, uow, receptionist, patient):
    advance = an_advance(uow, receptionist, patient, "1000")
    other = a_patient(uow, receptionist, "Rohan Das", "9800011122")
    their_bill = a_bill(uow, receptionist, other)
    with pytest.raises(ValidationError, match=r"Only ₹0\.00 of the patient's advances"):
        advances.apply_advance(uow, receptionist, their_bill.id, amount="100")  # Rohan has none
    with pytest.raises(IntegrityError, match="advance_applications_same_patient"), engine.begin() as conn:
        conn.execute(text("INSERT INTO advance_applications (advance_id, bill_id, amount) VALUES (:a, :b, 100)"),
                     {"a": advance.id, "b": their_bill.id})


def test_two_desks_applying_the_same_advance_at_once_use_it_once(engine, uow, receptionist, patient):
    an_advance(uow, receptionist, patient, "500")
    bills = [a_bill(uow, receptionist, patient) for _ in range(4)]  # ₹500 each
    barrier = threading.Barrier(len(bills))
    outcomes: list[str] = []

    def use(bill_id: int) -> None:
        barrier.wait()
        try:
            advances.apply_advance(UnitOfWork(engine), receptionist, bill_id, amount="500")
            outcomes.append("applied")
        except (ValidationError, Conflict) as error:
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=use, args=(b.id,)) for b in bills]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ValidationError"] * 3 + ["applied"]
    [advance] = advances.patient_advances(uow, receptionist, patient).advances
    assert (advance.applied, advance.available) == (Decimal("500.00"), Decimal("0.00"))


def test_two_connections_each_within_the_advance_cannot_together_pass_it(engine, uow, receptionist, patient):
    """No service: two sessions insert an application each (₹300 of a ₹500 advance) and commit at once."""
    advance = an_advance(uow, receptionist, patient, "500")
    bills = [a_bill(uow, receptionist, patient) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def use(bill_id: int) -> None:
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO advance_applications (advance_id, bill_id, amount)"
                                  " VALUES (:a, :b, 300)"), {"a": advance.id, "b": bill_id})
                barrier.wait()  # both inserted, neither committed
            outcomes.append("applied")
        except IntegrityError as error:
            outcomes.append("refused" if "advances_within_amount" in str(error) else repr(error))

    threads = [threading.Thread(target=use, args=(b.id,)) for b in bills]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["applied", "refused"]


def test_a_refund_needs_an_admin_a_reference_and_what_is_left(uow, admin, receptionist, patient):
    advance = an_advance(uow, receptionist, patient, "2000")
    bill = a_bill(uow, receptionist, patient, ("procedure", "Scaling", "1", "1200"))
    advances.apply_advance(uow, receptionist, bill.id, amount="1200")
    with pytest.raises(PermissionDenied):
        advances.refund_advance(uow, receptionist, advance.id, amount="100", reference="CASH-1", reason="Asked")
    with pytest.raises(ValidationError, match=r"Only ₹800\.00 of this advance is left"):
        advances.refund_advance(uow, admin, advance.id, amount="900", reference="NEFT-77", reason="Moving city")
    with pytest.raises(ValidationError) as no_reference:
        advances.refund_advance(uow, admin, advance.id, amount="100", reference=" ", reason="Moving city")
    assert no_reference.value.field == "reference"
    after = advances.refund_advance(uow, admin, advance.id, amount="800", reference="NEFT-77", reason="Moving city")
    assert (after.refunded, after.available, after.refunds[0].reference) == (
        Decimal("800.00"), Decimal("0.00"), "NEFT-77")
    second = an_advance(uow, receptionist, patient, "100")
    with pytest.raises(ValidationError, match="already recorded for a refund"):
        advances.refund_advance(uow, admin, second.id, amount="100", reference="NEFT-77", reason="Again")
    with pytest.raises(NotFound):
        advances.refund_advance(uow, admin, 999_999, amount="1", reference="X-1", reason="Nothing")
    [entry] = [e for e in uow_audit(uow, "advance", advance.id) if e.action == "advance_refunded"]
    assert (entry.before["available"], entry.after["available"], entry.after["reference"]) == ("800.00", "0.00",
                                                                                             "NEFT-77")


def uow_audit(uow, entity, entity_id):
    with uow:
        return uow.audit.for_entity(entity, entity_id)


def test_the_database_never_lets_applied_plus_refunded_pass_the_amount(engine, uow, admin, receptionist, patient):
    advance = an_advance(uow, receptionist, patient, "1000")
    bill = a_bill(uow, receptionist, patient, ("procedure", "Crown", "1", "900"))
    advances.apply_advance(uow, receptionist, bill.id, amount="900")
    with pytest.raises(IntegrityError, match="advances_within_amount"), engine.begin() as conn:
        conn.execute(text("UPDATE payments SET refunded_amount = 200 WHERE id = :p"), {"p": advance.payment.id})
    with pytest.raises(IntegrityError, match="advances_never_on_a_bill"), engine.begin() as conn:
        conn.execute(text("UPDATE payments SET bill_id = :b WHERE id = :p"), {"b": bill.id, "p": advance.payment.id})
    with pytest.raises(IntegrityError, match="advance_applications_append_only"), engine.begin() as conn:
        conn.execute(text("UPDATE advance_applications SET amount = 1 WHERE bill_id = :b"), {"b": bill.id})
    with pytest.raises(IntegrityError, match="advance_applications_append_only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM advance_applications WHERE bill_id = :b"), {"b": bill.id})
    with pytest.raises(IntegrityError, match="bills_no_cancel_with_advance"), engine.begin() as conn:
        conn.execute(text("UPDATE bills SET status = 'cancelled' WHERE id = :b"), {"b": bill.id})


def test_cancelling_a_bill_gives_its_advance_back_to_the_balance(uow, admin, receptionist, patient):
    advance = an_advance(uow, receptionist, patient, "1000")
    bill = a_bill(uow, receptionist, patient)
    advances.apply_advance(uow, receptionist, bill.id, amount="500")
    with pytest.raises(PermissionDenied):
        billing.cancel_bill(uow, receptionist, bill.id, "Entered twice")
    view = billing.cancel_bill(uow, admin, bill.id, "Entered twice")
    assert view.status is BillStatus.CANCELLED and view.totals.from_advance == Decimal("0.00")
    [use] = view.advance_uses
    assert (use.live, use.return_reason) == (False, RETURNED_ON_CANCEL)
    assert advances.get_advance(uow, receptionist, advance.id).available == Decimal("1000.00")
    [entry] = [e for e in uow_audit(uow, "bill", bill.id) if e.action == "bill_cancelled"]
    assert entry.after["advances_returned"] == [{"advance_id": advance.id, "amount": "500.00"}]
    with pytest.raises(Conflict, match="cancelled"):
        advances.apply_advance(uow, receptionist, bill.id, amount="100")
    paid_bill = a_bill(uow, receptionist, patient)
    billing.record_payment(uow, receptionist, paid_bill.id, amount="100", method="cash")
    advances.apply_advance(uow, receptionist, paid_bill.id, amount="400")
    with pytest.raises(Conflict, match="refund or cancel it first"):  # real money on it: refund that first
        billing.cancel_bill(uow, admin, paid_bill.id, "Entered twice")


def test_an_advance_by_upi_takes_its_utr_once_for_good(uow, receptionist, patient):
    an_advance(uow, receptionist, patient, "1000", method="upi", reference="412345678901")
    bill = a_bill(uow, receptionist, patient)
    with pytest.raises(ValidationError, match="already recorded on another payment"):
        billing.record_payment(uow, receptionist, bill.id, amount="500", method="upi", reference="4123 4567 8901")
    with pytest.raises(ValidationError, match="already recorded"):
        an_advance(uow, receptionist, patient, "10", method="card", reference="412345678901")
    with pytest.raises(ValidationError) as no_utr:
        an_advance(uow, receptionist, patient, "10", method="upi", reference="")
    assert no_utr.value.field == "reference"


def test_hostile_input_is_refused_next_to_its_field(uow, receptionist, patient):
    cases = [({"amount": "0"}, "amount"), ({"amount": "100000000"}, "amount"), ({"method": "barter"}, "method"),
             ({"purpose": "x" * 201}, "purpose"), ({"purpose": "deposit\x00"}, "purpose"),
             ({"reference": "r" * 65}, "reference")]
    for change, field in cases:
        args = {"amount": "100", "method": "cash", "reference": "", "purpose": ""} | change
        with pytest.raises(ValidationError) as refused:
            advances.receive_advance(uow, receptionist, patient, **args)
        assert refused.value.field == field
    with pytest.raises(NotFound):
        advances.receive_advance(uow, receptionist, 999_999, amount="100", method="cash")
    assert advances.patient_advances(uow, receptionist, patient).advances == ()


def test_forged_and_disabled_actors_are_refused_and_write_nothing(uow, admin, receptionist, patient):
    advance = an_advance(uow, receptionist, patient, "1000")
    bill = a_bill(uow, receptionist, patient)
    forged = replace(receptionist, role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        advances.refund_advance(uow, forged, advance.id, amount="100", reference="CASH-9", reason="Forged")
    gone = staff.add_staff(uow, admin, new_staff(Role.RECEPTIONIST, name="Leela Rao")).as_actor()
    staff.set_staff_active(uow, admin, gone.user_id, False)
    with pytest.raises(PermissionDenied):
        advances.apply_advance(uow, gone, bill.id, amount="100")
    with pytest.raises(PermissionDenied):
        advances.receive_advance(uow, gone, patient, amount="100", method="cash")
    assert advances.get_advance(uow, receptionist, advance.id).available == Decimal("1000.00")
    assert len(advances.patient_advances(uow, receptionist, patient).advances) == 1


def test_the_day_counts_an_advance_when_received_never_when_applied_and_subtracts_its_refund(
        uow, admin, receptionist, patient):
    advance = an_advance(uow, receptionist, patient, "2000", method="card", reference="HDFC slip 42")
    bill = a_bill(uow, receptionist, patient, ("procedure", "Root canal", "1", "3000"))
    before = reports.daily_collection(uow, receptionist, today())
    assert (before.collected, [(m.label, m.collected) for m in before.by_method]) == (
        Decimal("2000.00"), [("Card", Decimal("2000.00"))])
    assert (before.advances_received, before.advances_applied) == (Decimal("2000.00"), Decimal("0.00"))
    advances.apply_advance(uow, receptionist, bill.id, amount="1500")
    billing.record_payment(uow, receptionist, bill.id, amount="1500", method="cash")
    after = reports.daily_collection(uow, receptionist, today())
    assert after.collected == Decimal("3500.00")  # the card advance and the cash, not the ₹1,500 applied
    assert after.advances_applied == Decimal("1500.00")
    advances.refund_advance(uow, admin, advance.id, amount="500", reference="REV-1", reason="Plan changed")
    day = reports.daily_collection(uow, receptionist, today())
    assert (day.refunded, day.net, day.advances_refunded) == (Decimal("500.00"), Decimal("3000.00"),
                                                              Decimal("500.00"))
    assert [(m.label, m.net) for m in day.by_method] == [("Cash", Decimal("1500.00")), ("Card", Decimal("1500.00"))]
