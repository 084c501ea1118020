"""Schema 0030: the monthly totals tables always equal a recount of payments, completed visits and bill lines,
whoever writes them (the desk's services, a web backend's SQL, a bulk load), and audit entries carry their patient."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from homa_desk.db import migrate
from homa_desk.domain.roles import Role
from homa_desk.services import appointments, billing
from homa_desk.services import staff as staff_service
from tests.db.owner_totals_helpers import assert_owner_totals_match
from tests.helpers import engine_for, new_staff
from tests.services.billing_helpers import a_bill, a_patient
from tests.services.report_helpers import ist, paid_bill


def _rows(engine: Engine, sql: str, **params) -> list[tuple]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def _visit(conn, patient: int, doctor: int | None, when: str, status: str = "completed") -> int:  # type: ignore[no-untyped-def]
    return conn.execute(text(
        "INSERT INTO appointments (patient_id, doctor_id, appointment_date, status)"
        " VALUES (:p, :d, CAST(:w AS timestamptz), CAST(:s AS appointment_status)) RETURNING id"),
        {"p": patient, "d": doctor, "w": when, "s": status}).scalar_one()


def test_payments_refunds_and_a_payment_moved_between_months_keep_the_monthly_totals(engine, owner_engine, uow,
                                                                                        admin, receptionist, doctor):
    patient = a_patient(uow, receptionist)
    late = paid_bill(uow, receptionist, patient, "500", at=ist(2026, 10, 31, 23, 50), doctor_id=doctor.user_id)
    early = paid_bill(uow, receptionist, patient, "800", at=ist(2026, 11, 1, 0, 10), method="upi")
    billing.refund_payment(uow, admin, late.payments[0].id, amount="200", reason="Test not done")
    assert_owner_totals_match(engine)
    assert _rows(engine, "SELECT month::text, payment_method::text, payments, amount, refunded_amount"
                         " FROM payment_month_totals WHERE payments <> 0 ORDER BY month") == [
        ("2026-10-01", "cash", 1, Decimal("500.00"), Decimal("200.00")),
        ("2026-11-01", "upi", 1, Decimal("800.00"), Decimal("0.00"))]
    assert _rows(engine, "SELECT doctor_id, month::text, amount, refunded_amount FROM payment_doctor_month_totals"
                         " WHERE payments <> 0") == [(doctor.user_id, "2026-10-01", Decimal("500.00"),
                                                      Decimal("200.00"))]
    with owner_engine.begin() as conn:  # a correction by hand: the payment moves to the next day and month
        conn.execute(text("UPDATE payments SET payment_date = payment_date + interval '1 day' WHERE id = :i"),
                     {"i": late.payments[0].id})
        conn.execute(text("UPDATE payments SET payment_date = payment_date + interval '2 hours' WHERE id = :i"),
                     {"i": early.payments[0].id})  # another day, the same month
    assert_owner_totals_match(engine)
    assert _rows(engine, "SELECT month::text, sum(payments) FROM payment_month_totals GROUP BY 1 HAVING"
                         " sum(payments) <> 0") == [("2026-11-01", 2)]
    with owner_engine.begin() as conn:  # a held payment completed, then a failed one: status changes count too
        conn.execute(text("UPDATE payments SET status = 'failed' WHERE id = :i"), {"i": early.payments[0].id})
    assert_owner_totals_match(engine)


def test_a_cancelled_bill_and_changed_lines_leave_the_items_billed(engine, owner_engine, uow, admin, receptionist):
    patient = a_patient(uow, receptionist)
    kept = a_bill(uow, receptionist, patient, ("procedure", "Dressing", "1", "300"),
                  ("medicine", "Paracetamol 500", "10", "2"))
    dropped = a_bill(uow, receptionist, patient, ("procedure", "  dressing ", "2", "300"))
    assert_owner_totals_match(engine)
    assert _rows(engine, "SELECT kind::text, name_key, lines, amount FROM bill_item_month_totals"
                         " WHERE lines <> 0 ORDER BY 1, 2") == [
        ("medicine", "paracetamol 500", 1, Decimal("20.00")), ("procedure", "dressing", 2, Decimal("900.00"))]
    billing.cancel_bill(uow, admin, dropped.id, "Entered twice")
    assert_owner_totals_match(engine)
    from homa_desk.domain.billing import LineInput
    billing.update_lines(uow, receptionist, kept.id, [LineInput("procedure", "ECG", "1", "250")])
    assert_owner_totals_match(engine)
    assert _rows(engine, "SELECT kind::text, name_key, amount FROM bill_item_month_totals WHERE lines <> 0") == [
        ("procedure", "ecg", Decimal("250.00"))]
    with owner_engine.begin() as conn:  # a bill's date corrected by hand: its lines move to that month
        conn.execute(text("UPDATE bills SET created_at = '2026-01-31 23:00+05:30' WHERE id = :b"), {"b": kept.id})
    assert_owner_totals_match(engine)
    assert _rows(engine, "SELECT month::text FROM bill_item_month_totals WHERE lines <> 0") == [("2026-01-01",)]


def test_visits_and_new_or_returning_patients_follow_every_change(engine, owner_engine, uow, admin, receptionist,
                                                                   doctor):
    other = staff_service.add_staff(uow, admin, new_staff(Role.DOCTOR, name="Sneha Pillai")).as_actor()
    asha, ravi = a_patient(uow, receptionist, "Asha Rao", "9812345671"), a_patient(uow, receptionist, "Ravi K",
                                                                                    "9812345672")
    with engine.begin() as conn:
        first = _visit(conn, asha, doctor.user_id, "2026-09-10 10:00+05:30")
        _visit(conn, asha, doctor.user_id, "2026-10-05 10:00+05:30")
        _visit(conn, asha, other.user_id, "2026-10-20 10:00+05:30")
        _visit(conn, ravi, None, "2026-10-31 23:30+05:30")  # IST October, UTC the 31st
        booked = _visit(conn, ravi, doctor.user_id, "2026-11-02 10:00+05:30", "scheduled")
    assert_owner_totals_match(engine)
    assert _rows(engine, "SELECT month::text, patients, new_patients FROM patient_month_totals"
                         " WHERE patients <> 0 ORDER BY 1") == [("2026-09-01", 1, 1), ("2026-10-01", 2, 1)]
    appointments.mark_completed(uow, receptionist, booked)  # through the service: Ravi returns in November
    assert_owner_totals_match(engine)
    with engine.begin() as conn:  # Asha's first visit turns out to be a no-show: October becomes her first month
        conn.execute(text("UPDATE appointments SET status = 'no_show' WHERE id = :i"), {"i": first})
    assert_owner_totals_match(engine)
    assert _rows(engine, "SELECT month::text, patients, new_patients FROM patient_month_totals"
                         " WHERE patients <> 0 ORDER BY 1") == [("2026-10-01", 2, 2), ("2026-11-01", 1, 0)]
    with owner_engine.begin() as conn:  # a visit moved to an earlier month, a doctor changed, one deleted
        conn.execute(text("UPDATE appointments SET appointment_date = '2026-08-01 10:00+05:30', doctor_id = :d"
                          " WHERE id = :i"), {"i": booked, "d": other.user_id})
        conn.execute(text("DELETE FROM appointments WHERE id = :i"), {"i": first})
    assert_owner_totals_match(engine)


def test_a_bulk_load_and_the_rebuild_agree(engine, owner_engine, uow, receptionist, doctor):
    patients = [a_patient(uow, receptionist, name, f"98123456{n:02d}")
                for n, name in enumerate(("Anu Das", "Bela Sen", "Chitra Roy"))]
    with engine.begin() as conn:  # one statement, many patients and months: the statement trigger's own path
        conn.execute(text(
            "INSERT INTO appointments (patient_id, doctor_id, appointment_date, status)"
            " SELECT p, :d, timestamptz '2026-01-15 10:00+05:30' + (n || ' days')::interval"
            " + (p || ' hours')::interval, 'completed'"
            " FROM unnest(CAST(:ps AS integer[])) p, generate_series(0, 300, 17) n"),
            {"d": doctor.user_id, "ps": patients})
    assert_owner_totals_match(engine)
    before = _rows(engine, "SELECT * FROM patient_month_totals ORDER BY month")
    with owner_engine.begin() as conn:
        conn.execute(text("SELECT homa_owner_totals_rebuild()"))
    assert _rows(engine, "SELECT * FROM patient_month_totals WHERE patients <> 0 OR new_patients <> 0"
                         " ORDER BY month") == [r for r in before if r[1] or r[2]]


def test_audit_entries_carry_their_patient_whoever_writes_them(engine, uow, admin, receptionist):
    patient = a_patient(uow, receptionist)
    bill = paid_bill(uow, receptionist, patient, "500", at=ist(2026, 11, 24, 10))
    with engine.begin() as conn:  # a web backend's own entry about the bill, and a forged patient of a staff id
        conn.execute(text("INSERT INTO audit_log (action, entity, entity_id) VALUES ('web', 'bill', :b)"),
                     {"b": str(bill.id)})
        conn.execute(text("INSERT INTO audit_log (action, entity, entity_id, patient_id)"
                          " VALUES ('forged', 'clinic_settings', 'x', :u)"), {"u": admin.user_id})
    rows = dict(_rows(engine, "SELECT action, patient_id FROM audit_log"))
    assert rows["patient_registered"] == rows["bill_created"] == rows["payment_received"] == rows["web"] == patient
    assert rows["forged"] is None


def test_the_upgrade_fills_earlier_entries_and_the_log_stays_append_only(cluster):
    before = importlib.import_module("homa_desk.db.migrations.versions.0030_owner_reports").down_revision
    url = cluster.fresh_database(migrated=False)
    engine = engine_for(cluster.owner_url(url))
    try:
        migrate.upgrade(engine, before)
        with engine.begin() as conn:
            patient = conn.execute(text("INSERT INTO users (full_name, phone) VALUES ('P', '1') RETURNING id"))
            patient = patient.scalar_one()
            visit = _visit(conn, patient, None, "2026-11-02 10:00+05:30")
            conn.execute(text("INSERT INTO audit_log (action, entity, entity_id) VALUES ('appointment_completed',"
                              " 'appointment', :a), ('clinic_renamed', 'clinic_settings', 'clinic_name')"),
                         {"a": str(visit)})
        migrate.upgrade(engine)
        assert _rows(engine, "SELECT action, patient_id FROM audit_log ORDER BY id") == [
            ("appointment_completed", patient), ("clinic_renamed", None)]
        assert _rows(engine, "SELECT month::text, patients, new_patients FROM patient_month_totals") == [
            ("2026-11-01", 1, 1)]
        for statement in ("UPDATE audit_log SET patient_id = NULL", "DELETE FROM audit_log"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
        with engine.connect() as conn:
            enabled = conn.execute(text("SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_log_no_update'"))
            assert enabled.scalar_one() == "O"
    finally:
        engine.dispose()
        cluster.drop(url)


def test_two_desks_completing_one_patients_visits_at_once_count_them_new_once(engine, uow, receptionist, doctor):
    import threading

    patient = a_patient(uow, receptionist)
    with engine.begin() as conn:
        september = _visit(conn, patient, doctor.user_id, "2026-09-10 10:00+05:30", "scheduled")
        october = _visit(conn, patient, doctor.user_id, "2026-10-10 10:00+05:30", "scheduled")
    complete = text("UPDATE appointments SET status = 'completed' WHERE id = :i")
    first = engine.connect()
    first.begin()
    first.execute(complete, {"i": september})  # holds the patient's lock until it commits

    def second_desk() -> None:
        with engine.begin() as conn:
            conn.execute(complete, {"i": october})

    other = threading.Thread(target=second_desk)
    other.start()
    other.join(timeout=1.0)
    assert other.is_alive()  # waiting for the first desk, not counting from what it cannot see yet
    first.commit()
    first.close()
    other.join(timeout=10)
    assert_owner_totals_match(engine)
    assert _rows(engine, "SELECT month::text, patients, new_patients FROM patient_month_totals"
                         " WHERE patients <> 0 ORDER BY 1") == [("2026-09-01", 1, 1), ("2026-10-01", 1, 0)]


def test_a_service_names_the_patient_of_an_entity_the_database_cannot_trace(engine, uow, admin, receptionist):
    patient = a_patient(uow, receptionist)
    with uow:
        uow.audit.record(receptionist, "advance_received", "patient_account", "A-1", after={"amount": "500"},
                         patient_id=patient)
        uow.audit.record(receptionist, "advance_received", "patient_account", "A-2", patient_id=admin.user_id)
        uow.commit()
    assert _rows(engine, "SELECT entity_id, patient_id FROM audit_log WHERE action = 'advance_received'"
                         " ORDER BY id") == [("A-1", patient), ("A-2", None)]


def test_a_bulk_load_of_ten_thousand_patients_visits_in_one_statement(engine):
    """More patients than the server's lock table holds advisory locks for: the statement locks the table."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (full_name, phone) SELECT 'Bulk Patient', '1'"
                          " FROM generate_series(1, 10000)"))
        conn.execute(text("INSERT INTO appointments (patient_id, doctor_id, appointment_date, status)"
                          " SELECT id, NULL, timestamptz '2026-03-01 10:00+05:30' + (id % 60 || ' days')::interval,"
                          " 'completed' FROM users WHERE full_name = 'Bulk Patient'"))
    assert_owner_totals_match(engine)
    assert _rows(engine, "SELECT sum(new_patients) FROM patient_month_totals") == [(10000,)]
