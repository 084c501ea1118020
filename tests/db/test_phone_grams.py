"""Phone fragments of 4+ digits go through the index of the phones' 4- and 5-digit pieces (schema 0012): the same
patients, in the same order and pages, as a plain LIKE over every phone, and the plan uses that index."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from homa_desk.domain.patients import page_key
from homa_desk.services import patients


def test_the_pieces_of_a_phone(engine):
    with engine.connect() as conn:
        pieces = conn.execute(text("SELECT homa_digit_grams('+91 98765-43210'), homa_digit_grams('88888'),"
                                   " homa_digit_grams('123'), homa_digit_grams('01234')")).one()
    assert sorted(pieces[0]) == sorted([109198, 101987, 109876, 108765, 107654, 106543, 105432, 104321, 103210,
                                        91987, 19876, 98765, 87654, 76543, 65432, 54321, 43210])
    assert sorted(pieces[1]) == [88888, 108888, 108888] and pieces[2] == [] and sorted(pieces[3]) == [1234, 100123,
                                                                                                      101234]


@pytest.fixture
def phones(engine):
    """230 patients whose phones share runs of repeated digits, names out of phone order, and one whose patient
    number is also a phone fragment."""
    with engine.begin() as conn:
        conn.execute(text("""
            WITH u AS (INSERT INTO users (full_name, phone, role)
                       SELECT (ARRAY['Ravi Kumar', 'Anil Kumar', 'Kumari Devi', 'Zoya Khan'])[1 + g % 4],
                              CASE g % 3 WHEN 0 THEN '+91 98888 8' || lpad(g::text, 4, '0')
                                         WHEN 1 THEN '9' || lpad(g::text, 3, '0') || '888881'
                                         ELSE '70120' || lpad(g::text, 5, '0') END,
                              'patient' FROM generate_series(1, 230) g RETURNING id)
            INSERT INTO patient_profiles (user_id) SELECT id FROM u"""))
        number = conn.execute(text("SELECT max(patient_number) FROM patient_profiles")).scalar_one()
    return number


@pytest.mark.parametrize("query", ["88888", "8888", "888", "7012", "70120001", "98 888", "0001", "9999999"])
def test_fragments_find_what_like_finds_in_name_order_and_pages(engine, uow, receptionist, phones, query):
    digits = query.replace(" ", "")
    seen, after = [], None
    while True:
        page = patients.search_patients(uow, receptionist, query, after=after, limit=50)
        seen.extend(page)
        if len(page) < 50:
            break
        after = page_key(page[-1])
    with engine.connect() as conn:
        expected = conn.execute(text("""
            SELECT u.id FROM users u JOIN patient_profiles p ON p.user_id = u.id
            WHERE u.role = 'patient' AND (u.phone LIKE :like OR p.patient_number::text = :digits)
            ORDER BY lower(u.full_name), u.id"""), {"like": f"%{digits}%", "digits": digits}).scalars().all()
    assert [p.user_id for p in seen] == expected
    assert expected or query == "9999999"


def test_a_patient_number_is_found_with_the_phones(uow, receptionist, phones):
    found = patients.search_patients(uow, receptionist, str(phones))
    assert phones in [p.patient_number for p in found]


def test_the_plan_uses_the_pieces_index(engine, owner_engine, uow, phones):
    with owner_engine.begin() as conn:  # the desk's own role may not ANALYZE (autovacuum does it)
        conn.execute(text("ANALYZE users"))
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # a few hundred rows: make the index the only way
        plan = "\n".join(conn.execute(text(
            "EXPLAIN SELECT id FROM users u WHERE u.role = 'patient'"
            " AND homa_digit_grams(u.phone) @> homa_digit_grams(CAST(:d AS text)) AND (u.phone || '') LIKE :p"),
            {"d": "88888", "p": "%88888%"}).scalars())
    assert "ix_users_patient_phone_grams" in plan
