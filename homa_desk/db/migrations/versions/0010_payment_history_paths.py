"""Payment history at millions of payments: the doctor next to the date, the patient next to the date, and
per-day totals kept by the database.

- `payments.doctor_id`: the bill's doctor, else the appointment's doctor, always derived by a trigger (also when
  a bill's or an appointment's doctor changes), so "a doctor's payments this month" is one range of
  `ix_payments_doctor_date` instead of a walk through every payment of the month.
- `ix_payments_patient_date` replaces `ix_payments_patient_id`: a patient's payments in date order, so the
  patients a name fragment matches are read patient by patient, newest first; it carries method, status and
  amounts, so their totals come from the index alone.
- `payment_day_totals` (clinic day, method, status, refunded or not) and `payment_doctor_day_totals` (the same
  per doctor), kept by statement-level triggers with transition tables (one aggregate per statement, so a bulk
  COPY costs one GROUP BY, not a trigger call per row): totals of any date range, method, status and doctor add up
  at most a few rows per day instead of every payment.
- `ix_payments_refunded` and `ix_payments_failed`: the two rare statuses, so filtering by them never walks all.
- `ix_payments_appointment`: payments of an appointment (the doctor follows it; deleting an appointment no
  longer scans payments for its foreign key).
- `ix_payments_date` goes: `ix_payments_date_id` (payment_date, id) serves everything it did.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# one row of a transition table -> the totals row it counts in (days are clinic days, Asia/Kolkata)
_KEYED = """
    SELECT (payment_date AT TIME ZONE 'Asia/Kolkata')::date AS day, payment_method, status,
           refunded_amount > 0 AS refunded, doctor_id, sign, sign * amount AS amount,
           sign * refunded_amount AS refunded_amount
    FROM ({delta}) delta WHERE payment_date IS NOT NULL
"""
_COLUMNS = "payment_date, payment_method, status, amount, refunded_amount, doctor_id"
_CHANGED = (f"JOIN old_rows o ON o.id = n.id WHERE (o.{', o.'.join(_COLUMNS.split(', '))})"
            f" IS DISTINCT FROM (n.{', n.'.join(_COLUMNS.split(', '))})")
_DELTAS = {
    "insert": f"SELECT {_COLUMNS}, 1 AS sign FROM new_rows",
    "delete": f"SELECT {_COLUMNS}, -1 AS sign FROM old_rows",
    "update": (f"SELECT n.{', n.'.join(_COLUMNS.split(', '))}, 1 AS sign FROM new_rows n {_CHANGED}"
               f" UNION ALL SELECT o.{', o.'.join(_COLUMNS.split(', '))}, -1 FROM new_rows n {_CHANGED}"),
}
# keys in order, so two desks' statements lock shared rows (today, UPI) in the same order
_APPLY = """
    WITH keyed AS ({keyed}),
    days AS (
        INSERT INTO payment_day_totals AS t (day, payment_method, status, refunded, payments, amount,
                                             refunded_amount)
        SELECT day, payment_method, status, refunded, sum(sign), sum(amount), sum(refunded_amount)
        FROM keyed GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (day, payment_method, status, refunded) DO UPDATE
            SET payments = t.payments + EXCLUDED.payments, amount = t.amount + EXCLUDED.amount,
                refunded_amount = t.refunded_amount + EXCLUDED.refunded_amount
    )
    INSERT INTO payment_doctor_day_totals AS t (doctor_id, day, payment_method, status, refunded, payments, amount,
                                                refunded_amount)
    SELECT doctor_id, day, payment_method, status, refunded, sum(sign), sum(amount), sum(refunded_amount)
    FROM keyed WHERE doctor_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (doctor_id, day, payment_method, status, refunded) DO UPDATE
        SET payments = t.payments + EXCLUDED.payments, amount = t.amount + EXCLUDED.amount,
            refunded_amount = t.refunded_amount + EXCLUDED.refunded_amount
"""


def _totals_function(op_name: str) -> str:
    body = _APPLY.format(keyed=_KEYED.format(delta=_DELTAS[op_name]))
    return (f"CREATE FUNCTION homa_payment_totals_{op_name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body};\n    RETURN NULL;\nEND $$;\n")


_TRIGGERS = """
CREATE TRIGGER payments_totals_insert AFTER INSERT ON payments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION homa_payment_totals_insert();
CREATE TRIGGER payments_totals_update AFTER UPDATE ON payments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION homa_payment_totals_update();
CREATE TRIGGER payments_totals_delete AFTER DELETE ON payments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION homa_payment_totals_delete();
CREATE TRIGGER payments_totals_truncate AFTER TRUNCATE ON payments
    FOR EACH STATEMENT EXECUTE FUNCTION homa_payment_totals_truncate();
"""

UPGRADE = """
ALTER TABLE payments ADD COLUMN doctor_id integer;
UPDATE payments p SET doctor_id = d.doctor_id
FROM (SELECT p.id, coalesce(b.doctor_id, a.doctor_id) AS doctor_id FROM payments p
      LEFT JOIN bills b ON b.id = p.bill_id LEFT JOIN appointments a ON a.id = p.appointment_id) d
WHERE d.id = p.id AND d.doctor_id IS NOT NULL;

DROP INDEX ix_payments_date;
DROP INDEX ix_payments_patient_id;
CREATE INDEX ix_payments_patient_date ON payments (patient_id, payment_date, id)
    INCLUDE (payment_method, status, amount, refunded_amount);
