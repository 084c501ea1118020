"""Phone fragments of four digits or more found through their 4- and 5-digit pieces instead of trigrams.

A trigram index is weak for phone numbers: ten digits have only a thousand trigrams, and a fragment with repeated
digits ("88888") has a single one, which 8,700 of 1,000,000 phones contain, so the search rechecked 8,700 rows
spread over half the `users` table to find 58 (10–50 ms, more when other work had pushed those pages out of the
cache). `homa_digit_grams(phone)` lists every 4-digit piece (as 100000 + n) and 5-digit piece (as n) of the
phone's digits; a fragment's own pieces must all be among them, which leaves about as many rows as match.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION homa_digit_grams(phone text) RETURNS integer[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(CASE w.n WHEN 4 THEN 100000 + substr(s.d, i, 4)::integer
                                       ELSE substr(s.d, i, 5)::integer END), '{}')
    FROM (SELECT regexp_replace(phone, '[^0-9]', '', 'g') AS d) s, (VALUES (4), (5)) w (n),
         generate_series(1, length(s.d) - w.n + 1) i
$$;
CREATE INDEX ix_users_patient_phone_grams ON users USING gin (homa_digit_grams(phone)) WHERE role = 'patient';
"""

DOWNGRADE = r"""
DROP INDEX ix_users_patient_phone_grams;
DROP FUNCTION homa_digit_grams(text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
