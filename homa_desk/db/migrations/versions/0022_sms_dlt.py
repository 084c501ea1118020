"""SMS under DLT: the clinic's registered content templates, its entity ID and header, and the "not set up" status.

`sms_dlt_templates` holds one registered template per message kind and language (its DLT id and exact text with
`{#var#}`); the Principal Entity ID and the sender header are clinic settings, checked here as well as in the desk.
An SMS whose kind has no template is not sent: the outbox marks it `not_set_up`, which nothing retries.

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

KINDS = ("appointment_booked", "appointment_rescheduled", "appointment_cancelled", "appointment_reminder",
         "payment_received", "verification_code")


def upgrade() -> None:
    kinds = ", ".join(f"'{kind}'" for kind in KINDS)
    op.execute(f"""
CREATE TABLE sms_dlt_templates (
    template varchar(40) NOT NULL CHECK (template IN ({kinds})),
    language varchar(2) NOT NULL CHECK (language IN ('en', 'hi')),
    dlt_template_id varchar(19) NOT NULL CHECK (dlt_template_id ~ '^[0-9]{{12,19}}$'),
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000 AND body = btrim(body)),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (template, language)
);
ALTER TABLE clinic_settings
    ADD CONSTRAINT clinic_settings_dlt_entity_id_check
        CHECK (key <> 'dlt_entity_id' OR value #>> '{{}}' ~ '^([0-9]{{12,19}})?$'),
    ADD CONSTRAINT clinic_settings_dlt_header_check
        CHECK (key <> 'dlt_header' OR value #>> '{{}}' ~ '^([A-Z]{{6}})?$');
ALTER TABLE outbox_messages DROP CONSTRAINT outbox_messages_status_check;
ALTER TABLE outbox_messages ADD CONSTRAINT outbox_messages_status_check
    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'not_set_up'));
""")


def downgrade() -> None:
    op.execute("""
UPDATE outbox_messages SET status = 'failed' WHERE status = 'not_set_up';
ALTER TABLE outbox_messages DROP CONSTRAINT outbox_messages_status_check;
ALTER TABLE outbox_messages ADD CONSTRAINT outbox_messages_status_check
    CHECK (status IN ('pending', 'sending', 'sent', 'failed'));
ALTER TABLE clinic_settings DROP CONSTRAINT clinic_settings_dlt_entity_id_check,
    DROP CONSTRAINT clinic_settings_dlt_header_check;
DROP TABLE sms_dlt_templates;
""")
