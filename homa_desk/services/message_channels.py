"""Which channel a patient's message goes by, their consent and preferred channel, and delivery status.

Queueing (`queue_routed`) runs inside the caller's unit of work like the rest of the outbox: the message goes by
the first channel `route` allows and carries the others as its fallbacks. When a delivery fails for good (the
provider refused it, or every retry failed), `queue_fallback` queues the next channel in the same transaction that
marks the failure; the database keeps one live delivery per message (ux_outbox_messages_one_delivery), so a
patient never gets the same message by WhatsApp and SMS. A timeout after the request went out is not a failure for
good: the first message may have arrived, so nothing falls back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homa_desk.db.outbox_repository import Contact
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.errors import NotFound, ValidationError
from homa_desk.domain.message_routing import (
    FALLBACK_SETTING,
    FINAL_DELIVERY,
    PATIENT_CHANNELS,
    STOP_CHECKING_AFTER,
    WHATSAPP_LANGUAGE_CODES,
    WHATSAPP_VARIABLES,
    Consent,
    ConsentRecord,
    address_for,
    channel_list,
    may_send,
    next_status_check,
    parse_rule,
    route,
    whatsapp_variables,
)
from homa_desk.domain.notifications import Channel, NewMessage, OutboxEntry, Template
from homa_desk.domain.roles import STAFF_ROLES, Actor, Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.gateways.messaging import Outgoing, SendError, StatusChecker

log = logging.getLogger(__name__)

STATUS_BATCH = 20


@dataclass(frozen=True)
class MessagePreferences:
    preferred: Channel | None
    consents: dict[Channel, ConsentRecord]

    def consent(self, channel: Channel) -> Consent:
        record = self.consents.get(channel)
        return record.consent if record else Consent.NOT_ASKED


# -- queueing, inside the caller's unit of work ---------------------------------------------------------------------


def consents_of(uow: UnitOfWork, patient_id: int) -> dict[Channel, Consent]:
    return {c: r.consent for c, r in uow.channels.consents(patient_id).items()}


def clinic_rule(uow: UnitOfWork) -> tuple[Channel, ...]:
    try:
        return parse_rule(uow.settings.get(FALLBACK_SETTING))
    except ValidationError:
        return parse_rule(None)


def queue_routed(uow: UnitOfWork, patient: Contact, template: Template, payload: dict[str, Any], key: str, *,
                 attachment_bill_id: int | None = None) -> int:
    """One delivery of the message to a patient who chose a channel; 0 when no channel may take it."""
    order = route(patient.preferred_channel, clinic_rule(uow), consents_of(uow, patient.user_id), patient.phone,
                  patient.email)
    if not order:
        log.info("message %s not queued: patient %s has no channel that may take it", template.value,
                 patient.user_id)
        return 0
    return int(_queue(uow, patient, order, template, payload, key, attachment_bill_id))


def allowed_legacy(uow: UnitOfWork, patient_id: int, channel: Channel) -> bool:
    """A patient who chose no channel gets SMS and e-mail as before 0023, unless they opted out of it."""
    return may_send(channel, consents_of(uow, patient_id).get(channel, Consent.NOT_ASKED))


def _queue(uow: UnitOfWork, patient: Contact, order: list[Channel], template: Template, payload: dict[str, Any],
           key: str, attachment_bill_id: int | None) -> bool:
    first = order[0]
    address = address_for(first, patient.phone, patient.email)
    assert address is not None
    return uow.outbox.add(NewMessage(first, address, template, patient.language, payload, f"{key}:{first.value}",
                                     attachment_bill_id=attachment_bill_id, patient_id=patient.user_id,
                                     message_key=key, fallback=tuple(order[1:])))


def queue_fallback(uow: UnitOfWork, entry: OutboxEntry) -> Channel | None:
    """After `entry` failed for good: its message by the next fallback channel that can still take it."""
    if not entry.message_key or not entry.fallback or entry.patient_id is None:
        return None
    patient = uow.outbox.contact(entry.patient_id)
    if patient is None:
        return None
    consents = consents_of(uow, patient.user_id)
    order = [c for c in entry.fallback if address_for(c, patient.phone, patient.email)
             and may_send(c, consents.get(c, Consent.NOT_ASKED))]
    if not order or not _queue(uow, patient, order, entry.template, entry.payload, entry.message_key,
                               entry.attachment_bill_id):
        return None
    return order[0]


def withheld(uow: UnitOfWork, entry: OutboxEntry) -> str | None:
    """Why a claimed message must not go after all (the patient opted out, or withdrew WhatsApp consent, after it
    was queued); None when it may go."""
    if entry.patient_id is None or entry.channel not in PATIENT_CHANNELS:
        return None
    with uow:
        consent = consents_of(uow, entry.patient_id).get(entry.channel, Consent.NOT_ASKED)
    if may_send(entry.channel, consent):
        return None
    return f"not sent: the patient has no consent for {entry.channel.value} (opted out or never asked)"


def outgoing_fields(entry: OutboxEntry) -> dict[str, Any]:
    """The template, language and variables a WhatsApp delivery sends (the approved template's {{1}}, {{2}} …)."""
    if entry.channel is not Channel.WHATSAPP:
        return {}
    if entry.template not in WHATSAPP_VARIABLES:
        raise ValueError(f"no WhatsApp template for {entry.template.value}")
    return {"template": entry.template.value, "language": WHATSAPP_LANGUAGE_CODES[entry.language.value],
            "variables": whatsapp_variables(entry.template, entry.payload)}


def with_template(outgoing: Outgoing, entry: OutboxEntry) -> Outgoing:
    fields = outgoing_fields(entry)
    if not fields:
        return outgoing
    return Outgoing(outgoing.recipient, outgoing.subject, outgoing.body, outgoing.attachments, **fields)


# -- the desk: consent, preferred channel, the clinic's rule, a patient's messages ---------------------------------


def message_preferences(uow: UnitOfWork, actor: Actor, patient_id: int) -> MessagePreferences:
    with uow.reading(actor, *STAFF_ROLES):
        exists, preferred = uow.channels.preferred_channel(patient_id)
        if not exists:
            raise NotFound("No such patient.")
        return MessagePreferences(preferred, uow.channels.consents(patient_id))


def set_message_preferences(uow: UnitOfWork, actor: Actor, patient_id: int, preferred: Channel | None,
                            consents: Mapping[Channel, bool]) -> MessagePreferences:
    """Record the patient's preferred channel and their yes (consent) or no (opt-out) per channel, with who and when;
    each change goes to the audit log. A channel left out of `consents` keeps what was recorded."""
    if preferred is not None and preferred not in PATIENT_CHANNELS:
        raise ValidationError("preferred_channel", "Choose WhatsApp, SMS or e-mail.")
    now = utcnow()
    with uow.acting(actor, *STAFF_ROLES):
        exists, before = uow.channels.preferred_channel(patient_id)
        if not exists:
            raise NotFound("No such patient.")
        recorded = uow.channels.consents(patient_id)
        for channel, granted in consents.items():
            was = recorded.get(channel)
            if was is not None and (was.consent is Consent.GRANTED) == granted:
                continue
            uow.channels.set_consent(patient_id, channel, granted, actor.user_id, now)
            uow.audit.record(actor, "message_consent_set", "patient", patient_id,
                             before={"channel": channel.value, "consent": was.consent.value if was else None},
                             after={"channel": channel.value,
                                    "consent": (Consent.GRANTED if granted else Consent.OPTED_OUT).value})
        if preferred is not None and not may_send(preferred, consents_of(uow, patient_id).get(preferred,
                                                                                             Consent.NOT_ASKED)):
            raise ValidationError("preferred_channel", "WhatsApp needs the patient's consent first."
                                  if preferred is Channel.WHATSAPP else "The patient opted out of this channel.")
        if preferred != before:
            uow.channels.set_preferred_channel(patient_id, preferred)
            uow.audit.record(actor, "patient_channel_set", "patient", patient_id,
                             before={"channel": before.value if before else None},
                             after={"channel": preferred.value if preferred else None})
        result = MessagePreferences(preferred, uow.channels.consents(patient_id))
        uow.commit()
    return result


def messages_tab(uow: UnitOfWork, actor: Actor, patient_id: int,
                 limit: int = 200) -> tuple[list[OutboxEntry], MessagePreferences]:
    """The profile's Messages tab: the patient's messages (as patient_messages) and their choices (as
    message_preferences), read in one round trip."""
    with uow.reading(actor, *STAFF_ROLES):
        (exists, preferred), consents, entries = uow.together(
            uow.channels.preferred_channel_later(patient_id), uow.channels.consents_later(patient_id),
            uow.channels.for_patient_later(patient_id, limit))
    if not exists:
        raise NotFound("No such patient.")
    return entries, MessagePreferences(preferred, consents)


def patient_messages(uow: UnitOfWork, actor: Actor, patient_id: int, limit: int = 200) -> list[OutboxEntry]:
    """The patient's messages, newest first; a verification code never appears in clear."""
    with uow.reading(actor, *STAFF_ROLES):
        return uow.channels.for_patient(patient_id, limit)


def fallback_rule(uow: UnitOfWork, actor: Actor) -> tuple[Channel, ...]:
    with uow.reading(actor, *STAFF_ROLES):
        return clinic_rule(uow)


def set_fallback_rule(uow: UnitOfWork, actor: Actor, channels: list[Channel] | str) -> tuple[Channel, ...]:
    """The clinic's order of channels (an admin's choice): a message goes by the first the patient can take."""
    actor.require(Role.ADMIN)
    rule = parse_rule([c.value if isinstance(c, Channel) else c for c in channels]
                      if not isinstance(channels, str) else channels)
    with uow.acting(actor, Role.ADMIN):
        before = uow.settings.get(FALLBACK_SETTING)
        if before != channel_list(rule):
            uow.settings.put(FALLBACK_SETTING, channel_list(rule))
            uow.audit.record(actor, "message_fallback_set", "clinic_setting", FALLBACK_SETTING,
                             before={"rule": before}, after={"rule": channel_list(rule)})
        uow.commit()
    return rule


# -- delivery status, on the background sender ----------------------------------------------------------------------


def poll_delivery(uow: UnitOfWork, checkers: Mapping[Channel, StatusChecker], *, now: datetime | None = None,
                  limit: int = STATUS_BATCH) -> int:
    """Ask the providers that can be asked how recent messages fared; each question backs off (1, 2, 4 … minutes)
    and stops at a final status or two days after sending. Returns how many statuses were recorded.

    The due messages are taken in one short transaction that already moves their next question back (so another
    desk skips them and a provider that never answers is asked less and less often); no transaction stays open
    while a provider is asked."""
    now = now or utcnow()
    if not checkers:
        return 0
    with uow:
        due = uow.channels.due_status_checks(now, list(checkers), limit)
        for entry in due:
            uow.channels.record_status(entry.id, entry.delivery_status or "sent", entry.delivery_error,
                                       _next_check(entry, now))
        uow.commit()
    recorded = 0
    for entry in due:
        try:
            answer = checkers[entry.channel].status(entry.provider_message_id or "")
        except SendError as error:
            log.info("status of outbox message %s not known yet: %s", entry.id, error.message)
            continue
        final = answer.status in FINAL_DELIVERY
        with uow:
            uow.channels.set_status(entry.id, answer.status, answer.error,
                                    None if final else _next_check(entry, now))
            uow.commit()
        recorded += 1
    return recorded


def _next_check(entry: OutboxEntry, now: datetime) -> datetime | None:
    if entry.sent_at is not None and now - entry.sent_at > STOP_CHECKING_AFTER:
        return None
    return now + next_status_check(entry.status_checks + 1)
