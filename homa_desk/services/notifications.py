"""Notifications through the outbox: queue messages inside the event's own transaction, deliver them later.

Queueing (`enqueue_*`) is called by other services inside their open unit of work, just before `uow.commit()`, so a
rolled-back booking or payment leaves no message behind. Delivery (`deliver_due`) runs on the background sender:

1. In one short transaction: `sending` rows whose lease ran out are marked failed ("unknown outcome after crash")
   — their desk died between marking and recording the answer, and neither Twilio nor Telegram nor SMTP can be
   asked whether the message went, so it is not resent blindly; then due rows are claimed with
   `SELECT … FOR UPDATE SKIP LOCKED`, marked `sending` with a lease, attempts + 1, and committed BEFORE any
   provider call.
2. Each message is sent, and its outcome recorded in its own transaction: sent (provider id), pending again with
   exponential backoff when retrying cannot duplicate it, or failed (after MAX_ATTEMPTS, or at once when the provider
   may have taken it — a read timeout — or refused it for good). An admin may send a failed message again.
   An SMS to India goes only as the clinic's registered DLT template (services/sms_dlt.py): with none it is held
   as `not_set_up` before any provider call, and a filled text that could not match is failed with its reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from homa_desk.db.outbox_repository import AppointmentFacts, Contact
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.appointments import day_bounds, local_day
from homa_desk.domain.billing import PaymentMethod
from homa_desk.domain.dlt import NotSetUp, TextRefused
from homa_desk.domain.errors import NotFound, ValidationError
from homa_desk.domain.message_routing import FIRST_STATUS_CHECK
from homa_desk.domain.money import format_inr
from homa_desk.domain.notifications import (
    LEASE,
    MAX_ATTEMPTS,
    UNKNOWN_OUTCOME,
    Channel,
    Language,
    NewMessage,
    OutboxEntry,
    OutboxStatus,
    Template,
    retry_delay,
    should_give_up,
    sms_number,
)
from homa_desk.domain.roles import STAFF_ROLES, Actor, Role
from homa_desk.domain.timeutil import format_local_time, utcnow
from homa_desk.gateways.messaging import Attachment, MessageSender, Outgoing, SendError, StatusChecker
from homa_desk.services import sms_dlt
from homa_desk.services.clinic import DEFAULT_NAME, clinic_info
from homa_desk.services.message_channels import (
    allowed_legacy,
    queue_fallback,
    queue_routed,
    with_template,
    withheld,
)

log = logging.getLogger(__name__)

BATCH = 10
AttachmentRenderer = Callable[[int], Attachment]

# -- queueing, inside the caller's unit of work -------------------------------------------------------------------


def enqueue_appointment_booked(uow: UnitOfWork, appointment_id: int) -> int:
    return _appointment_messages(uow, appointment_id, Template.BOOKED, "booked")


def enqueue_appointment_rescheduled(uow: UnitOfWork, appointment_id: int) -> int:
    """Each move is its own event: the key carries the new time and the moment of the move."""
    return _appointment_messages(uow, appointment_id, Template.RESCHEDULED,
                                 lambda f: f"rescheduled:{f.starts_at.isoformat()}:{utcnow().timestamp()}")


def enqueue_appointment_cancelled(uow: UnitOfWork, appointment_id: int) -> int:
    return _appointment_messages(uow, appointment_id, Template.CANCELLED, "cancelled")


def enqueue_payment_received(uow: UnitOfWork, payment_id: int) -> int:
    """SMS and e-mail to the patient; the e-mail carries the bill's receipt as a PDF, rendered at send time."""
    facts = uow.outbox.payment_facts(payment_id)
    if facts is None:
        raise NotFound("No such payment.")
    try:
        method = PaymentMethod(facts.method).label
    except ValueError:
        method = facts.method
    payload = {"patient_name": facts.patient.name, "amount": format_inr(facts.amount), "method": method,
               "bill_number": facts.bill_number, "clinic_name": _clinic_name(uow)}
    return _to_patient(uow, facts.patient, Template.PAYMENT, payload, f"payment:{payment_id}",
                       attachment_bill_id=facts.bill_id)


def enqueue_reminders(uow: UnitOfWork, day: date) -> int:
    """Reminders for every appointment still scheduled on `day`; run again, it queues nothing twice."""
    start, end = day_bounds(day)
    queued = 0
    with uow:
        for appointment_id in uow.outbox.scheduled_between(start, end):
            queued += _appointment_messages(uow, appointment_id, Template.REMINDER,
                                            lambda f: f"reminder:{local_day(f.starts_at).isoformat()}")
        uow.commit()
    if queued:
        log.info("queued %s reminder messages for %s", queued, day.isoformat())
    return queued


