"""The narrow patient_search table follows `users`, whoever writes it (the desk, a web backend, the demo)."""

from __future__ import annotations

from sqlalchemy import text

from homa_desk.db import demo_data


def _keys(engine) -> dict[int, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT user_id, name_key FROM patient_search")).all())


def test_a_trigger_keeps_patient_names_in_the_search_table(engine):
    with engine.begin() as conn:
        patient = conn.execute(text("INSERT INTO users (full_name, phone) VALUES ('Priya SHARMA', '9876543210')"
                                    " RETURNING id")).scalar_one()
        staff = conn.execute(text("INSERT INTO users (email, password_hash, full_name, phone, role)"
                                  " VALUES ('d@x.in', 'h', 'Dr Rao', '1', 'doctor') RETURNING id")).scalar_one()
    assert _keys(engine) == {patient: "priya sharma"}
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET full_name = 'Priya Verma' WHERE id = :id"), {"id": patient})
    assert _keys(engine) == {patient: "priya verma"}
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET role = 'doctor', email = 'p@x.in', password_hash = 'h' WHERE id = :id"),
                     {"id": patient})
        conn.execute(text("DELETE FROM users WHERE id = :id"), {"id": staff})
    assert _keys(engine) == {}


def test_the_bulk_demo_load_fills_the_search_table_and_restores_the_trigger(engine, monkeypatch):
    monkeypatch.setattr(demo_data, "BULK_ROWS", 10)
    summary = demo_data.generate(engine, patients=40, appointments=20, payments=False)
    with engine.connect() as conn:
        patients = conn.execute(text("SELECT count(*) FROM users WHERE role = 'patient'")).scalar_one()
        enabled = conn.execute(text("SELECT tgenabled FROM pg_trigger WHERE tgname = 'users_patient_search'"))\
            .scalar_one()
    assert len(_keys(engine)) == patients == summary.patients
    assert enabled == "O"
