"""UPI money has a receiver: a UPI payment the desk recorded without one (before the desk set it) is the money of
the receptionist who started its QR, so the daily collection stops listing it as "Not recorded".

Only money that counts (completed or refunded) on a desk QR whose starter is known is filled in; money held for
review and gateway money on no QR keep no receiver. The downgrade leaves the receivers in place: they are true.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
UPDATE payments p SET received_by = s.created_by
FROM payment_sessions s
WHERE s.id = p.payment_session_id AND p.received_by IS NULL AND s.created_by IS NOT NULL
  AND p.payment_method = 'upi' AND p.status IN ('completed', 'refunded');
""")


def downgrade() -> None:
    pass