def enqueue_daily_collection(uow: UnitOfWork, day: date, chat_id: str) -> bool:
    """The day's collection to the owner's Telegram chat, once per day however many desks run the job."""
    if not chat_id:
        return False
    start, end = day_bounds(day)
    with uow:
        by_method = uow.outbox.collection_between(start, end)
        count = sum(n for n, _ in by_method.values())
        total = sum((amount for _, amount in by_method.values()), Decimal(0))
        lines = ", ".join(f"{_method_label(m)} {format_inr(a)}" for m, (_, a) in sorted(by_method.items()))
        payload = {"day": day.strftime("%d %b %Y"), "total": format_inr(total), "count": count,
                   "by_method": lines, "clinic_name": _clinic_name(uow)}
        added = uow.outbox.add(NewMessage(Channel.TELEGRAM, chat_id, Template.DAILY_COLLECTION, Language.ENGLISH,
                                          payload, f"collection:{day.isoformat()}"))
        uow.commit()
    return added


def queue_message(uow: UnitOfWork, message: NewMessage) -> bool:
    """Inside the caller's unit of work (verification codes)."""
    return uow.outbox.add(message)


# -- the desk's view of the outbox ----------------------------------------------------------------------------------


def recent_messages(uow: UnitOfWork, actor: Actor, limit: int = 200,
                    status: OutboxStatus | None = None) -> list[OutboxEntry]:
    with uow.reading(actor, Role.ADMIN, Role.RECEPTIONIST):
        return uow.outbox.recent(limit, status)


def send_again(uow: UnitOfWork, actor: Actor, message_id: int) -> None:
    """An admin sends a failed message again, knowing the patient might then get it twice."""
    actor.require(Role.ADMIN)
    with uow:
        if not uow.outbox.retry_failed(message_id, utcnow()):
            raise ValidationError("message", "Only a failed message can be sent again, and not one that went by"
                                             " another channel since (for a verification code, send a new code).")
        uow.audit.record(actor, "message_resent", "outbox_message", message_id)
        uow.commit()


def set_preferred_language(uow: UnitOfWork, actor: Actor, patient_id: int, language: Language | str) -> Language:
    actor.require(*STAFF_ROLES)
    try:
        chosen = Language(language)
    except ValueError:
        raise ValidationError("language", "Choose English or Hindi.") from None
    with uow:
        if not uow.outbox.set_language(patient_id, chosen):
            raise NotFound("No such patient.")
        uow.audit.record(actor, "patient_language_set", "patient", patient_id, after={"language": chosen.value})
        uow.commit()
    return chosen


def receipt_data(uow: UnitOfWork, bill_id: int) -> tuple[Any, Any]:
    """The bill and the clinic's letterhead, for the receipt PDF the sender attaches."""
    with uow.reading(None):
        bill = uow.bills.view(bill_id)
    if bill is None:
        raise NotFound("No such bill.")
    return bill, clinic_info(uow)


# -- delivery, on the background sender -----------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    abandoned: list[int] = field(default_factory=list)
    not_set_up: list[int] = field(default_factory=list)


def deliver_due(uow: UnitOfWork, senders: Mapping[Channel, MessageSender], *, now: datetime | None = None,
                render_attachment: AttachmentRenderer | None = None, limit: int = BATCH,
                max_attempts: int = MAX_ATTEMPTS, lease: timedelta = LEASE) -> DeliveryReport:
    """Send what is due on the configured channels; messages for other channels wait, untouched."""
    now = now or utcnow()
    report = DeliveryReport()
    with uow:
        report.abandoned = uow.outbox.fail_abandoned(now, UNKNOWN_OUTCOME)
        claimed = uow.outbox.claim_due(now, now + lease, limit, channels=list(senders)) if senders else []
        uow.commit()
    for entry_id in report.abandoned:
        log.warning("outbox message %s left sending by a stopped desk: marked failed, not resent", entry_id)
    for entry in claimed:
        _deliver_one(uow, senders[entry.channel], entry, render_attachment, max_attempts, report)
    return report


def _deliver_one(uow: UnitOfWork, sender: MessageSender, entry: OutboxEntry,
                 render_attachment: AttachmentRenderer | None, max_attempts: int, report: DeliveryReport) -> None:
    reason = withheld(uow, entry)
    if reason:
        _record_failure(uow, entry, reason, False, max_attempts, report, refused=True)
        return
    try:
        outgoing = _outgoing(entry, render_attachment)
        if entry.channel is Channel.SMS:
            outgoing = _under_dlt(uow, entry, outgoing)
        provider_id = sender.send(outgoing)
    except NotSetUp as missing:
        _hold_not_set_up(uow, entry, missing.message, report)
        return
    except TextRefused as refused:
        _record_failure(uow, entry, f"refused before sending: {refused.message}", False, max_attempts, report,
                        refused=True)
        return
    except SendError as error:
        _record_failure(uow, entry, error.message, error.retry_safe, max_attempts, report, refused=error.refused)
        return
    except Exception as error:  # a bug or a broken attachment: nothing went out, so a retry is safe
        log.exception("outbox message %s could not be prepared", entry.id)
        _record_failure(uow, entry, f"could not prepare the message ({type(error).__name__})", True, max_attempts,
                        report)
        return
    with uow:
        now = utcnow()
        uow.outbox.mark_sent(entry.id, provider_id, now, check_status_at=now + FIRST_STATUS_CHECK
                             if provider_id and isinstance(sender, StatusChecker) else None)
        uow.commit()
    report.sent.append(entry.id)
    log.info("outbox message %s sent by %s", entry.id, entry.channel.value)


