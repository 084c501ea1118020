"""Patients' message consent and preferred channel, their messages as the Messages tab shows them, and the delivery
status the desk asks the providers for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from homa_desk.db.models import MessageConsent, OutboxMessage, PatientProfile, User
from homa_desk.db.outbox_repository import _entry, _without_code
from homa_desk.db.together import Later
from homa_desk.domain.message_routing import Consent, ConsentRecord
from homa_desk.domain.notifications import Channel, OutboxEntry, OutboxStatus


class MessageChannelRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # -- consent and preferred channel ------------------------------------------------------------------------------

    def consents(self, patient_id: int) -> dict[Channel, ConsentRecord]:
        read = self.consents_later(patient_id)
        return read.shape(list(self._session.execute(read.statement)))

    def consents_later(self, patient_id: int) -> Later[dict[Channel, ConsentRecord]]:
        return Later(
            select(MessageConsent.channel, MessageConsent.granted, MessageConsent.recorded_at, User.full_name)
            .outerjoin(User, User.id == MessageConsent.recorded_by).where(MessageConsent.patient_id == patient_id),
            lambda rows: {Channel(c): ConsentRecord(Channel(c), Consent.GRANTED if granted else Consent.OPTED_OUT,
                                                    at, by) for c, granted, at, by in rows})

    def set_consent(self, patient_id: int, channel: Channel, granted: bool, recorded_by: int | None,
                    now: datetime) -> None:
        values = dict(granted=granted, recorded_at=now, recorded_by=recorded_by)
        self._session.execute(
            insert(MessageConsent).values(patient_id=patient_id, channel=channel.value, **values)
            .on_conflict_do_update(index_elements=["patient_id", "channel"], set_=values))

    def preferred_channel(self, patient_id: int) -> tuple[bool, Channel | None]:
        """(patient exists, their preferred channel)."""
        read = self.preferred_channel_later(patient_id)
        return read.shape(list(self._session.execute(read.statement)))

    def preferred_channel_later(self, patient_id: int) -> Later[tuple[bool, Channel | None]]:
        def shape(rows: list[Any]) -> tuple[bool, Channel | None]:
            if not rows:
                return False, None
            return True, Channel(rows[0][0]) if rows[0][0] else None

        return Later(select(PatientProfile.preferred_channel).where(PatientProfile.user_id == patient_id), shape)

    def set_preferred_channel(self, patient_id: int, channel: Channel | None) -> bool:
        return self._session.execute(
            update(PatientProfile).where(PatientProfile.user_id == patient_id)
            .values(preferred_channel=channel.value if channel else None)).rowcount == 1

    # -- a patient's messages ---------------------------------------------------------------------------------------

    def for_patient(self, patient_id: int, limit: int = 200) -> list[OutboxEntry]:
        """Newest first; a verification code never leaves the database (see OutboxRepository.recent)."""
        read = self.for_patient_later(patient_id, limit)
        return read.shape(list(self._session.execute(read.statement)))

    def for_patient_later(self, patient_id: int, limit: int = 200) -> Later[list[OutboxEntry]]:
        columns = [c for c in OutboxMessage.__table__.c if c.name != "payload"]
        query = (select(*columns, _without_code().label("payload")).where(OutboxMessage.patient_id == patient_id)
                 .order_by(OutboxMessage.id.desc()).limit(limit))
        return Later(query, lambda rows: [_entry(r, hide_code=True) for r in rows])

    # -- delivery status --------------------------------------------------------------------------------------------

    def due_status_checks(self, now: datetime, channels: list[Channel], limit: int) -> list[OutboxEntry]:
        rows = self._session.scalars(
            select(OutboxMessage).where(OutboxMessage.next_status_check_at <= now,
                                        OutboxMessage.status == OutboxStatus.SENT.value,
                                        OutboxMessage.channel.in_([c.value for c in channels]))
            .order_by(OutboxMessage.next_status_check_at).limit(limit).with_for_update(skip_locked=True))
        return [_entry(r) for r in rows]

    def record_status(self, message_id: int, status: str, error: str | None, next_check: datetime | None) -> None:
        """One more question asked: counted, and the next one scheduled."""
        self._session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id)
            .values(delivery_status=status[:20], delivery_error=(error or None) and error[:1000],
                    status_checks=OutboxMessage.status_checks + 1, next_status_check_at=next_check))

    def set_status(self, message_id: int, status: str, error: str | None, next_check: datetime | None) -> None:
        """The provider's answer to the question already counted."""
        self._session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id)
            .values(delivery_status=status[:20], delivery_error=(error or None) and error[:1000],
                    next_status_check_at=next_check))
