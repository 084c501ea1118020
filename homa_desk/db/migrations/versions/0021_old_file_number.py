"""A patient keeps the file number of the clinic's paper records: patient_profiles.old_file_number.

Optional; when present it is trimmed, 1 to 30 characters, and unique in the clinic regardless of case (the partial
unique index on lower(old_file_number) also serves the exact-match lookup of the Patients search).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("patient_profiles", sa.Column("old_file_number", sa.String(30), nullable=True))
    op.create_check_constraint(
        "patient_profiles_old_file_number_trimmed", "patient_profiles",
        "old_file_number = btrim(old_file_number) AND char_length(old_file_number) BETWEEN 1 AND 30")
    op.execute("CREATE UNIQUE INDEX ux_patient_profiles_old_file_number ON patient_profiles"
               " (lower(old_file_number)) WHERE old_file_number IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ux_patient_profiles_old_file_number")
    op.drop_constraint("patient_profiles_old_file_number_trimmed", "patient_profiles", type_="check")
    op.drop_column("patient_profiles", "old_file_number")
