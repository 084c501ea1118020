"""Money held for review can be resolved, and the rules around it live in the database:

- `refunds.reference`: the gateway refund id or the bank reference of the refund, unique when given, so one refund
  made outside the desk is recorded once.
- A bill with money held for review (a pending payment with a review reason) cannot be cancelled: the trigger
  `bills_no_cancel_while_held` refuses status → cancelled while such a payment is on the bill.
- A payment's bill is a bill of the payment's patient (`payments_bill_same_patient`), so held money moved to
  another bill can only go to the same patient's.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE refunds ADD COLUMN reference varchar(64);
CREATE UNIQUE INDEX ux_refunds_reference ON refunds (reference) WHERE reference IS NOT NULL;

CREATE FUNCTION homa_bill_cancel_while_held() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM payments WHERE bill_id = NEW.id AND status = 'pending'
               AND review_reason IS NOT NULL) THEN
        RAISE EXCEPTION 'bills_no_cancel_while_held: bill % has money held for review; resolve it first',
            NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bills_no_cancel_while_held';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER bills_no_cancel_while_held BEFORE UPDATE OF status ON bills
    FOR EACH ROW WHEN (NEW.status = 'cancelled' AND OLD.status IS DISTINCT FROM 'cancelled')
    EXECUTE FUNCTION homa_bill_cancel_while_held();

CREATE FUNCTION homa_payment_bill_same_patient() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM bills WHERE id = NEW.bill_id AND patient_id = NEW.patient_id) THEN
        RAISE EXCEPTION 'payments_bill_same_patient: payment % belongs to another patient than bill %',
            NEW.id, NEW.bill_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'payments_bill_same_patient';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER payments_bill_same_patient BEFORE INSERT OR UPDATE OF bill_id, patient_id ON payments
    FOR EACH ROW WHEN (NEW.bill_id IS NOT NULL)
    EXECUTE FUNCTION homa_payment_bill_same_patient();
"""

DOWNGRADE = """
DROP TRIGGER payments_bill_same_patient ON payments;
DROP FUNCTION homa_payment_bill_same_patient();
DROP TRIGGER bills_no_cancel_while_held ON bills;
DROP FUNCTION homa_bill_cancel_while_held();
DROP INDEX ux_refunds_reference;
ALTER TABLE refunds DROP COLUMN reference;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
