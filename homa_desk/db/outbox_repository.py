"""The outbox of messages, the facts messages are made of, and contact verification codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from homa_desk.db.models import (
    Appointment,
    Bill,
    OutboxMessage,
    PatientProfile,
    Payment,
    User,
    VerificationCode,
)
from homa_desk.domain.message_routing import channel_list, channels_from
from homa_desk.domain.notifications import (
    Channel,
    Language,
    NewMessage,
    OutboxEntry,
    OutboxStatus,
    Template,
    language_of,
)

CODE_HIDDEN = "••••••"  # what staff see in place of a verification code


def _entry(row: Any, *, hide_code: bool = False) -> OutboxEntry:
    payload = dict(row.payload or {})
    if hide_code and row.template == Template.VERIFICATION.value:
        payload["code"] = CODE_HIDDEN
    return OutboxEntry(
        id=row.id, channel=Channel(row.channel), recipient=row.recipient, template=Template(row.template),
        language=Language(row.language), payload=payload, status=OutboxStatus(row.status),
        attempts=row.attempts, next_attempt_at=row.next_attempt_at, key=row.idempotency_key,
        attachment_bill_id=row.attachment_bill_id, last_error=row.last_error,
        provider_message_id=row.provider_message_id, sent_at=row.sent_at, created_at=row.created_at,
        patient_id=row.patient_id, message_key=row.message_key, fallback=channels_from(row.fallback_channels),
        delivery_status=row.delivery_status, delivery_error=row.delivery_error, status_checks=row.status_checks,
    )


@dataclass(frozen=True)
class Contact:
    """Who a message goes to: a patient's or staff member's name, phone, e-mail and language."""

    user_id: int
    name: str
    phone: str | None
    email: str | None
    language: Language
    preferred_channel: Channel | None = None


@dataclass(frozen=True)
class AppointmentFacts:
    appointment_id: int
    patient: Contact
    doctor_name: str
    starts_at: datetime
    status: str


@dataclass(frozen=True)
class PaymentFacts:
    payment_id: int
    patient: Contact
    amount: Decimal
    method: str
    bill_id: int | None
    bill_number: str


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # -- writing, inside the event's transaction ------------------------------------------------------------------

    def add(self, message: NewMessage, *, due: datetime | None = None) -> bool:
        """Queue one message; False when a message with the same key is already queued (idempotent)."""
        values = dict(channel=message.channel.value, recipient=message.recipient, template=message.template.value,
                      language=message.language.value, payload=message.payload,
                      attachment_bill_id=message.attachment_bill_id, idempotency_key=message.key,
                      patient_id=message.patient_id, message_key=message.message_key,
                      fallback_channels=channel_list(message.fallback) or None)
        if due is not None:
            values["next_attempt_at"] = due
        statement = insert(OutboxMessage).values(**values)
        # a routed message also conflicts on its one live delivery (ux_outbox_messages_one_delivery)
        statement = statement.on_conflict_do_nothing() if message.message_key else \
            statement.on_conflict_do_nothing(index_elements=["idempotency_key"])
        inserted = self._session.execute(statement.returning(OutboxMessage.id)).first()
        return inserted is not None

    # -- the sender ---------------------------------------------------------------------------------------------

    def claim_due(self, now: datetime, lease_until: datetime, limit: int,
                  channels: list[Channel] | None = None) -> list[OutboxEntry]:
        """Take up to `limit` due messages for this sender: other desks skip the locked rows, and the rows are
        `sending` with a lease once the caller commits."""
        ids = list(self._session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == OutboxStatus.PENDING.value, OutboxMessage.next_attempt_at <= now,
                   OutboxMessage.channel.in_([c.value for c in (channels or list(Channel))]))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
            .with_for_update(skip_locked=True)
        ))
        if not ids:
            return []
        rows = self._session.scalars(
            update(OutboxMessage).where(OutboxMessage.id.in_(ids))
            .values(status=OutboxStatus.SENDING.value, lease_until=lease_until, attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage)
        ).all()
        return sorted((_entry(r) for r in rows), key=lambda e: (e.next_attempt_at, e.id))

    def mark_sent(self, message_id: int, provider_message_id: str | None, now: datetime, *,
                  check_status_at: datetime | None = None) -> None:
        """`check_status_at`: when to first ask the provider how the message fared (None: it cannot be asked)."""
        self._session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == "sending")
            .values(status=OutboxStatus.SENT.value, provider_message_id=provider_message_id, sent_at=now,
                    lease_until=None, last_error=None, payload=_without_code(),
                    next_status_check_at=check_status_at if provider_message_id else None))

    def mark_retry(self, message_id: int, error: str, next_attempt_at: datetime) -> None:
        self._session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == "sending")
            .values(status=OutboxStatus.PENDING.value, last_error=error[:1000], next_attempt_at=next_attempt_at,
                    lease_until=None))

    def mark_failed(self, message_id: int, error: str) -> None:
        self._session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id)
            .values(status=OutboxStatus.FAILED.value, last_error=error[:1000], lease_until=None,
                    payload=_without_code()))

    def mark_not_set_up(self, message_id: int, reason: str) -> None:
        """Held back before any provider call (no registered DLT template): a status, not a failure to retry."""
        self._session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id)
            .values(status=OutboxStatus.NOT_SET_UP.value, last_error=reason[:1000], lease_until=None,
                    payload=_without_code()))

    def fail_abandoned(self, now: datetime, reason: str) -> list[int]:
        """`sending` rows whose lease ran out: their desk died mid-send. Marked failed, never resent blindly."""
        return list(self._session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.SENDING.value, OutboxMessage.lease_until < now)
            .values(status=OutboxStatus.FAILED.value, last_error=reason, lease_until=None, payload=_without_code())
            .returning(OutboxMessage.id)))

    def retry_failed(self, message_id: int, now: datetime) -> bool:
        """An admin sends a failed message again (a person decided a duplicate is acceptable). Not a verification
        code: its code was dropped when it failed; staff send a new code instead."""
        try:
            with self._session.begin_nested():
                return self._session.execute(
                    update(OutboxMessage).where(OutboxMessage.id == message_id,
                                                OutboxMessage.status.in_(["failed", OutboxStatus.NOT_SET_UP.value]),
                                                OutboxMessage.template != Template.VERIFICATION.value)
                    .values(status=OutboxStatus.PENDING.value, attempts=0, next_attempt_at=now,
                            last_error=None)).rowcount == 1
        except IntegrityError:  # ux_outbox_messages_one_delivery: the message already went by another channel
            return False

    def get(self, message_id: int) -> OutboxEntry | None:
        row = self._session.get(OutboxMessage, message_id, populate_existing=True)
        return _entry(row) if row is not None else None

    def recent(self, limit: int = 200, status: OutboxStatus | None = None) -> list[OutboxEntry]:
        """The newest messages as staff see them: a verification code never leaves the database (the payload shows
        CODE_HIDDEN instead), even while its message waits to be sent."""
        columns = [c for c in OutboxMessage.__table__.c if c.name != "payload"]
        query = select(*columns, _without_code().label("payload")).order_by(OutboxMessage.id.desc()).limit(limit)
        if status is not None:
            query = query.where(OutboxMessage.status == status.value)
        return [_entry(r, hide_code=True) for r in self._session.execute(query)]

    def counts(self) -> dict[OutboxStatus, int]:
        rows = self._session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
        return {OutboxStatus(s): n for s, n in rows}

    # -- facts for messages --------------------------------------------------------------------------------------

    def contact(self, user_id: int) -> Contact | None:
        row = self._session.execute(
            select(User.id, User.full_name, User.phone, User.email, PatientProfile.preferred_language,
                   PatientProfile.preferred_channel)
            .outerjoin(PatientProfile, PatientProfile.user_id == User.id).where(User.id == user_id)
        ).first()
        if row is None:
            return None
        return Contact(row[0], row[1], row[2], row[3], language_of(row[4]), Channel(row[5]) if row[5] else None)

    def set_language(self, patient_id: int, language: Language) -> bool:
        return self._session.execute(
            update(PatientProfile).where(PatientProfile.user_id == patient_id)
            .values(preferred_language=language.value)).rowcount == 1

    def appointment_facts(self, appointment_id: int) -> AppointmentFacts | None:
        doctor = aliased(User)
        row = self._session.execute(
            select(Appointment.id, Appointment.patient_id, Appointment.appointment_date, Appointment.status,
                   doctor.full_name)
            .outerjoin(doctor, doctor.id == Appointment.doctor_id).where(Appointment.id == appointment_id)
        ).first()
        if row is None:
            return None
        patient = self.contact(row[1])
        assert patient is not None
        return AppointmentFacts(row[0], patient, row[4] or "", row[2], str(row[3]))

    def payment_facts(self, payment_id: int) -> PaymentFacts | None:
        row = self._session.execute(
            select(Payment.id, Payment.patient_id, Payment.amount, Payment.payment_method, Payment.bill_id,
                   Bill.bill_number)
            .outerjoin(Bill, Bill.id == Payment.bill_id).where(Payment.id == payment_id)
        ).first()
        if row is None:
            return None
        patient = self.contact(row[1])
        assert patient is not None
        return PaymentFacts(row[0], patient, row[2], str(row[3]), row[4], row[5] or "")

    def scheduled_between(self, start: datetime, end: datetime) -> list[int]:
        return list(self._session.scalars(
            select(Appointment.id).where(Appointment.appointment_date >= start, Appointment.appointment_date < end,
                                         Appointment.status == "scheduled").order_by(Appointment.appointment_date)))

    def collection_between(self, start: datetime, end: datetime) -> dict[str, tuple[int, Decimal]]:
        """Completed payments received in [start, end) by method: (count, amount less refunds)."""
        rows = self._session.execute(
            select(Payment.payment_method, func.count(), func.coalesce(func.sum(Payment.amount
                                                                                - Payment.refunded_amount), 0))
            .where(and_(Payment.status == "completed", Payment.payment_date >= start, Payment.payment_date < end))
            .group_by(Payment.payment_method))
        return {str(method): (count, Decimal(total)) for method, count, total in rows}


@dataclass(frozen=True)
class OpenCode:
    id: int
    user_id: int
    channel: Channel
    destination: str
    code_hash: str
    salt: str
    expires_at: datetime
    attempts: int


class VerificationCodes:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, *, user_id: int, channel: Channel, destination: str, code_hash: str, salt: str,
            expires_at: datetime) -> int:
        row = VerificationCode(user_id=user_id, channel=channel.value, destination=destination, code_hash=code_hash,
                               salt=salt, expires_at=expires_at)
        self._session.add(row)
        self._session.flush()
        return row.id

    def close_open(self, user_id: int, now: datetime) -> None:
        """A new code replaces the ones sent before."""
        self._session.execute(update(VerificationCode).where(
            VerificationCode.user_id == user_id, VerificationCode.used_at.is_(None)).values(used_at=now))

    def latest_open(self, user_id: int) -> OpenCode | None:
        row = self._session.scalars(
            select(VerificationCode).where(VerificationCode.user_id == user_id, VerificationCode.used_at.is_(None))
            .order_by(VerificationCode.id.desc()).limit(1).with_for_update()).first()
        if row is None:
            return None
        return OpenCode(row.id, row.user_id, Channel(row.channel), row.destination, row.code_hash, row.salt,
                        row.expires_at, row.attempts)

    def count_try(self, code_id: int) -> None:
        self._session.execute(update(VerificationCode).where(VerificationCode.id == code_id)
                              .values(attempts=VerificationCode.attempts + 1))

    def use(self, code_id: int, now: datetime) -> None:
        self._session.execute(update(VerificationCode).where(VerificationCode.id == code_id).values(used_at=now))

    def set_verified(self, user_id: int) -> None:
        self._session.execute(update(User).where(User.id == user_id).values(is_verified=True))

    def is_verified(self, user_id: int) -> bool:
        return bool(self._session.scalar(select(User.is_verified).where(User.id == user_id)))




def _without_code() -> Any:
    """A verification code is kept only until its message is sent or given up: the hash is what checks it."""
    return OutboxMessage.payload.op("-")(literal("code", String))