CREATE INDEX ix_payments_doctor_date ON payments (doctor_id, payment_date, id);
CREATE INDEX ix_payments_appointment ON payments (appointment_id) WHERE appointment_id IS NOT NULL;
CREATE INDEX ix_payments_refunded ON payments (payment_date, id) WHERE refunded_amount > 0;
CREATE INDEX ix_payments_failed ON payments (payment_date, id) WHERE status = 'failed';

-- The doctor is derived, never trusted from the writer: a loader that disables this trigger must write it.
CREATE FUNCTION homa_payment_doctor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.doctor_id := coalesce((SELECT doctor_id FROM bills WHERE id = NEW.bill_id),
                              (SELECT doctor_id FROM appointments WHERE id = NEW.appointment_id));
    RETURN NEW;
END $$;
CREATE TRIGGER payments_doctor BEFORE INSERT OR UPDATE OF bill_id, appointment_id, doctor_id ON payments
    FOR EACH ROW EXECUTE FUNCTION homa_payment_doctor();

-- A bill's or appointment's new doctor: touching doctor_id makes payments_doctor derive it again.
CREATE FUNCTION homa_payments_follow_doctor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'bills' THEN
        UPDATE payments SET doctor_id = doctor_id WHERE bill_id = NEW.id;
    ELSE
        UPDATE payments SET doctor_id = doctor_id WHERE appointment_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER bills_payments_doctor AFTER UPDATE OF doctor_id ON bills
    FOR EACH ROW WHEN (OLD.doctor_id IS DISTINCT FROM NEW.doctor_id)
    EXECUTE FUNCTION homa_payments_follow_doctor();
CREATE TRIGGER appointments_payments_doctor AFTER UPDATE OF doctor_id ON appointments
    FOR EACH ROW WHEN (OLD.doctor_id IS DISTINCT FROM NEW.doctor_id)
    EXECUTE FUNCTION homa_payments_follow_doctor();

CREATE TABLE payment_day_totals (
    day date NOT NULL,
    payment_method payment_method NOT NULL,
    status payment_status NOT NULL,
    refunded boolean NOT NULL,
    payments bigint NOT NULL,
    amount numeric(16, 2) NOT NULL,
    refunded_amount numeric(16, 2) NOT NULL,
    PRIMARY KEY (day, payment_method, status, refunded)
);
CREATE TABLE payment_doctor_day_totals (
    doctor_id integer NOT NULL,
    day date NOT NULL,
    payment_method payment_method NOT NULL,
    status payment_status NOT NULL,
    refunded boolean NOT NULL,
    payments bigint NOT NULL,
    amount numeric(16, 2) NOT NULL,
    refunded_amount numeric(16, 2) NOT NULL,
    PRIMARY KEY (doctor_id, day, payment_method, status, refunded)
);

-- Recount both totals tables from payments (the migration, and loaders that bypass triggers, call it).
CREATE FUNCTION homa_payment_totals_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM payment_day_totals;
    DELETE FROM payment_doctor_day_totals;
    INSERT INTO payment_day_totals
    SELECT (payment_date AT TIME ZONE 'Asia/Kolkata')::date, payment_method, status, refunded_amount > 0,
           count(*), sum(amount), sum(refunded_amount)
    FROM payments WHERE payment_date IS NOT NULL GROUP BY 1, 2, 3, 4;
    INSERT INTO payment_doctor_day_totals
    SELECT doctor_id, (payment_date AT TIME ZONE 'Asia/Kolkata')::date, payment_method, status,
           refunded_amount > 0, count(*), sum(amount), sum(refunded_amount)
    FROM payments WHERE payment_date IS NOT NULL AND doctor_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5;
END $$;
SELECT homa_payment_totals_rebuild();

CREATE FUNCTION homa_payment_totals_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE payment_day_totals, payment_doctor_day_totals;
    RETURN NULL;
END $$;
""" + "".join(_totals_function(name) for name in _DELTAS) + _TRIGGERS

DOWNGRADE = """
DROP TRIGGER payments_totals_truncate ON payments;
DROP TRIGGER payments_totals_delete ON payments;
DROP TRIGGER payments_totals_update ON payments;
DROP TRIGGER payments_totals_insert ON payments;
DROP FUNCTION homa_payment_totals_insert();
DROP FUNCTION homa_payment_totals_update();
DROP FUNCTION homa_payment_totals_delete();
DROP FUNCTION homa_payment_totals_truncate();
DROP FUNCTION homa_payment_totals_rebuild();
DROP TABLE payment_doctor_day_totals;
DROP TABLE payment_day_totals;
DROP TRIGGER appointments_payments_doctor ON appointments;
DROP TRIGGER bills_payments_doctor ON bills;
DROP FUNCTION homa_payments_follow_doctor();
DROP TRIGGER payments_doctor ON payments;
DROP FUNCTION homa_payment_doctor();
DROP INDEX ix_payments_failed;
DROP INDEX ix_payments_refunded;
DROP INDEX ix_payments_appointment;
DROP INDEX ix_payments_doctor_date;
DROP INDEX ix_payments_patient_date;
CREATE INDEX ix_payments_patient_id ON payments (patient_id);
CREATE INDEX ix_payments_date ON payments (payment_date);
ALTER TABLE payments DROP COLUMN doctor_id;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
