"""Migration 0017 on a clinic that already has data: the doctor's symptoms copied to appointments.symptoms move to the
consultation, and a clinic that has an admin is known to have had one."""

from __future__ import annotations

from sqlalchemy import text

from homa_desk.db import migrate
from tests.helpers import engine_for


def test_upgrading_moves_the_doctors_symptoms_off_the_appointment(cluster):
    url = cluster.fresh_database(migrated=False)
    engine = engine_for(cluster.owner_url(url))  # migrations run as the schema's owner
    try:
        migrate.upgrade(engine, "0014")
        with engine.begin() as conn:
            ids = conn.execute(text(
                "INSERT INTO users (email, password_hash, full_name, phone, role) VALUES"
                " ('a@x.example', 'h', 'Admin', '9876500000', 'admin'),"
                " ('d@x.example', 'h', 'Doctor', '9876500001', 'doctor'),"
                " (NULL, NULL, 'Patient', '9876500002', 'patient') RETURNING id")).scalars().all()
            seen, booked = conn.execute(text(
                "INSERT INTO appointments (patient_id, doctor_id, appointment_date, symptoms) VALUES"
                " (:p, :d, now(), 'Chest pain radiating to the left arm'),"
                " (:p, :d, now() + interval '1 hour', 'Wants a check-up')"
                " RETURNING id"), {"p": ids[2], "d": ids[1]}).scalars().all()
            conn.execute(text("INSERT INTO consultations (appointment_id, doctor_id) VALUES (:a, :d)"),
                         {"a": seen, "d": ids[1]})
        migrate.upgrade(engine)
        with engine.connect() as conn:
            rows = dict(conn.execute(text(
                "SELECT a.id, (a.symptoms, c.symptoms) FROM appointments a"
                " LEFT JOIN consultations c ON c.appointment_id = a.id")).all())
            had_admin = conn.execute(text("SELECT first_admin_id FROM clinic_admin_history")).scalar_one()
    finally:
        engine.dispose()
        cluster.drop(url)
    assert rows[seen] == (None, "Chest pain radiating to the left arm")
    assert rows[booked] == ("Wants a check-up", None)
    assert had_admin == ids[0]
