"""Staff found without reading every patient: the doctor list (day view, dashboard, queue, booking) and the staff
list filtered `users` by role, and with 1,000,000 patients in the same table each took a 70–120 ms scan. The staff
are a few rows; a partial index over them answers in well under a millisecond, in name order.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_users_staff ON users (role, full_name, id) WHERE role <> 'patient'")


def downgrade() -> None:
    op.execute("DROP INDEX ix_users_staff")
