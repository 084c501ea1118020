"""Privacy and access rules that live in PostgreSQL (issue 13, points 7, 8, 9 and 12).

- `homa_actor_may(user, role, allowed)`: true while the account is active in `role` and `role` is allowed, else it
  raises SQLSTATE 42501 ("homa: account disabled" / "homa: role changed"). A reading unit of work folds it into its
  first SELECT as a one-time filter, so a forged or disabled actor reads nothing, without an extra round trip.
- The clinic keeps an active admin: disabling, demoting or deleting the last active admin is refused, serialised by
  an advisory lock so two admins disabling each other at the same moment cannot both succeed.
- `clinic_admin_history` remembers that the clinic has had an admin (filled by a trigger), so the first-admin path
  works only while it never had one.
- `sign_in_failures`: failed sign-ins per e-mail, known or not (the lock of every sign-in; users.locked_until mirrors
  it for the staff list), keyed by a SHA-256 of the normalised e-mail, so an unknown e-mail locks like a known one.
- `consultations.symptoms`: the doctor's clinical symptoms. `appointments.symptoms` keeps the reason for the visit
  typed at booking (the desk and a web backend's booking form write it); the doctor's copies written there so far
  move to the consultation.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

KEEP_ADMIN_LOCK = 7316003


def upgrade() -> None:
    op.execute("""
        CREATE FUNCTION homa_actor_may(p_user integer, p_role text, p_allowed text[]) RETURNS boolean
        LANGUAGE plpgsql STABLE AS $$
        DECLARE
            found_active boolean;
            found_role text;
        BEGIN
            SELECT is_active, role::text INTO found_active, found_role FROM users WHERE id = p_user;
            IF found_active IS NOT TRUE THEN
                RAISE EXCEPTION 'homa: account disabled' USING ERRCODE = '42501';
            END IF;
            IF found_role <> p_role OR NOT (found_role = ANY (p_allowed)) THEN
                RAISE EXCEPTION 'homa: role changed' USING ERRCODE = '42501';
            END IF;
            RETURN true;
        END $$""")

    op.execute(f"""
        CREATE FUNCTION homa_keep_an_active_admin() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND NEW.role = 'admin' AND NEW.is_active THEN
                RETURN NULL;
            END IF;
            PERFORM pg_advisory_xact_lock({KEEP_ADMIN_LOCK});
            IF NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND is_active) THEN
                RAISE EXCEPTION 'the clinic must keep at least one active admin'
                    USING ERRCODE = '23514', CONSTRAINT = 'users_keep_an_active_admin';
            END IF;
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER users_keep_an_active_admin AFTER UPDATE OF is_active, role OR DELETE ON users
        FOR EACH ROW WHEN (OLD.role = 'admin' AND OLD.is_active) EXECUTE FUNCTION homa_keep_an_active_admin()""")

    op.execute("""
        CREATE TABLE clinic_admin_history (
            only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            first_admin_id integer NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute("INSERT INTO clinic_admin_history (first_admin_id)"
               " SELECT min(id) FROM users WHERE role = 'admin' HAVING count(*) > 0")
    op.execute("""
        CREATE FUNCTION homa_remember_admin() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO clinic_admin_history (first_admin_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER users_remember_admin AFTER INSERT OR UPDATE OF role ON users
        FOR EACH ROW WHEN (NEW.role = 'admin') EXECUTE FUNCTION homa_remember_admin()""")

    op.execute("""
        CREATE TABLE sign_in_failures (
            email_key varchar(255) PRIMARY KEY,
            failed_count integer NOT NULL DEFAULT 0 CHECK (failed_count >= 0),
            locked_until timestamptz,
            last_failed_at timestamptz NOT NULL DEFAULT now()
        )""")

    op.execute("ALTER TABLE consultations ADD COLUMN symptoms text")
    op.execute("UPDATE consultations c SET symptoms = a.symptoms FROM appointments a WHERE a.id = c.appointment_id")
    op.execute("UPDATE appointments a SET symptoms = NULL"
               " WHERE EXISTS (SELECT 1 FROM consultations c WHERE c.appointment_id = a.id)")


def downgrade() -> None:
    op.execute("UPDATE appointments a SET symptoms = c.symptoms FROM consultations c"
               " WHERE c.appointment_id = a.id AND c.symptoms IS NOT NULL")
    op.execute("ALTER TABLE consultations DROP COLUMN symptoms")
    op.execute("DROP TABLE sign_in_failures")
    op.execute("DROP TRIGGER users_remember_admin ON users")
    op.execute("DROP FUNCTION homa_remember_admin()")
    op.execute("DROP TABLE clinic_admin_history")
    op.execute("DROP TRIGGER users_keep_an_active_admin ON users")
    op.execute("DROP FUNCTION homa_keep_an_active_admin()")
    op.execute("DROP FUNCTION homa_actor_may(integer, text, text[])")
