"""WhatsApp, consent and delivery status: each patient's consent per channel (who recorded it, when), the preferred
channel, and on the outbox the patient, the message a delivery belongs to (one live delivery per message: a fallback
channel can only be queued once the first delivery has failed, or was held back as not set up) and the provider's
delivery status.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE patient_profiles ADD COLUMN preferred_channel varchar(10)
    CONSTRAINT patient_profiles_preferred_channel_check CHECK (preferred_channel IN ('whatsapp', 'sms', 'email'));

CREATE TABLE message_consents (
    patient_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel varchar(10) NOT NULL CHECK (channel IN ('whatsapp', 'sms', 'email')),
    granted boolean NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by integer REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (patient_id, channel)
);

ALTER TABLE outbox_messages DROP CONSTRAINT outbox_messages_channel_check;
ALTER TABLE outbox_messages ADD CONSTRAINT outbox_messages_channel_check
    CHECK (channel IN ('sms', 'email', 'telegram', 'whatsapp'));
ALTER TABLE outbox_messages
    ADD COLUMN patient_id integer REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN message_key varchar(200),
    ADD COLUMN fallback_channels varchar(40),
    ADD COLUMN delivery_status varchar(20),
    ADD COLUMN delivery_error text,
    ADD COLUMN status_checks integer NOT NULL DEFAULT 0,
    ADD COLUMN next_status_check_at timestamptz;
CREATE UNIQUE INDEX ux_outbox_messages_one_delivery ON outbox_messages (message_key)
    WHERE message_key IS NOT NULL AND status NOT IN ('failed', 'not_set_up');
CREATE INDEX ix_outbox_messages_patient ON outbox_messages (patient_id, id);
CREATE INDEX ix_outbox_messages_status_check ON outbox_messages (next_status_check_at)
    WHERE next_status_check_at IS NOT NULL;
"""

DOWNGRADE = r"""
DROP INDEX ix_outbox_messages_status_check;
DROP INDEX ix_outbox_messages_patient;
DROP INDEX ux_outbox_messages_one_delivery;
DELETE FROM outbox_messages WHERE channel = 'whatsapp';
ALTER TABLE outbox_messages DROP COLUMN next_status_check_at, DROP COLUMN status_checks,
    DROP COLUMN delivery_error, DROP COLUMN delivery_status, DROP COLUMN fallback_channels,
    DROP COLUMN message_key, DROP COLUMN patient_id;
ALTER TABLE outbox_messages DROP CONSTRAINT outbox_messages_channel_check;
ALTER TABLE outbox_messages ADD CONSTRAINT outbox_messages_channel_check
    CHECK (channel IN ('sms', 'email', 'telegram'));
DROP TABLE message_consents;
ALTER TABLE patient_profiles DROP COLUMN preferred_channel;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
