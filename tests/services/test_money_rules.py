"""Issue 13, money: a bill is never paid beyond its total, one UTR settles one payment, a bill links only what
belongs together. Each rule through the services and, where it lives in PostgreSQL, straight at the database."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.billing import BillStatus, LineInput, PaymentMethod, PaymentState, SessionStatus
from homa_desk.domain.errors import Conflict, DomainError, ValidationError
from homa_desk.domain.timeutil import utcnow
from homa_desk.gateways.simulator import SimulatorGateway
from homa_desk.gateways.static_upi import StaticUpiGateway
from homa_desk.services import billing, staff
from homa_desk.services import upi_payments as upi
from tests.services.billing_helpers import a_bill, a_patient
from tests.services.visit_helpers import booked_today


@pytest.fixture
def sim():
    return SimulatorGateway()


@pytest.fixture
def bill(uow, receptionist):
    return a_bill(uow, receptionist, a_patient(uow, receptionist))  # ₹500


def paid(uow, actor, bill_id: int) -> Decimal:
    return billing.get_bill(uow, actor, bill_id).totals.net_paid


# --- 1. never beyond the total ------------------------------------------------------------------------------------

def test_no_cash_while_the_qr_can_be_paid_so_the_patient_cannot_pay_twice(uow, receptionist, sim, bill):
    session = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    with pytest.raises(Conflict, match="Cancel it"):
        billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    sim.simulate_payment(session.gateway_qr_id)  # the patient pays the QR after all
    assert upi.check_upi_payment(uow, sim, session.id).status is SessionStatus.COMPLETED
    view = billing.get_bill(uow, receptionist, bill.id)
    assert (view.status, view.totals.balance_due, len(view.payments)) == (BillStatus.PAID, Decimal("0.00"), 1)


def test_switching_to_cash_closes_the_qr_first_and_money_sent_later_is_held(uow, receptionist, sim, bill):
    session = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    assert upi.cancel_upi_payment(uow, sim, receptionist, session.id).status is SessionStatus.CANCELLED
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    sim.simulate_payment(session.gateway_qr_id, even_if_closed=True)  # the patient's app sent it anyway
    upi.reconcile(uow, sim)
    view = billing.get_bill(uow, receptionist, bill.id)
    assert view.totals.net_paid == Decimal("500.00")
    [_cash, held] = view.payments
    assert held.state is PaymentState.PENDING and held.review_reason == upi.LATE_PAYMENT


def test_a_second_payment_on_a_settled_qr_is_held_never_completed(uow, receptionist, sim, bill):
    session = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    sim.simulate_payment(session.gateway_qr_id)
    assert upi.check_upi_payment(uow, sim, session.id).status is SessionStatus.COMPLETED
    sim.simulate_payment(session.gateway_qr_id, even_if_closed=True)
    upi.reconcile(uow, sim)
    upi.reconcile(uow, sim)  # a second start adds nothing
    view = billing.get_bill(uow, receptionist, bill.id)
    assert view.totals.net_paid == Decimal("500.00")
    assert [(p.state, p.review_reason) for p in view.payments] == [
        (PaymentState.COMPLETED, None), (PaymentState.PENDING, upi.PAID_AGAIN)]


def test_qr_money_for_a_bill_paid_meanwhile_by_another_path_is_held(engine, uow, receptionist, sim, bill):
    """A future code path that records cash without looking at the QR: the QR's money is then held, not counted."""
    session = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO payments (patient_id, bill_id, amount, payment_method, status)"
                          " VALUES (:p, :b, 500, 'cash', 'completed')"), {"p": bill.patient_id, "b": bill.id})
    sim.simulate_payment(session.gateway_qr_id)
    settled = upi.check_upi_payment(uow, sim, session.id)
    assert settled.status is SessionStatus.REVIEW and settled.review_reason == upi.BILL_ALREADY_PAID
    view = billing.get_bill(uow, receptionist, bill.id)
    assert view.totals.net_paid == Decimal("500.00") and view.payments[-1].state is PaymentState.PENDING


