"""A narrow search table for patient names: the trigram index's matches are rechecked in a table of
(user_id, lowercased name) rows, 2.5x fewer pages than `users` and no lower() per row.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE patient_search (
    user_id integer PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    name_key text NOT NULL
);
INSERT INTO patient_search (user_id, name_key) SELECT id, lower(full_name) FROM users WHERE role = 'patient';
CREATE INDEX ix_patient_search_name_trgm ON patient_search USING gin (name_key gin_trgm_ops);
DROP INDEX ix_users_patient_name_trgm;

-- kept by the database, so a web backend writing `users` keeps the desk's search right too
CREATE FUNCTION homa_patient_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.role = 'patient' THEN
        INSERT INTO patient_search (user_id, name_key) VALUES (NEW.id, lower(NEW.full_name))
            ON CONFLICT (user_id) DO UPDATE SET name_key = EXCLUDED.name_key;
    ELSIF TG_OP = 'UPDATE' THEN
        DELETE FROM patient_search WHERE user_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER users_patient_search AFTER INSERT OR UPDATE OF full_name, role ON users
    FOR EACH ROW EXECUTE FUNCTION homa_patient_search_sync();
"""

DOWNGRADE = r"""
DROP TRIGGER users_patient_search ON users;
DROP FUNCTION homa_patient_search_sync();
CREATE INDEX ix_users_patient_name_trgm ON users USING gin (lower(full_name) gin_trgm_ops) WHERE role = 'patient';
DROP TABLE patient_search;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
