"""A doctor's room (consulting room or cabin), shown on the waiting room screen and said in its announcement:
"Token 12, Dr. Shilpa Hegde, Room 2". Short text ("2", "OPD 3", "1st floor B"), trimmed, printable; empty is NULL.

Revision ID: 0027
Revises: 0024
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
ALTER TABLE doctor_profiles ADD COLUMN room varchar(20),
    ADD CONSTRAINT doctor_profiles_room_shape CHECK (room IS NULL OR (room <> '' AND room = btrim(room)
                                                                      AND room !~ '[[:cntrl:]]'));
""")


def downgrade() -> None:
    op.execute("ALTER TABLE doctor_profiles DROP COLUMN room")