def _record_failure(uow: UnitOfWork, entry: OutboxEntry, error: str, retry_safe: bool, max_attempts: int,
                    report: DeliveryReport, *, refused: bool = False) -> None:
    """A failure for good (refused, or every retry failed) hands the message to its fallback channel, if any."""
    with uow:
        if not retry_safe:
            uow.outbox.mark_failed(entry.id, error)
            report.failed.append(entry.id)
            if refused:
                queue_fallback(uow, entry)
        elif should_give_up(entry.attempts, max_attempts):
            uow.outbox.mark_failed(entry.id, f"gave up after {entry.attempts} attempts: {error}")
            report.failed.append(entry.id)
            queue_fallback(uow, entry)
        else:
            uow.outbox.mark_retry(entry.id, error, utcnow() + retry_delay(entry.attempts))
            report.retrying.append(entry.id)
        uow.commit()
    log.warning("outbox message %s (%s) not sent, attempt %s: %s", entry.id, entry.channel.value, entry.attempts,
                error)


def _under_dlt(uow: UnitOfWork, entry: OutboxEntry, outgoing: Outgoing) -> Outgoing:
    """An SMS to India goes as the clinic's registered DLT template, never as the desk's own text."""
    dlt = sms_dlt.under_dlt(uow, entry)
    return outgoing if dlt is None else replace(outgoing, body=dlt[0], dlt=dlt[1])


def _hold_not_set_up(uow: UnitOfWork, entry: OutboxEntry, reason: str, report: DeliveryReport) -> None:
    with uow:
        uow.outbox.mark_not_set_up(entry.id, reason)
        queue_fallback(uow, entry)
        uow.commit()
    report.not_set_up.append(entry.id)
    log.warning("outbox message %s (%s) held back: %s", entry.id, entry.channel.value, reason)


def _outgoing(entry: OutboxEntry, render_attachment: AttachmentRenderer | None) -> Outgoing:
    text = entry.render()
    attachments: tuple[Attachment, ...] = ()
    if entry.channel in (Channel.EMAIL, Channel.WHATSAPP) and entry.attachment_bill_id is not None \
            and render_attachment is not None:
        attachments = (render_attachment(entry.attachment_bill_id),)
    return with_template(Outgoing(entry.recipient, text.subject, text.body, attachments), entry)


# -- helpers --------------------------------------------------------------------------------------------------------


def _appointment_messages(uow: UnitOfWork, appointment_id: int, template: Template,
                          event: str | Callable[[AppointmentFacts], str]) -> int:
    facts = uow.outbox.appointment_facts(appointment_id)
    if facts is None:
        raise NotFound("No such appointment.")
    payload = {"patient_name": facts.patient.name, "doctor_name": facts.doctor_name,
               "when": format_local_time(facts.starts_at), "clinic_name": _clinic_name(uow)}
    name = event if isinstance(event, str) else event(facts)
    return _to_patient(uow, facts.patient, template, payload, f"appointment:{appointment_id}:{name}")


def _to_patient(uow: UnitOfWork, patient: Contact, template: Template, payload: dict[str, Any], key: str, *,
                attachment_bill_id: int | None = None) -> int:
    if patient.preferred_channel is not None:
        return queue_routed(uow, patient, template, payload, key, attachment_bill_id=attachment_bill_id)
    queued = 0
    number = sms_number(patient.phone)
    if number and allowed_legacy(uow, patient.user_id, Channel.SMS):
        queued += uow.outbox.add(NewMessage(Channel.SMS, number, template, patient.language, payload, f"{key}:sms",
                                            patient_id=patient.user_id))
    if patient.email and allowed_legacy(uow, patient.user_id, Channel.EMAIL):
        queued += uow.outbox.add(NewMessage(Channel.EMAIL, patient.email, template, patient.language, payload,
                                            f"{key}:email", attachment_bill_id=attachment_bill_id,
                                            patient_id=patient.user_id))
    return queued


def _clinic_name(uow: UnitOfWork) -> str:
    return uow.settings.get("clinic_name", DEFAULT_NAME)


def _method_label(method: str) -> str:
    try:
        return PaymentMethod(method).label
    except ValueError:
        return method