def test_static_upi_card_first_then_the_utr_cannot_pay_twice(uow, receptionist, bill):
    gateway = StaticUpiGateway("sunrise.clinic@okaxis", "Sunrise Clinic")
    session = upi.start_upi_payment(uow, gateway, receptionist, bill.id)
    with pytest.raises(Conflict, match="QR"):
        billing.record_payment(uow, receptionist, bill.id, amount="500", method="card", reference="slip 42")
    upi.cancel_upi_payment(uow, gateway, receptionist, session.id)
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="card", reference="slip 42")
    with pytest.raises(Conflict, match="cancelled"):
        upi.confirm_by_reference(uow, receptionist, session.id, "432198765012")
    assert paid(uow, receptionist, bill.id) == Decimal("500.00")


def test_the_database_refuses_a_commit_that_pays_a_bill_beyond_its_total(engine, uow, admin, receptionist, bill):
    insert = text("INSERT INTO payments (patient_id, bill_id, amount, payment_method, status)"
                  " VALUES (:p, :b, :amount, 'cash', 'completed')")
    with pytest.raises(IntegrityError, match="bills_not_overpaid"), engine.begin() as conn:
        conn.execute(insert, {"p": bill.patient_id, "b": bill.id, "amount": Decimal("500.01")})
    view = billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    billing.refund_payment(uow, admin, view.payments[0].id, amount="200", reason="Dressing not done")
    with engine.begin() as conn:  # the refunded ₹200 may be paid again, not a paisa more
        conn.execute(insert, {"p": bill.patient_id, "b": bill.id, "amount": Decimal("200")})
    with pytest.raises(IntegrityError, match="bills_not_overpaid"), engine.begin() as conn:
        conn.execute(insert, {"p": bill.patient_id, "b": bill.id, "amount": Decimal("0.01")})
    with pytest.raises(IntegrityError, match="bills_not_overpaid"), engine.begin() as conn:
        conn.execute(text("UPDATE payments SET refunded_amount = 0 WHERE bill_id = :b"), {"b": bill.id})
    with pytest.raises(IntegrityError, match="bills_not_overpaid"), engine.begin() as conn:
        conn.execute(text("UPDATE bills SET total = 499 WHERE id = :b"), {"b": bill.id})
    assert paid(uow, receptionist, bill.id) == Decimal("500.00")


def test_a_unit_of_work_that_would_overpay_says_so_and_writes_nothing(uow, receptionist, bill):
    with pytest.raises(Conflict, match="beyond its total"), uow:
        uow.payments.add(patient_id=bill.patient_id, bill_id=bill.id, appointment_id=None, amount=Decimal("501"),
                         method=PaymentMethod.CASH, state=PaymentState.COMPLETED, paid_at=utcnow(), received_by=None)
        uow.commit()
    assert billing.get_bill(uow, receptionist, bill.id).payments == ()


