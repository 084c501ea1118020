"""Payment history and the daily collection: keyset order (payment_date, id), per method, the review queue, and
refunds by the day they were made.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE INDEX ix_payments_date_id ON payments (payment_date, id);
CREATE INDEX ix_payments_method_date ON payments (payment_method, payment_date, id);
CREATE INDEX ix_payments_review ON payments (payment_date, id) WHERE status = 'pending';
CREATE INDEX ix_refunds_created ON refunds (created_at);
CREATE INDEX ix_refunds_payment ON refunds (payment_id);
"""

DOWNGRADE = """
DROP INDEX ix_refunds_payment;
DROP INDEX ix_refunds_created;
DROP INDEX ix_payments_review;
DROP INDEX ix_payments_method_date;
DROP INDEX ix_payments_date_id;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
