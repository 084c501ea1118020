from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.billing import BillStatus, LineInput, PaymentState
from homa_desk.domain.errors import Conflict, FormErrors, NotFound, PermissionDenied, ValidationError
from homa_desk.domain.roles import Actor, Role
from homa_desk.services import billing
from tests.appointment_helpers import StatementCounter
from tests.services.billing_helpers import a_bill, a_patient
from tests.services.visit_helpers import a_morning


def test_a_bill_has_lines_totals_and_a_number_in_the_financial_year(uow, receptionist):
    patient = a_patient(uow, receptionist)
    bill = a_bill(uow, receptionist, patient, ("consultation", "Consultation", "1", "500"),
                  ("medicine", "Paracetamol 500 mg", "10", "2.35", "3.50"))
    assert bill.bill_number.startswith("2026-27/") or bill.bill_number.startswith("2025-26/")
    assert bill.totals.total == Decimal("520.00")
    assert bill.totals.balance_due == Decimal("520.00")
    assert bill.status is BillStatus.OPEN
    assert [line.description for line in bill.lines] == ["Consultation", "Paracetamol 500 mg"]
    assert bill.patient_name == "Kavya Nair"


def test_numbers_run_per_financial_year_and_restart_in_april(uow, receptionist):
    patient = a_patient(uow, receptionist)
    lines = [LineInput("other", "Dressing", "1", "100")]
    march = billing.create_bill(uow, receptionist, patient_id=patient, lines=lines,
                                now=datetime(2027, 3, 31, 18, 0, tzinfo=UTC))  # 23:30 IST, still 2026-27
    april = billing.create_bill(uow, receptionist, patient_id=patient, lines=lines,
                                now=datetime(2027, 3, 31, 19, 0, tzinfo=UTC))  # 00:30 IST on 1 April
    assert march.bill_number == "2026-27/000001"
    assert april.bill_number == "2027-28/000001"


