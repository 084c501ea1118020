"""Patients: a patient's appointments in date order for the profile (one index scan, newest first).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_appointments_patient_date ON appointments (patient_id, appointment_date)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_appointments_patient_date")
