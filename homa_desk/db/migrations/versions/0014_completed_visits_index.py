"""The day's completed visits found without reading every appointment of the day: "Today's visits without a bill"
read all of the day's appointments to keep the completed ones (36,000 a day in the 1,000,000-patient benchmark:
340-630 ms); a partial index over completed appointments by date gives just those.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_appointments_completed_day ON appointments (appointment_date)"
               " WHERE status = 'completed'")


def downgrade() -> None:
    op.execute("DROP INDEX ix_appointments_completed_day")
