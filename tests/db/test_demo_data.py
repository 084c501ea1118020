"""The demo generator: deterministic, realistic, and clean enough for the constraints the schema will grow."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from homa_desk.db import demo_data
from homa_desk.db.models import Appointment, PatientProfile, Payment, User
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain import validation
from homa_desk.domain.errors import AuthenticationFailed
from homa_desk.domain.passwords import verify_password
from homa_desk.domain.roles import Role
from homa_desk.services import auth
from homa_desk.services import staff as staff_service
from tests.db.totals_helpers import assert_totals_match_payments
from tests.helpers import STRONG_PASSWORD, engine_for, new_staff

TODAY = date(2026, 11, 25)

COMPARED = {  # everything but the password hashes, which are random on purpose
    "users": "SELECT id, email, full_name, phone, role::text, is_verified, is_active, created_at, updated_at"
             " FROM users ORDER BY id",
    "patient_profiles": "SELECT * FROM patient_profiles ORDER BY id",
    "appointments": "SELECT * FROM appointments ORDER BY id",
    "payments": "SELECT * FROM payments ORDER BY id",
}
LIVE = "('scheduled', 'completed', 'no_show')"
FOREIGN_KEYS = ("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE contype = 'f' ORDER BY 1, 2")


def _generate(bind, **options) -> demo_data.DemoSummary:  # type: ignore[no-untyped-def]
    return demo_data.generate(bind, today=options.pop("today", TODAY), **options)


def _all(engine, sql: str, **params) -> list[tuple]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def _one(engine, sql: str, **params):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


@pytest.fixture
def demo(engine) -> demo_data.DemoSummary:
    return _generate(engine)


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows(cluster):
    urls = [cluster.fresh_database() for _ in range(3)]
    engines = [engine_for(url) for url in urls]
    try:
        for engine, seed in zip(engines, (7, 7, 8), strict=True):
            _generate(engine, seed=seed, patients=150)
        first, again, other = ({table: _all(engine, sql) for table, sql in COMPARED.items()} for engine in engines)
    finally:
        for engine, url in zip(engines, urls, strict=True):
            engine.dispose()
            cluster.drop(url)
    assert first == again
    assert len(first["patient_profiles"]) == 150 and len(first["appointments"]) == 450
    for table in COMPARED:
        assert first[table] != other[table], table


def test_the_summary_counts_what_is_in_the_database(engine, demo):
    roles = dict(_all(engine, "SELECT role::text, count(*) FROM users GROUP BY role"))
    assert roles == {"doctor": 6, "receptionist": 2, "patient": 300}
    assert (demo.doctors, demo.receptionists, demo.patients, demo.appointments) == (6, 2, 300, 900)
    assert _one(engine, "SELECT count(*) FROM patient_profiles") == 300
    assert _one(engine, "SELECT count(DISTINCT user_id) FROM patient_profiles p JOIN users u ON u.id = p.user_id"
                        " WHERE u.role = 'patient'") == 300
    assert _one(engine, "SELECT count(*) FROM appointments") == 900
    assert _one(engine, "SELECT count(*) FROM payments") == demo.payments > 0


def test_no_admin_is_created_so_the_first_run_wizard_still_runs(engine, demo):
    assert _one(engine, "SELECT count(*) FROM users WHERE role = 'admin'") == 0
    assert staff_service.needs_first_admin(UnitOfWork(engine))


def test_every_phone_is_an_indian_mobile_as_the_desk_stores_it(engine, demo):
    phones = [p for (p,) in _all(engine, "SELECT phone FROM users UNION ALL"
                                         " SELECT emergency_contact FROM patient_profiles WHERE emergency_contact"
                                         " IS NOT NULL")]
    assert len(phones) > 300
    assert all(validation.indian_mobile(phone) == phone for phone in phones)


def test_names_and_emails_pass_the_desk_validation(engine, demo):
    for name, email, role in _all(engine, "SELECT full_name, email, role::text FROM users"):
        assert validation.full_name(name) == name
        if role == "patient":
            assert email is None or validation.email(email) == email
        else:
            assert email.endswith("@demo.homa") and validation.email(email) == email
    emails = _one(engine, "SELECT count(email) FROM users WHERE role = 'patient'")
    assert 40 < emails < 150  # some patients have an e-mail, most do not


def test_each_first_name_has_one_gender_and_patients_match_it():
    for region in demo_data.REGIONS:
        assert not set(region.male) & set(region.female), region.language
    male = {n for r in demo_data.REGIONS for n in r.male}
    female = {n for r in demo_data.REGIONS for n in r.female}
    assert not male & female
    assert len(male | female) >= 200


def test_patients_gender_follows_the_first_name(engine, demo):
    genders = demo_data.first_name_genders()
    rows = _all(engine, "SELECT u.full_name, p.gender::text FROM users u JOIN patient_profiles p ON p.user_id = u.id")
    assert {gender for _, gender in rows} == {"male", "female"}
    assert all(genders[name.split()[0]] == gender for name, gender in rows)


def test_profiles_have_ages_0_to_90_indian_addresses_allergies_and_histories(engine, demo):
    oldest, youngest = _all(engine, "SELECT min(date_of_birth), max(date_of_birth) FROM patient_profiles")[0]
    assert TODAY - timedelta(days=91 * 365) <= oldest < TODAY - timedelta(days=70 * 365)
    assert TODAY - timedelta(days=5 * 365) < youngest <= TODAY
    addresses = [a for (a,) in _all(engine, "SELECT address FROM patient_profiles")]
    assert all(a[-6:].isdigit() and a[-6] != "0" for a in addresses)  # ends with a PIN code
    assert any("Karnataka" in a for a in addresses) and any("Tamil Nadu" in a for a in addresses)
    allergies = _one(engine, "SELECT count(allergies) FROM patient_profiles")
    histories = _one(engine, "SELECT count(medical_history) FROM patient_profiles")
    assert 20 < allergies < 150 and 30 < histories < 200
    assert _one(engine, "SELECT count(*) FROM patient_profiles WHERE allergies LIKE '%Penicillin%'") > 0


def test_no_doctor_has_two_live_appointments_at_the_same_time(engine, demo):
    overlapping = _one(engine, f"""
        SELECT count(*) FROM appointments a JOIN appointments b
          ON a.doctor_id = b.doctor_id AND a.id < b.id
         AND tstzrange(a.appointment_date, a.appointment_date + interval '15 minutes')
          && tstzrange(b.appointment_date, b.appointment_date + interval '15 minutes')
        WHERE a.status IN {LIVE} AND b.status IN {LIVE}""")
    assert overlapping == 0


def test_appointments_are_on_the_quarter_hour_within_working_hours_in_kolkata(engine, demo):
    outside = _one(engine, """
        SELECT count(*) FROM (SELECT (appointment_date AT TIME ZONE 'Asia/Kolkata')::time AS t FROM appointments) s
        WHERE NOT ((t >= '09:00' AND t <= '12:45') OR (t >= '17:00' AND t <= '19:45'))
           OR extract(minute FROM t)::int % 15 <> 0 OR extract(second FROM t) <> 0""")
    assert outside == 0


def test_appointments_span_half_a_year_back_and_a_month_ahead_with_a_busy_today(engine, demo):
    first, last = _all(engine, "SELECT min((appointment_date AT TIME ZONE 'Asia/Kolkata')::date),"
                               " max((appointment_date AT TIME ZONE 'Asia/Kolkata')::date) FROM appointments")[0]
    assert TODAY - timedelta(days=180) <= first < TODAY - timedelta(days=170)
    assert TODAY + timedelta(days=20) < last <= TODAY + timedelta(days=30)
    by_status = dict(_all(engine, """
        SELECT CASE WHEN d < :today THEN 'past' WHEN d = :today THEN 'today' ELSE 'future' END
               || ':' || status::text, count(*)
        FROM (SELECT (appointment_date AT TIME ZONE 'Asia/Kolkata')::date AS d, status FROM appointments) s
        GROUP BY 1""", today=TODAY))
    assert not {key for key in by_status if key.startswith(("today:", "future:"))} - {
        "today:scheduled", "today:cancelled", "future:scheduled", "future:cancelled"}
    assert "past:scheduled" not in by_status
    assert by_status["past:completed"] > 5 * (by_status.get("past:no_show", 0) + by_status.get("past:cancelled", 0))
    assert by_status["today:scheduled"] >= 40
    offline = _one(engine, "SELECT count(*) FROM appointments WHERE consultation_type = 'offline'")
    assert 0.8 * 900 < offline < 900


def test_each_completed_appointment_is_paid_once_at_its_time_at_the_doctors_fee(engine, demo):
    assert _one(engine, """
        SELECT count(*) FROM appointments a LEFT JOIN payments p ON p.appointment_id = a.id
        WHERE (a.status = 'completed') <> (p.id IS NOT NULL)""") == 0
    assert _one(engine, """
        SELECT count(*) FROM payments p JOIN appointments a ON a.id = p.appointment_id
        WHERE p.patient_id <> a.patient_id OR p.payment_date <> a.appointment_date OR p.status <> 'completed'
           OR p.currency <> 'INR' OR p.amount < 300 OR p.amount > 1500 OR p.doctor_id IS DISTINCT FROM a.doctor_id
        """) == 0
    assert_totals_match_payments(engine)
    assert _one(engine, "SELECT max(n) FROM (SELECT count(DISTINCT p.amount) AS n FROM payments p"
                        " JOIN appointments a ON a.id = p.appointment_id GROUP BY a.doctor_id) s") == 1
    methods = dict(_all(engine, "SELECT payment_method::text, count(*) FROM payments GROUP BY 1"))
    assert set(methods) == {"upi", "cash", "card"} and methods["upi"] > methods["card"]
    for payment_id, method, transaction, upi in _all(
            engine, "SELECT id, payment_method::text, transaction_id, upi_transaction_id FROM payments"):
        if method == "upi":
            assert len(upi) == 12 and upi.isdigit() and transaction == f"DEMO-UPI-{payment_id}"
        else:
            assert upi is None
            assert transaction is None if method == "cash" else transaction.startswith(f"DEMO-CARD-{payment_id}-")
    with Session(engine) as session:
        amount = session.scalars(select(Payment.amount).limit(1)).one()
    assert isinstance(amount, Decimal) and amount == amount.quantize(Decimal("1.00"))


def test_demo_staff_cannot_sign_in_with_any_guessable_password(engine, demo):
    staff = _all(engine, "SELECT email, full_name, password_hash FROM users WHERE role <> 'patient'")
    assert len(staff) == 8 and len({h for _, _, h in staff}) == 8
    for email, name, password_hash in staff:
        assert password_hash.startswith("$2b$")
        local = email.split("@")[0]
        guesses = ["", "password", "Password@123", "demo", "demo1234", "Demo@1234", "homa", "Homa@123", "doctor",
                   "Doctor@123", "12345678", "changeme", STRONG_PASSWORD, email, local, name, name.lower()]
        assert not any(verify_password(guess, password_hash) for guess in guesses)
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(UnitOfWork(engine), staff[0][0], "Demo@1234")


def test_identity_sequences_continue_after_the_copy(engine, demo):
    admin = staff_service.create_first_admin(UnitOfWork(engine), new_staff(Role.ADMIN), "Sunrise Clinic")
    assert admin.id == 309
    with Session(engine) as session:
        patient = User(full_name="Asha Kumari", phone="+919812345678", role="patient")
        session.add(patient)
        session.flush()
        profile = PatientProfile(user_id=patient.id)
        appointment = Appointment(patient_id=patient.id, appointment_date=datetime(2026, 12, 1, 4, 0, tzinfo=UTC))
        session.add_all([profile, appointment])
        session.flush()
        payment = Payment(patient_id=patient.id, appointment_id=appointment.id, amount=Decimal("500.00"))
        session.add(payment)
        session.commit()
        assert (patient.id, profile.id, appointment.id, payment.id) == (310, 301, 901, demo.payments + 1)


def test_a_second_run_appends_with_fresh_ids_and_emails(engine, demo):
    again = _generate(engine, patients=20)
    assert again.patients == 20 and again.appointments == 60
    assert _one(engine, "SELECT count(*) FROM users WHERE role = 'patient'") == 320
    assert _one(engine, "SELECT count(*) FROM users WHERE email LIKE 'dr.%2@demo.homa'") == 6
    staff_service.create_first_admin(UnitOfWork(engine), new_staff(Role.ADMIN), "Sunrise Clinic")


def test_numbers_that_do_not_fit_are_refused_before_touching_the_database(engine):
    with pytest.raises(ValueError, match="use at least 2 doctors"):
        _generate(engine, doctors=1, appointments=demo_data.SLOTS_PER_DAY * demo_data.DAYS + 1)
    with pytest.raises(ValueError, match="need patients"):
        _generate(engine, patients=0, appointments=10)
    assert _one(engine, "SELECT count(*) FROM users") == 0


def test_the_generator_picks_enough_doctors_for_many_appointments():
    assert demo_data.minimum_doctors(5_000_000) * demo_data.SLOTS_PER_DAY * demo_data.DAYS * 0.8 >= 5_000_000
    plan = demo_data._plan(seed=1, patients=10_000, doctors=None, receptionists=1, appointments=None,
                           payments=True, today=TODAY)
    assert plan.appointments == 30_000 and plan.doctors == demo_data.minimum_doctors(30_000)


@pytest.mark.parametrize("total", [0, 1, 17, 900, 35_000, 6 * demo_data.SLOTS_PER_DAY * demo_data.DAYS])
def test_appointments_per_day_add_up_and_never_overbook(total):
    capacity = 6 * demo_data.SLOTS_PER_DAY
    counts = demo_data._per_day(total, TODAY, capacity)
    assert sum(counts) == total and max(counts) <= capacity and len(counts) == demo_data.DAYS


def test_a_bulk_load_puts_the_foreign_keys_back_exactly_and_they_hold(owner_engine, monkeypatch):
    """A bulk load alters the tables: it runs as their owner (the benchmarks' loads do)."""
    engine = owner_engine
    before = _all(engine, FOREIGN_KEYS)
    assert len(before) >= 5
    monkeypatch.setattr(demo_data, "BULK_ROWS", 0)
    summary = _generate(engine, patients=200)
    assert summary.seconds["foreign_keys"] >= 0
    assert _all(engine, FOREIGN_KEYS) == before
    with pytest.raises(IntegrityError, match="appointments_patient_id_fkey"), engine.begin() as conn:
        conn.execute(text("INSERT INTO appointments (patient_id, appointment_date) VALUES (999999, now())"))
    assert _one(engine, "SELECT count(*) FROM appointments a LEFT JOIN users u ON u.id = a.patient_id"
                        " WHERE u.id IS NULL") == 0
    assert _one(engine, "SELECT count(*) FROM payments p JOIN appointments a ON a.id = p.appointment_id"
                        " WHERE p.doctor_id IS DISTINCT FROM a.doctor_id") == 0  # written, not looked up
    assert_totals_match_payments(engine)
    assert _one(engine, "SELECT tgenabled FROM pg_trigger WHERE tgname = 'payments_doctor'") == "O"


def test_a_failed_bulk_load_leaves_neither_rows_nor_missing_foreign_keys(owner_engine, monkeypatch):
    engine = owner_engine
    before = _all(engine, FOREIGN_KEYS)
    real_rows = demo_data._patient_rows

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        for n, row in enumerate(real_rows(*args, **kwargs)):
            if n == 120:
                raise RuntimeError("out of memory")
            yield row

    monkeypatch.setattr(demo_data, "BULK_ROWS", 0)
    monkeypatch.setattr(demo_data, "_patient_rows", failing)
    with pytest.raises(RuntimeError, match="out of memory"):
        _generate(engine, patients=200)
    assert _all(engine, FOREIGN_KEYS) == before
    assert _one(engine, "SELECT count(*) FROM users") == 0


@pytest.mark.slow
def test_twenty_thousand_patients_load_cleanly(engine):
    """Its speed is measured by bench/generate_demo.py, not asserted here (a loaded CI machine is no stopwatch)."""
    summary = _generate(engine, patients=20_000, doctors=20)
    assert (summary.patients, summary.appointments) == (20_000, 60_000)
    with Session(engine) as session:
        counted = [session.scalar(select(func.count()).select_from(model))
                   for model in (User, PatientProfile, Appointment, Payment)]
    assert counted == [20_022, 20_000, 60_000, summary.payments]
    assert _one(engine, f"SELECT count(*) FROM (SELECT 1 FROM appointments WHERE status IN {LIVE}"
                        " GROUP BY doctor_id, appointment_date HAVING count(*) > 1) s") == 0
    assert _one(engine, "SELECT count(DISTINCT patient_id) FROM appointments") > 15_000
