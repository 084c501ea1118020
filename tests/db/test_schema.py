"""The schema is the design's: a web backend written against the design can share the database."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from homa_desk.db import migrate
from homa_desk.db.models import Base
from tests.helpers import engine_for


def test_a_row_goes_into_each_design_table_with_exactly_the_design_columns(engine):
    with engine.begin() as conn:
        user_id = conn.execute(text(
            "INSERT INTO users (email, password_hash, full_name, phone, role, is_verified, created_at, updated_at)"
            " VALUES ('web@example.com', '$2b$12$abc', 'Web Patient', '9876543210', 'patient', false,"
            " now(), now()) RETURNING id")).scalar_one()
        doctor_id = conn.execute(text(
            "INSERT INTO users (email, password_hash, full_name, phone, role)"
            " VALUES ('doc@example.com', '$2b$12$abc', 'Dr Web', '9876500000', 'doctor') RETURNING id")).scalar_one()
        conn.execute(text(
            "INSERT INTO patient_profiles (user_id, date_of_birth, gender, address, emergency_contact,"
            " medical_history, allergies) VALUES (:u, '1990-05-01', 'female', 'Pune', '9876500001',"
            " 'asthma', 'penicillin')"), {"u": user_id})
        appointment_id = conn.execute(text(
            "INSERT INTO appointments (patient_id, doctor_id, appointment_date, status, consultation_type,"
            " symptoms, diagnosis, prescription, created_at) VALUES (:u, :d, '2026-12-01 10:00:00+05:30',"
            " 'scheduled', 'online', 'cough', 'cold', 'rest', now()) RETURNING id"),
            {"u": user_id, "d": doctor_id}).scalar_one()
        conn.execute(text(
            "INSERT INTO payments (patient_id, appointment_id, amount, currency, payment_method, status,"
            " transaction_id, upi_transaction_id, gateway_response, payment_date, created_at)"
            " VALUES (:u, :a, 500.00, 'INR', 'upi', 'completed', 'pay_1', 'UTR1', '{\"ok\": true}', now(), now())"),
            {"u": user_id, "a": appointment_id})
        conn.execute(text(
            "INSERT INTO payment_sessions (session_id, patient_id, amount, upi_link, status, expires_at, created_at)"
            " VALUES ('sess_1', :u, 500.00, 'upi://pay?pa=x@y&am=500.00', 'active', now() + interval '10 min',"
            " now())"), {"u": user_id})
        defaults = conn.execute(text(
            "SELECT p.currency, p.payment_method::text, p.status::text, a.status::text, a.consultation_type::text"
            " FROM payments p JOIN appointments a ON a.id = p.appointment_id")).one()
    assert tuple(defaults) == ("INR", "upi", "completed", "scheduled", "online")


def test_design_defaults_apply_when_a_web_backend_omits_them(engine):
    with engine.begin() as conn:
        row = conn.execute(text(
            "INSERT INTO users (email, password_hash, full_name, phone) VALUES ('p@example.com', 'h', 'P', '1')"
            " RETURNING role::text, is_verified, created_at IS NOT NULL")).one()
    assert tuple(row) == ("patient", False, True)


@pytest.mark.parametrize("role", ["doctor", "admin", "receptionist"])
def test_staff_must_have_email_and_password_hash(engine, role):
    with pytest.raises(IntegrityError, match="users_staff_have_credentials"), engine.begin() as conn:
        conn.execute(text("INSERT INTO users (full_name, phone, role) VALUES ('X', '1', :r)"), {"r": role})


def test_patients_may_have_no_login(engine):
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (full_name, phone) VALUES ('Walk In', '9876543210')"))


def test_enum_values_are_the_designs_plus_documented_additions(engine):
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_type t"
            " JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname")).all()
    design = {
        "user_role": ["patient", "doctor", "admin", "receptionist"],
        "gender": ["male", "female", "other"],
        "appointment_status": ["scheduled", "completed", "cancelled", "no_show"],
        "consultation_type": ["online", "offline"],
        "payment_method": ["upi", "card", "netbanking", "wallet", "cash"],
        "payment_status": ["pending", "completed", "failed", "refunded"],
        "payment_session_status": ["active", "completed", "expired", "cancelled", "review"],
    }
    assert {name: labels for name, labels in rows if name in design} == design


def test_updated_at_is_kept_current_by_the_database(engine):
    with engine.begin() as conn:
        user_id = conn.execute(text(
            "INSERT INTO users (full_name, phone, updated_at) VALUES ('A', '1', now() - interval '1 day')"
            " RETURNING id")).scalar_one()
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET full_name = 'B' WHERE id = :i"), {"i": user_id})
        age = conn.execute(text("SELECT now() - updated_at < interval '1 minute' FROM users WHERE id = :i"),
                           {"i": user_id}).scalar_one()
    assert age is True


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET action = 'tampered'",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
])
def test_audit_log_refuses_update_delete_and_truncate(engine, owner_engine, statement):
    """The desk's role has no such privilege; the triggers refuse even the schema's owner."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (action, entity, entity_id) VALUES ('x', 'payment', '1')"))
    with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as conn:
        conn.execute(text(statement))
    with pytest.raises(DBAPIError, match="append-only"), owner_engine.begin() as conn:
        conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT action FROM audit_log")).scalars().all() == ["x"]