def test_desks_racing_for_bill_numbers_get_distinct_numbers_without_gaps(engine, uow, receptionist):
    patient = a_patient(uow, receptionist)
    numbers: list[str] = []
    barrier = threading.Barrier(4)

    def bill_some() -> None:
        barrier.wait()
        for _ in range(5):
            numbers.append(a_bill(UnitOfWork(engine), receptionist, patient).bill_number)

    threads = [threading.Thread(target=bill_some) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    serials = sorted(int(n.split("/")[1]) for n in numbers)
    assert serials == list(range(1, 21))


def test_part_payments_then_paid_in_full(uow, receptionist):
    bill = a_bill(uow, receptionist, a_patient(uow, receptionist))
    bill = billing.record_payment(uow, receptionist, bill.id, amount="200", method="cash")
    assert (bill.status, bill.totals.balance_due) == (BillStatus.OPEN, Decimal("300.00"))
    bill = billing.record_payment(uow, receptionist, bill.id, amount="300.00", method="card", reference="slip 42")
    assert (bill.status, bill.totals.balance_due) == (BillStatus.PAID, Decimal("0.00"))
    assert [p.method.value for p in bill.payments] == ["cash", "card"]


@pytest.mark.parametrize("amount, method, reference, field", [
    ("600", "cash", "", "amount"),  # more than due
    ("0", "cash", "", "amount"),
    ("12.345", "cash", "", "amount"),
    ("100", "cheque", "", "method"),
    ("100", "upi", "", "reference"),  # UPI at the desk needs the UTR
])
def test_bad_payments_are_refused_next_to_the_field_and_change_nothing(uow, receptionist, amount, method, reference,
                                                                        field):
    bill = a_bill(uow, receptionist, a_patient(uow, receptionist))
    with pytest.raises(ValidationError) as error:
        billing.record_payment(uow, receptionist, bill.id, amount=amount, method=method, reference=reference)
    assert error.value.field == field
    assert billing.get_bill(uow, receptionist, bill.id).payments == ()


def test_refunds_are_admin_only_partial_or_full_and_audited(uow, admin, receptionist):
    bill = a_bill(uow, receptionist, a_patient(uow, receptionist))
    bill = billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    payment = bill.payments[0].id
    with pytest.raises(PermissionDenied):
        billing.refund_payment(uow, receptionist, payment, amount="100", reason="overcharged")
    with pytest.raises(ValidationError, match="Say why"):
        billing.refund_payment(uow, admin, payment, amount="100", reason=" ")
    bill = billing.refund_payment(uow, admin, payment, amount="100", reason="Overcharged for dressing")
    assert (bill.status, bill.totals.balance_due, bill.payments[0].state) == (
        BillStatus.OPEN, Decimal("100.00"), PaymentState.COMPLETED)
    with pytest.raises(ValidationError, match=r"At most ₹400\.00"):
        billing.refund_payment(uow, admin, payment, amount="400.01", reason="x")
    bill = billing.refund_payment(uow, admin, payment, amount="400", reason="Visit cancelled")
    assert bill.payments[0].state is PaymentState.REFUNDED
    assert bill.totals.net_paid == Decimal("0.00")
    with uow:
        actions = [e.action for e in uow.audit.for_entity("payment", payment)]
    assert actions == ["payment_received", "payment_refunded", "payment_refunded"]


def test_a_bill_with_money_on_it_cannot_be_cancelled(uow, admin, receptionist):
    bill = a_bill(uow, receptionist, a_patient(uow, receptionist))
    billing.record_payment(uow, receptionist, bill.id, amount="50", method="cash")
    with pytest.raises(Conflict, match="refund"):
        billing.cancel_bill(uow, admin, bill.id, "wrong patient")
    other = a_bill(uow, receptionist, bill.patient_id)
    with pytest.raises(PermissionDenied):
        billing.cancel_bill(uow, receptionist, other.id, "wrong patient")
    cancelled = billing.cancel_bill(uow, admin, other.id, "wrong patient")
    assert cancelled.status is BillStatus.CANCELLED and cancelled.cancellation_reason == "wrong patient"
    with pytest.raises(Conflict, match="cancelled"):
        billing.record_payment(uow, receptionist, other.id, amount="10", method="cash")


def test_bad_lines_write_nothing(uow, receptionist):
    patient = a_patient(uow, receptionist)
    with pytest.raises(FormErrors):
        billing.create_bill(uow, receptionist, patient_id=patient, lines=[LineInput("medicine", "", "0", "x")])
    first = a_bill(uow, receptionist, patient)
    assert first.bill_number.endswith("/000001")  # the refused form took no number


def test_unknown_patient_and_doctor_role(uow, receptionist, doctor):
    with pytest.raises(NotFound):
        a_bill(uow, receptionist, 999_999)
    with pytest.raises(PermissionDenied):
        a_bill(uow, doctor, a_patient(uow, receptionist))


def test_todays_visits_without_a_bill_in_one_statement(uow, engine, admin, receptionist, doctor):
    morning = a_morning(uow, engine, admin, receptionist, doctor)
    with StatementCounter(engine) as counter:
        visits = billing.unbilled_visits(uow, receptionist)
    assert len(counter.statements) == 1
    assert [(v.appointment_id, v.patient_name, v.stage) for v in visits] == [
        (morning.seen, "Sunil Rao", "Seen"), (morning.walk_in, "Priya Sharma", "With the doctor"),
        (morning.checked_in, "Rahul Kumar", "Waiting")]
    seen, walk_in, checked_in = visits
    assert (walk_in.is_walk_in, walk_in.token, checked_in.is_walk_in, checked_in.token, seen.token) == (
        True, 1, False, 2, None)
    assert {(v.doctor_name, v.consultation_fee) for v in visits} == {("Rahul Menon", Decimal("600.00"))}
    assert all(v.starts_at.tzinfo is not None and v.patient_number >= 1001 for v in visits)
    assert [v.appointment_id for v in billing.unbilled_visits(uow, admin, limit=1)] == [morning.seen]

    billing.consultation_bill(uow, receptionist, morning.walk_in)
    assert [v.appointment_id for v in billing.unbilled_visits(uow, receptionist)] == [morning.seen,
                                                                                      morning.checked_in]
    with pytest.raises(PermissionDenied):
        billing.unbilled_visits(uow, doctor)  # billing is the front desk's


def test_a_patients_bills_and_payments_newest_first_with_totals_in_two_statements(uow, engine, admin, receptionist,
                                                                                 doctor):
    patient = a_patient(uow, receptionist)
    first = a_bill(uow, receptionist, patient, ("consultation", "Consultation", "1", "500"))
    billing.record_payment(uow, receptionist, first.id, amount="200", method="cash")
    second = a_bill(uow, receptionist, patient, ("procedure", "Dressing", "1", "250"))
    second = billing.record_payment(uow, receptionist, second.id, amount="250", method="upi", reference="UTR123")
    billing.refund_payment(uow, admin, second.payments[0].id, amount="50", reason="Dressing was smaller")
    third = a_bill(uow, receptionist, patient, ("other", "Certificate", "1", "100"))
    billing.cancel_bill(uow, admin, third.id, "Not needed")
    a_bill(uow, receptionist, a_patient(uow, receptionist, "Rohan Gupta", "9812345671"))  # someone else's

    with StatementCounter(engine) as counter:
        account = billing.patient_account(uow, receptionist, patient, limit=2)
    assert len(counter.statements) == 2
    assert [(b.bill_number, b.total, b.paid, b.balance_due, b.status) for b in account.bills] == [
        (third.bill_number, Decimal("100.00"), Decimal("0.00"), Decimal("0.00"), BillStatus.CANCELLED),
        (second.bill_number, Decimal("250.00"), Decimal("200.00"), Decimal("50.00"), BillStatus.OPEN)]
    assert [(p.bill_number, p.payment.method.value, p.payment.amount, p.payment.refunded_amount, p.payment.reference)
            for p in account.payments] == [(second.bill_number, "upi", Decimal("250.00"), Decimal("50.00"), "UTR123"),
                                           (first.bill_number, "cash", Decimal("200.00"), Decimal("0.00"), None)]
    assert (account.bill_count, account.payment_count, account.complete) == (3, 2, False)
    assert (account.billed, account.paid, account.due) == (Decimal("750.00"), Decimal("400.00"), Decimal("350.00"))
    assert account.payments[0].when > account.payments[1].when and account.bills[0].created_at.tzinfo is not None

    assert billing.patient_account(uow, doctor, patient).complete  # doctors read it; opening a bill stays refused
    with pytest.raises(PermissionDenied):
        billing.get_bill(uow, doctor, first.id)
    nurse = Actor(user_id=receptionist.user_id, role=Role.PATIENT, full_name="x", email="x@example.com")
    with pytest.raises(PermissionDenied):
        billing.patient_account(uow, nurse, patient)
    empty = billing.patient_account(uow, receptionist, a_patient(uow, receptionist, "New Patient", "9812345672"))
    assert (empty.bills, empty.payments, empty.due, empty.complete) == ((), (), Decimal("0.00"), True)


def test_the_bill_the_doctor_made_is_listed_ready_and_unpaid_until_money_comes(uow, engine, admin, receptionist,
                                                                               doctor):
    """Complete visit makes the visit's bill: the desk still finds the visit under "Today's visits without a bill",
    with that bill to open, until money is paid on it."""
    from homa_desk.domain.consultations import ConsultationDraft
    from homa_desk.services import consultations
    from tests.services.consultation_helpers import a_patient as a_visit_patient
    from tests.services.consultation_helpers import a_visit, with_profile

    with_profile(uow, admin, doctor, fee="600")
    visit = a_visit(uow, receptionist, a_visit_patient(engine), doctor)
    done = consultations.complete_consultation(uow, doctor, visit, ConsultationDraft(diagnosis="Viral fever"))
    with StatementCounter(engine) as counter:
        visits = billing.unbilled_visits(uow, receptionist)
    assert len(counter.statements) == 1
    assert [(v.appointment_id, v.bill_id, v.bill_total, v.stage) for v in visits] == [
        (visit, done.bill_id, Decimal("600.00"), "Bill ready, unpaid")]
    billing.record_payment(uow, receptionist, done.bill_id, amount="100", method="cash")
    assert billing.unbilled_visits(uow, receptionist) == []


def test_a_bills_lines_change_until_money_is_paid_on_it(uow, engine, admin, receptionist, doctor):
    from homa_desk.gateways.simulator import SimulatorGateway
    from homa_desk.services import upi_payments

    bill = a_bill(uow, receptionist, a_patient(uow, receptionist))
    changed = billing.update_lines(uow, receptionist, bill.id, [
        LineInput("consultation", "Consultation", "1", "500"), LineInput("procedure", "Dressing", "1", "150"),
        LineInput("medicine", "Paracetamol 500 mg", "10", "2", "5")], notes="Follow-up in a week")
    assert ([line.description for line in changed.lines], changed.totals.total, changed.notes, changed.status) == (
        ["Consultation", "Dressing", "Paracetamol 500 mg"], Decimal("665.00"), "Follow-up in a week", BillStatus.OPEN)
    with uow:
        (entry,) = uow.audit.for_entity("bill", bill.id)[1:]
    assert (entry.action, entry.before["total"], entry.after["total"], len(entry.after["lines"])) == (
        "bill_lines_changed", "500.00", "665.00", 3)
    assert billing.update_lines(uow, receptionist, bill.id, [LineInput("other", "Free review", "1", "0")]
                                ).status is BillStatus.PAID  # nothing due: as a new bill of ₹0 is
    reopened = billing.update_lines(uow, receptionist, bill.id, [LineInput("other", "Review", "1", "300")])
    assert (reopened.status, reopened.notes) == (BillStatus.OPEN, "Follow-up in a week")  # notes=None keeps them

    with pytest.raises(FormErrors):
        billing.update_lines(uow, receptionist, bill.id, [LineInput("medicine", "", "0", "x")])
    with pytest.raises(PermissionDenied):
        billing.update_lines(uow, doctor, bill.id, [LineInput("other", "Review", "1", "1")])
    gateway = SimulatorGateway()
    session = upi_payments.start_upi_payment(uow, gateway, receptionist, bill.id)
    with pytest.raises(Conflict, match="QR"):
        billing.update_lines(uow, receptionist, bill.id, [LineInput("other", "Review", "1", "100")])
    upi_payments.cancel_upi_payment(uow, gateway, receptionist, session.id)
    billing.record_payment(uow, receptionist, bill.id, amount="100", method="cash")
    with pytest.raises(Conflict, match="paid"):
        billing.update_lines(uow, receptionist, bill.id, [LineInput("other", "Review", "1", "1000")])
    unpaid = a_bill(uow, receptionist, bill.patient_id)
    billing.cancel_bill(uow, admin, unpaid.id, "Entered twice")
    with pytest.raises(Conflict, match="cancelled"):
        billing.update_lines(uow, receptionist, unpaid.id, [LineInput("other", "Review", "1", "100")])
    assert billing.get_bill(uow, receptionist, bill.id).totals.total == Decimal("300.00")


def test_lines_that_would_leave_money_above_the_total_are_refused_by_postgresql(uow, receptionist):
    """The service refuses any bill with money on it; PostgreSQL (bills_total_covers_payments) still checks the
    new total against what was paid, whatever code writes the lines."""
    from homa_desk.domain.billing import BillLine, LineKind

    bill = a_bill(uow, receptionist, a_patient(uow, receptionist))
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    with pytest.raises(Conflict, match="beyond its total"), uow:
        uow.bills.replace_lines(bill.id, [BillLine(LineKind.OTHER, "Review", Decimal("1"), Decimal("100"))],
                                Decimal("100.00"), None)
        uow.commit()
    assert billing.get_bill(uow, receptionist, bill.id).totals.total == Decimal("500.00")
