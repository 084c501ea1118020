"""A doctor's unsaved consultation: what was typed and not yet saved, kept per appointment and author, so a sign-out,
the idle lock, a crash or another workstation loses none of it. It is deleted when that author saves the visit, and
every draft of a visit goes when the visit is completed.

The content is the screen as typed (JSON), not the record: it is read back only by its author (services), never
printed, audited or reported. A draft must be an object and not larger than the record could ever be.

Revision ID: 0024
Revises: 0020
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE consultation_drafts (
    appointment_id integer NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
    author_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    content jsonb NOT NULL,
    kept_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (appointment_id, author_id),
    CONSTRAINT consultation_drafts_content_object CHECK (jsonb_typeof(content) = 'object'),
    CONSTRAINT consultation_drafts_content_size CHECK (octet_length(content::text) <= 200000)
);
""")


def downgrade() -> None:
    op.execute("DROP TABLE consultation_drafts")
