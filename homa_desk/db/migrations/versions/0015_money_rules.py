"""Money rules that hold whatever code writes the rows (issue 13, points 1, 2 and 4):

- a bill is never paid beyond its total: completed payments minus refunds <= bills.total, checked at commit by a
  deferred constraint trigger that locks the bill row first, so two desks paying the same bill at once (READ
  COMMITTED) are checked one after the other;
- one UPI reference (UTR/RRN) settles one payment, whichever service or method stored it: a unique index over the
  normalised reference (homa_settlement_reference); gateway payment ids were unique already (0004);
- a bill's visit belongs to the bill's patient, its patient is a patient and its doctor an active doctor.

Existing rows that already break a rule are not rewritten silently: a second payment with the same reference gets
" (duplicate of payment N)" added to its reference and an audit entry; an overpaid bill stays as it is (the check
runs on changes) and is listed in the audit log for an admin.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- One reference, one payment --------------------------------------------------------------------------------------
-- The key of a reference that settles money: letters and digits only, upper case. Every UPI reference has one; a
-- reference typed under another method has one when it reads like a bank reference (12 or more letters and
-- digits, at least 10 of them digits: an RRN, an IMPS or NEFT UTR), so a UTR typed as "card" still collides while
-- "HDFC terminal" or "slip 42" do not.
CREATE FUNCTION homa_settlement_reference(method payment_method, reference text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN method = 'upi' THEN nullif(upper(regexp_replace(reference, '[^0-9A-Za-z]', '', 'g')), '')
                WHEN length(regexp_replace(reference, '[^0-9]', '', 'g')) >= 10
                     AND length(regexp_replace(reference, '[^0-9A-Za-z]', '', 'g')) >= 12
                THEN upper(regexp_replace(reference, '[^0-9A-Za-z]', '', 'g')) END
$$;

WITH keyed AS (
    SELECT id, upi_transaction_id AS reference,
           first_value(id) OVER (PARTITION BY homa_settlement_reference(payment_method, upi_transaction_id)
                                 ORDER BY id) AS first_id
    FROM payments WHERE homa_settlement_reference(payment_method, upi_transaction_id) IS NOT NULL
), renamed AS (
    UPDATE payments p SET upi_transaction_id = left(k.reference, 200) || ' (duplicate of payment ' || k.first_id || ')'
    FROM keyed k WHERE p.id = k.id AND k.id <> k.first_id
    RETURNING p.id, k.reference, p.upi_transaction_id
)
INSERT INTO audit_log (action, entity, entity_id, before, after)
SELECT 'payment_reference_duplicate', 'payment', id::text, jsonb_build_object('reference', reference),
       jsonb_build_object('reference', upi_transaction_id)
FROM renamed;

-- references without a key are NULL, which a unique index lets repeat; cash without a reference is left out
CREATE UNIQUE INDEX ux_payments_settlement_reference
    ON payments (homa_settlement_reference(payment_method, upi_transaction_id))
    WHERE upi_transaction_id IS NOT NULL;

-- Never paid beyond the total ---------------------------------------------------------------------------------------
CREATE FUNCTION homa_bill_not_overpaid() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bill integer;
    bill_total numeric;
    paid numeric;
BEGIN
    IF TG_TABLE_NAME = 'bills' THEN
        bill := NEW.id;
    ELSE
        bill := NEW.bill_id;
    END IF;
    -- the lock makes a second desk's check wait for the first one's commit, then see its payment
    SELECT total INTO bill_total FROM bills WHERE id = bill FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT coalesce(sum(amount - refunded_amount), 0) INTO paid FROM payments
    WHERE bill_id = bill AND status IN ('completed', 'refunded');
    IF paid > bill_total THEN
        RAISE EXCEPTION 'bills_not_overpaid: bill % would be paid % of its total %', bill, paid, bill_total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bills_not_overpaid';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER payments_within_bill_total
    AFTER INSERT OR UPDATE OF bill_id, amount, refunded_amount, status ON payments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.bill_id IS NOT NULL)
    EXECUTE FUNCTION homa_bill_not_overpaid();
CREATE CONSTRAINT TRIGGER bills_total_covers_payments AFTER UPDATE OF total ON bills
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION homa_bill_not_overpaid();

INSERT INTO audit_log (action, entity, entity_id, after)
SELECT 'bill_found_overpaid', 'bill', b.id::text, jsonb_build_object('total', b.total, 'net_paid', p.paid)
FROM bills b JOIN (SELECT bill_id, sum(amount - refunded_amount) AS paid FROM payments
                   WHERE status IN ('completed', 'refunded') AND bill_id IS NOT NULL GROUP BY bill_id) p
     ON p.bill_id = b.id
WHERE p.paid > b.total;

-- A bill links what belongs together -----------------------------------------------------------------------------
CREATE FUNCTION homa_bill_links() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.patient_id AND role = 'patient') THEN
        RAISE EXCEPTION 'bills_patient_is_patient: % is not a patient', NEW.patient_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bills_patient_is_patient';
    END IF;
    IF NEW.appointment_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM appointments WHERE id = NEW.appointment_id AND patient_id = NEW.patient_id) THEN
        RAISE EXCEPTION 'bills_visit_of_patient: appointment % is not a visit of patient %',
            NEW.appointment_id, NEW.patient_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bills_visit_of_patient';
    END IF;
    IF NEW.doctor_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM users WHERE id = NEW.doctor_id AND role = 'doctor' AND is_active) THEN
        RAISE EXCEPTION 'bills_doctor_active: % is not an active doctor', NEW.doctor_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bills_doctor_active';
    END IF;
    RETURN NEW;
END $$;
-- a disabled doctor keeps the bills made while active: only a new link is checked
CREATE TRIGGER bills_links BEFORE INSERT ON bills FOR EACH ROW EXECUTE FUNCTION homa_bill_links();
CREATE TRIGGER bills_links_changed BEFORE UPDATE OF patient_id, appointment_id, doctor_id ON bills
    FOR EACH ROW WHEN (NEW.patient_id IS DISTINCT FROM OLD.patient_id
                       OR NEW.appointment_id IS DISTINCT FROM OLD.appointment_id
                       OR NEW.doctor_id IS DISTINCT FROM OLD.doctor_id)
    EXECUTE FUNCTION homa_bill_links();
"""

DOWNGRADE = r"""
DROP TRIGGER bills_links_changed ON bills;
DROP TRIGGER bills_links ON bills;
DROP FUNCTION homa_bill_links();
DROP TRIGGER bills_total_covers_payments ON bills;
DROP TRIGGER payments_within_bill_total ON payments;
DROP FUNCTION homa_bill_not_overpaid();
DROP INDEX ux_payments_settlement_reference;
DROP FUNCTION homa_settlement_reference(payment_method, text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