def test_models_match_the_migrations(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_downgrade_and_upgrade_again(cluster):
    url = cluster.fresh_database(migrated=False)
    engine = engine_for(cluster.owner_url(url))
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        migrate.downgrade(engine, "base")
        assert migrate.current_revision(engine) is None
        with engine.connect() as conn:
            left = conn.execute(text(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )).scalar_one()
        assert left == 0
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()
        cluster.drop(url)


def test_upgrading_to_the_money_rules_keeps_existing_money_visible(cluster):
    """Rows that already break the 0015 rules are not rewritten silently: a reused UTR is marked and audited, an
    overpaid bill is listed in the audit log; everything else is left as it was."""
    before = importlib.import_module("homa_desk.db.migrations.versions.0015_money_rules").down_revision
    url = cluster.fresh_database(migrated=False)
    engine = engine_for(cluster.owner_url(url))  # migrations run as the schema's owner
    try:
        migrate.upgrade(engine, before)
        with engine.begin() as conn:
            patient = conn.execute(text("INSERT INTO users (full_name, phone) VALUES ('P', '1') RETURNING id"))
            patient = patient.scalar_one()
            bill = conn.execute(text(
                "INSERT INTO bills (bill_number, financial_year, serial, patient_id, total)"
                " VALUES ('2026-27/000001', '2026-27', 1, :p, 500) RETURNING id"), {"p": patient}).scalar_one()
            for reference in ("432198765012", "4321 9876 5012", "slip 42", "slip 42"):
                conn.execute(text(
                    "INSERT INTO payments (patient_id, bill_id, amount, payment_method, status, upi_transaction_id)"
                    " VALUES (:p, :b, 500, CAST(:m AS payment_method), 'completed', :r)"),
                    {"p": patient, "b": bill, "r": reference, "m": "card" if "slip" in reference else "upi"})
        migrate.upgrade(engine, "0015")
        with engine.connect() as conn:
            references = conn.execute(text("SELECT upi_transaction_id FROM payments ORDER BY id")).scalars().all()
            audited = conn.execute(text("SELECT action, entity_id FROM audit_log ORDER BY id")).all()
            first = conn.execute(text("SELECT min(id) FROM payments")).scalar_one()
    finally:
        engine.dispose()
        cluster.drop(url)
    assert references == ["432198765012", f"4321 9876 5012 (duplicate of payment {first})", "slip 42", "slip 42"]
    assert [tuple(row) for row in audited] == [("payment_reference_duplicate", str(first + 1)),
                                               ("bill_found_overpaid", str(bill))]


def test_upgrading_gives_earlier_upi_money_the_receptionist_who_started_its_qr(cluster):
    """0020: completed UPI money on a desk QR with no receiver gets the QR's starter; held money, money with a
    receiver and money on no QR are left as they were."""
    url = cluster.fresh_database(migrated=False)
    engine = engine_for(cluster.owner_url(url))
    try:
        migrate.upgrade(engine, "0019")
        with engine.begin() as conn:
            def user(name):
                return conn.execute(text("INSERT INTO users (full_name, phone) VALUES (:n, '1') RETURNING id"),
                                    {"n": name}).scalar_one()

            patient, asha, meera = user("P"), user("Asha"), user("Meera")
            bill = conn.execute(text(
                "INSERT INTO bills (bill_number, financial_year, serial, patient_id, total)"
                " VALUES ('2026-27/000001', '2026-27', 1, :p, 900) RETURNING id"), {"p": patient}).scalar_one()
            session = conn.execute(text(
                "INSERT INTO payment_sessions (session_id, patient_id, bill_id, amount, upi_link, expires_at,"
                " created_by) VALUES ('HD1', :p, :b, 300, '', now(), :a) RETURNING id"),
                {"p": patient, "b": bill, "a": asha}).scalar_one()
            for status, received_by, on_qr, reference in (("completed", None, True, "1"),
                                                          ("pending", None, True, "2"),
                                                          ("completed", meera, True, "3"),
                                                          ("completed", None, False, "4")):
                conn.execute(text(
                    "INSERT INTO payments (patient_id, bill_id, amount, payment_method, status, received_by,"
                    " payment_session_id, transaction_id, review_reason)"
                    " VALUES (:p, :b, 200, 'upi', CAST(:s AS payment_status), :r, :q, :t, :why)"),
                    {"p": patient, "b": bill, "s": status, "r": received_by, "q": session if on_qr else None,
                     "t": f"pay_{reference}", "why": "wrong amount" if status == "pending" else None})
        migrate.upgrade(engine, "0020")
        with engine.connect() as conn:
            receivers = conn.execute(text("SELECT received_by FROM payments ORDER BY id")).scalars().all()
    finally:
        engine.dispose()
        cluster.drop(url)
    assert receivers == [asha, None, meera, None]
