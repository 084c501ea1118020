"""The queue follows the appointment: a visit that is cancelled, marked no-show, or moved to another day or doctor
leaves that day's queue, and nothing can wait in a queue its appointment is not on.

- `appointments_queue_follows` (after an appointment's status, time or doctor changes) deletes its queue entry
  when the entry no longer belongs: the appointment is cancelled or a no-show, or its clinic day (Asia/Kolkata) or
  doctor is not the entry's. An entry the doctor has called in (in consultation or done) is never deleted: the
  change is refused instead, since that patient has been seen (the desk marks the visit completed).
  A move within the same day keeps the patient's place.
- `queue_entries_follow_appointment` (before an entry is added, or set waiting or in consultation) refuses an entry
  whose appointment is not scheduled with that doctor on that day. It takes a share lock on the appointment, so a
  cancel or move at another desk either waits for it or goes first and is seen.
- Entries left behind by earlier versions (waiting or left, of a cancelled, no-show or moved appointment) are
  deleted, so those visits can check in on their new day.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

UPGRADE = r"""
DELETE FROM queue_entries q USING appointments a
WHERE a.id = q.appointment_id AND q.state IN ('waiting', 'left')
  AND (a.status IN ('cancelled', 'no_show') OR q.doctor_id IS DISTINCT FROM a.doctor_id
       OR q.day <> (a.appointment_date AT TIME ZONE 'Asia/Kolkata')::date);

CREATE FUNCTION appointments_queue_follows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    gone queue_state;
BEGIN
    DELETE FROM queue_entries q
    WHERE q.appointment_id = NEW.id
      AND (NEW.status IN ('cancelled', 'no_show') OR q.doctor_id IS DISTINCT FROM NEW.doctor_id
           OR q.day <> (NEW.appointment_date AT TIME ZONE 'Asia/Kolkata')::date)
    RETURNING q.state INTO gone;
    IF gone IN ('in_consultation', 'done') THEN
        RAISE EXCEPTION 'appointment % has been called in to the doctor: it stays in the queue', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'queue_entries_follow_appointment';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER appointments_queue_follows
    AFTER UPDATE OF status, appointment_date, doctor_id ON appointments
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                       OR OLD.appointment_date IS DISTINCT FROM NEW.appointment_date
                       OR OLD.doctor_id IS DISTINCT FROM NEW.doctor_id)
    EXECUTE FUNCTION appointments_queue_follows();

CREATE FUNCTION queue_entries_follow_appointment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM appointments a
    WHERE a.id = NEW.appointment_id AND a.status = 'scheduled' AND a.doctor_id = NEW.doctor_id
      AND (a.appointment_date AT TIME ZONE 'Asia/Kolkata')::date = NEW.day
    FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'appointment % is not scheduled with doctor % on %: it cannot wait in that queue',
                        NEW.appointment_id, NEW.doctor_id, NEW.day
            USING ERRCODE = 'check_violation', CONSTRAINT = 'queue_entries_follow_appointment';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER queue_entries_follow_appointment
    BEFORE INSERT OR UPDATE OF state, appointment_id, doctor_id, day ON queue_entries
    FOR EACH ROW WHEN (NEW.state IN ('waiting', 'in_consultation'))
    EXECUTE FUNCTION queue_entries_follow_appointment();
"""

DOWNGRADE = r"""
DROP TRIGGER queue_entries_follow_appointment ON queue_entries;
DROP FUNCTION queue_entries_follow_appointment();
DROP TRIGGER appointments_queue_follows ON appointments;
DROP FUNCTION appointments_queue_follows();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