def test_two_connections_each_within_the_total_cannot_together_pass_it(engine, bill):
    """READ COMMITTED, no lock taken by the writers: the trigger's bill lock makes the second check see the first."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pay() -> None:
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO payments (patient_id, bill_id, amount, payment_method, status)"
                                  " VALUES (:p, :b, 300, 'cash', 'completed')"), {"p": bill.patient_id, "b": bill.id})
                barrier.wait()  # both inserted, neither committed
            outcomes.append("paid")
        except IntegrityError as error:
            outcomes.append("refused" if "bills_not_overpaid" in str(error) else repr(error))

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["paid", "refused"]


def test_two_desks_paying_the_whole_bill_at_once_take_it_once(engine, uow, receptionist, bill):
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def pay(method: str) -> None:
        barrier.wait()
        try:
            billing.record_payment(UnitOfWork(engine), receptionist, bill.id, amount="500", method=method)
            outcomes.append("paid")
        except ValidationError as error:
            outcomes.append(error.field)

    threads = [threading.Thread(target=pay, args=(m,)) for m in ("cash", "card", "cash", "wallet")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["amount", "amount", "amount", "paid"]
    assert paid(uow, receptionist, bill.id) == Decimal("500.00")


def test_cash_while_the_qr_is_being_paid_counts_one_of_them(engine, uow, receptionist, bill):
    for _ in range(5):
        target = a_bill(uow, receptionist, bill.patient_id)
        refused = _race_cash_with_the_poll(engine, uow, receptionist, target.id)
        view = billing.get_bill(uow, receptionist, target.id)
        assert len(refused) == 1 and view.totals.net_paid == Decimal("500.00")
        assert [p.method.value for p in view.payments] == ["upi"]


def _race_cash_with_the_poll(engine, uow, receptionist, bill_id: int) -> list[DomainError]:
    """The patient has paid the QR; one desk takes cash while another desk's poll records the QR's money."""
    sim = SimulatorGateway()
    session = upi.start_upi_payment(uow, sim, receptionist, bill_id)
    sim.simulate_payment(session.gateway_qr_id)
    barrier = threading.Barrier(2)
    refused: list[DomainError] = []

    def cash() -> None:
        barrier.wait()
        try:
            billing.record_payment(UnitOfWork(engine), receptionist, bill_id, amount="500", method="cash")
        except DomainError as error:
            refused.append(error)

    def poll() -> None:
        barrier.wait()
        upi.check_upi_payment(UnitOfWork(engine), sim, session.id)

    threads = [threading.Thread(target=cash), threading.Thread(target=poll)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return refused


# --- 2. one UTR, one payment --------------------------------------------------------------------------------------

def test_one_utr_settles_one_payment_whichever_way_it_was_typed(uow, receptionist, bill):
    other = a_bill(uow, receptionist, bill.patient_id)
    third = a_bill(uow, receptionist, bill.patient_id)
    billing.record_payment(uow, receptionist, bill.id, amount="100", method="upi", reference="4321 9876 5012")
    named = f"already recorded on bill {re.escape(bill.bill_number)}"
    for method, reference in (("upi", "432198765012"), ("netbanking", "4321-9876-5012"), ("card", "432198765012")):
        with pytest.raises(ValidationError, match=named) as error:
            billing.record_payment(uow, receptionist, other.id, amount="100", method=method, reference=reference)
        assert error.value.field == "reference"
    gateway = StaticUpiGateway("sunrise.clinic@okaxis", "Sunrise Clinic")
    session = upi.start_upi_payment(uow, gateway, receptionist, other.id)
    with pytest.raises(ValidationError, match=named) as error:
        upi.confirm_by_reference(uow, receptionist, session.id, "432198765012")
    assert error.value.field == "utr"
    upi.confirm_by_reference(uow, receptionist, session.id, "512398765012")
    with pytest.raises(ValidationError, match=f"already recorded on bill {re.escape(other.bill_number)}"):
        billing.record_payment(uow, receptionist, third.id, amount="100", method="upi", reference="512398765012")
    for _ in range(2):  # short card slips are not bank references: the same slip number may come round again
        billing.record_payment(uow, receptionist, third.id, amount="10", method="card", reference="slip 42")


def test_a_gateway_payment_and_its_utr_cannot_be_recorded_again_at_the_desk(uow, receptionist, sim, bill):
    session = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    payment = sim.simulate_payment(session.gateway_qr_id)
    upi.check_upi_payment(uow, sim, session.id)
    other = a_bill(uow, receptionist, bill.patient_id)
    for method, reference in (("upi", payment.rrn), ("wallet", payment.payment_id)):
        with pytest.raises(ValidationError, match=re.escape(bill.bill_number)):
            billing.record_payment(uow, receptionist, other.id, amount="500", method=method, reference=reference)
    assert billing.get_bill(uow, receptionist, other.id).payments == ()


def test_two_desks_typing_the_same_utr_at_once_record_it_once(engine, uow, receptionist, bill):
    bills = [bill.id] + [a_bill(uow, receptionist, bill.patient_id).id for _ in range(3)]
    barrier = threading.Barrier(len(bills))
    refusals: list[str] = []

    def pay(bill_id: int) -> None:
        barrier.wait()
        try:
            billing.record_payment(UnitOfWork(engine), receptionist, bill_id, amount="500", method="upi",
                                   reference="612398765012")
        except ValidationError as error:
            refusals.append(error.field)

    threads = [threading.Thread(target=pay, args=(b,)) for b in bills]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert refusals == ["reference"] * 3
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM payments")).scalar_one() == 1


def test_the_database_keeps_a_utr_unique_across_columns_and_methods(engine, bill):
    insert = text("INSERT INTO payments (patient_id, amount, payment_method, status, upi_transaction_id)"
                  " VALUES (:p, 1, CAST(:m AS payment_method), 'pending', :r)")
    with engine.begin() as conn:
        conn.execute(insert, {"p": bill.patient_id, "m": "upi", "r": "utr-7123 9876 5012"})
    for method, reference in (("upi", "UTR712398765012"), ("netbanking", "utr 7123-9876-5012")):
        with pytest.raises(IntegrityError, match="ux_payments_settlement_reference"), engine.begin() as conn:
            conn.execute(insert, {"p": bill.patient_id, "m": method, "r": reference})


# --- 4. a bill links what belongs together ----------------------------------------------------------------------

def test_a_bill_links_only_its_patients_visit_and_an_active_doctor(engine, uow, admin, receptionist, doctor):
    kavya = a_patient(uow, receptionist)
    rohan = a_patient(uow, receptionist, "Rohan Gupta", "9812345671")
    rohans_visit = booked_today(engine, rohan, doctor.user_id)
    lines = [LineInput("consultation", "Consultation", "1", "500")]
    with pytest.raises(ValidationError) as error:
        billing.create_bill(uow, receptionist, patient_id=kavya, lines=lines, appointment_id=rohans_visit)
    assert error.value.field == "appointment_id"
    with pytest.raises(ValidationError) as error:
        billing.create_bill(uow, receptionist, patient_id=kavya, lines=lines, doctor_id=receptionist.user_id)
    assert error.value.field == "doctor_id"
    staff.set_staff_active(uow, admin, doctor.user_id, False)
    with pytest.raises(ValidationError, match="active doctor"):
        billing.create_bill(uow, receptionist, patient_id=rohan, lines=lines, doctor_id=doctor.user_id)
    with pytest.raises(ValidationError, match="active doctor"):
        billing.consultation_bill(uow, receptionist, rohans_visit)
    staff.set_staff_active(uow, admin, doctor.user_id, True)
    made = billing.consultation_bill(uow, receptionist, rohans_visit)
    assert (made.patient_id, made.doctor_id) == (rohan, doctor.user_id)
    staff.set_staff_active(uow, admin, doctor.user_id, False)  # bills made while active keep their doctor
    assert billing.cancel_bill(uow, admin, made.id, "made twice").doctor_id == doctor.user_id


@pytest.mark.parametrize("change, constraint", [
    ("appointment_id = :visit", "bills_visit_of_patient"),
    ("doctor_id = :receptionist", "bills_doctor_active"),
    ("patient_id = :receptionist", "bills_patient_is_patient"),
])
def test_the_database_refuses_a_bill_linked_to_what_is_not_its_own(engine, uow, receptionist, doctor, change,
                                                                   constraint):
    kavya = a_patient(uow, receptionist)
    bill = a_bill(uow, receptionist, kavya)
    visit = booked_today(engine, a_patient(uow, receptionist, "Rohan Gupta", "9812345671"), doctor.user_id)
    with pytest.raises(IntegrityError, match=constraint), engine.begin() as conn:
        conn.execute(text(f"UPDATE bills SET {change} WHERE id = :b"),
                     {"b": bill.id, "visit": visit, "receptionist": receptionist.user_id})


# --- 5. bounded amounts ---------------------------------------------------------------------------------------------

def test_a_line_or_bill_beyond_the_columns_is_refused_next_to_the_cell_not_by_the_database(uow, receptionist):
    patient = a_patient(uow, receptionist)
    with pytest.raises(DomainError) as error:
        billing.create_bill(uow, receptionist, patient_id=patient,
                            lines=[LineInput("medicine", "Insulin", "9999", "99999999.99")])
    assert error.value.by_field().keys() == {"lines.0.total"}
    with pytest.raises(DomainError) as error:
        billing.create_bill(uow, receptionist, patient_id=patient,
                            lines=[LineInput("procedure", "Surgery", "1", "60000000")] * 2)
    assert error.value.by_field().keys() == {"lines"}
    most = billing.create_bill(uow, receptionist, patient_id=patient,
                               lines=[LineInput("procedure", "Surgery", "1", "99999999.99")])
    assert most.totals.total == Decimal("99999999.99")


def test_expiry_still_counts_a_last_second_payment(uow, receptionist, sim, bill):
    """The refusal does not outlive the QR: once the desk closes an expired QR, cash is taken again."""
    session = upi.start_upi_payment(uow, sim, receptionist, bill.id, expires_in=timedelta(minutes=10))
    later = utcnow() + timedelta(minutes=11)
    assert upi.check_upi_payment(uow, sim, session.id, now=later).status is SessionStatus.EXPIRED
    assert billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash").status is BillStatus.PAID
