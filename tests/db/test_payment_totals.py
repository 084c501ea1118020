"""Schema 0010: payments.doctor_id is derived by the database, and the per-day totals tables always equal a
recount of payments, whoever writes payments (the desk, a web backend, a bulk load)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, text

from homa_desk.domain.roles import Role
from homa_desk.services import billing
from homa_desk.services import staff as staff_service
from tests.db.totals_helpers import assert_totals_match_payments
from tests.helpers import engine_for, new_staff
from tests.services.billing_helpers import a_patient
from tests.services.report_helpers import ist, paid_bill


def _scalar(engine: Engine, sql: str, **params):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def test_the_desks_payments_carry_the_bills_doctor_and_count_in_the_totals(engine, uow, admin, receptionist,
                                                                           doctor):
    patient = a_patient(uow, receptionist, "Kavya Nair")
    cash = paid_bill(uow, receptionist, patient, "500", at=ist(2026, 11, 24, 23, 50), doctor_id=doctor.user_id)
    upi = paid_bill(uow, receptionist, patient, "800", at=ist(2026, 11, 25, 0, 10), method="upi")
    billing.refund_payment(uow, admin, cash.payments[0].id, amount="200", reason="Test not done")
    assert _scalar(engine, "SELECT doctor_id FROM payments WHERE id = :i", i=cash.payments[0].id) == doctor.user_id
    assert _scalar(engine, "SELECT doctor_id FROM payments WHERE id = :i", i=upi.payments[0].id) is None
    assert_totals_match_payments(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT day::text, payment_method::text, refunded, payments, amount, refunded_amount"
                                 " FROM payment_day_totals WHERE payments <> 0 ORDER BY day")).all()
    assert [tuple(r) for r in rows] == [("2026-11-24", "cash", True, 1, Decimal("500.00"), Decimal("200.00")),
                                        ("2026-11-25", "upi", False, 1, Decimal("800.00"), Decimal("0.00"))]


def test_a_new_doctor_on_the_bill_or_the_appointment_moves_its_payments(engine, uow, admin, receptionist, doctor):
    other = staff_service.add_staff(uow, admin, new_staff(Role.DOCTOR, name="Sneha Pillai")).as_actor()
    patient = a_patient(uow, receptionist)
    bill = paid_bill(uow, receptionist, patient, "500", at=ist(2026, 11, 24, 10), doctor_id=doctor.user_id)
    with engine.begin() as conn:
        appointment = conn.execute(text(
            "INSERT INTO appointments (patient_id, doctor_id, appointment_date, status)"
            " VALUES (:p, :d, '2026-11-24 11:00+05:30', 'completed') RETURNING id"),
            {"p": patient, "d": doctor.user_id}).scalar_one()
        # a web backend's payment: no bill, and a doctor it should not decide
        walk_in = conn.execute(text(
            "INSERT INTO payments (patient_id, appointment_id, amount, payment_method, status, payment_date,"
            " doctor_id) VALUES (:p, :a, 300, 'cash', 'completed', now(), :wrong) RETURNING id"),
            {"p": patient, "a": appointment, "wrong": other.user_id}).scalar_one()
    doctor_of = lambda payment_id: _scalar(engine, "SELECT doctor_id FROM payments WHERE id = :i",  # noqa: E731
                                           i=payment_id)
    assert (doctor_of(bill.payments[0].id), doctor_of(walk_in)) == (doctor.user_id, doctor.user_id)
    with engine.begin() as conn:
        conn.execute(text("UPDATE bills SET doctor_id = :d WHERE id = :b"), {"d": other.user_id, "b": bill.id})
        conn.execute(text("UPDATE appointments SET doctor_id = :d WHERE id = :a"),
                     {"d": other.user_id, "a": appointment})
    assert (doctor_of(bill.payments[0].id), doctor_of(walk_in)) == (other.user_id, other.user_id)
    with engine.begin() as conn:
        conn.execute(text("UPDATE payments SET doctor_id = :d"), {"d": doctor.user_id})  # derived again
    assert (doctor_of(bill.payments[0].id), doctor_of(walk_in)) == (other.user_id, other.user_id)
    assert_totals_match_payments(engine)
    assert _scalar(engine, "SELECT sum(payments) FROM payment_doctor_day_totals WHERE doctor_id = :d",
                   d=other.user_id) == 2


def test_updates_that_change_nothing_counted_and_deletes_and_truncate_keep_the_totals_right(engine, owner_engine,
                                                                                            uow, receptionist):
    patient = a_patient(uow, receptionist)
    paid = [paid_bill(uow, receptionist, patient, str(100 * n), at=ist(2026, 11, 20 + n, 9), method=method)
            .payments[0].id for n, method in enumerate(("cash", "card", "upi"), start=1)]
    with engine.begin() as conn:
        conn.execute(text("UPDATE payments SET gateway_response = '{\"seen\": true}'"))
        conn.execute(text("UPDATE payments SET payment_method = 'wallet', payment_date = payment_date"
                          " + interval '1 day' WHERE id = :i"), {"i": paid[0]})
        conn.execute(text("UPDATE payments SET payment_date = NULL WHERE id = :i"), {"i": paid[1]})
    assert_totals_match_payments(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM payments WHERE id = :i"), {"i": paid[2]})
    assert_totals_match_payments(engine)
    with owner_engine.begin() as conn:  # the desk's own role may not TRUNCATE
        conn.execute(text("TRUNCATE payments CASCADE"))
    assert _scalar(engine, "SELECT count(*) FROM payment_day_totals") == 0
    assert _scalar(engine, "SELECT count(*) FROM payment_doctor_day_totals") == 0


def test_many_rows_in_one_statement_are_counted_once_each(engine, uow, receptionist):
    patient = a_patient(uow, receptionist)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO payments (patient_id, amount, payment_method, status, payment_date)"
            " SELECT :p, 10 + n % 7, (ARRAY['cash', 'upi', 'card']::payment_method[])[1 + n % 3], 'completed',"
            " timestamptz '2026-11-01 09:00+05:30' + n * interval '37 minutes' FROM generate_series(1, 2000) n"),
            {"p": patient})
        conn.execute(text("UPDATE payments SET refunded_amount = amount, status = 'refunded' WHERE id % 5 = 0"))
    assert_totals_match_payments(engine)
    assert _scalar(engine, "SELECT sum(payments) FROM payment_day_totals") == 2000


def test_rebuild_recounts_after_a_load_that_skipped_the_triggers(cluster, db_url, engine, owner_engine, uow,
                                                                 receptionist):
    patient = a_patient(uow, receptionist)
    paid_bill(uow, receptionist, patient, "500", at=ist(2026, 11, 24, 10))
    loader = engine_for(cluster.superuser_url(db_url))  # skipping triggers takes a superuser
    try:
        with loader.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("INSERT INTO payments (patient_id, amount, payment_method, status, payment_date)"
                              " VALUES (:p, 70, 'cash', 'completed', now())"), {"p": patient})
    finally:
        loader.dispose()
    with owner_engine.begin() as conn:  # the rebuild truncates the totals: the owner's
        conn.execute(text("SELECT homa_payment_totals_rebuild()"))
    assert_totals_match_payments(engine)
