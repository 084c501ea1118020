"""Contact verification (the design's users.is_verified): a six-digit code by SMS or e-mail, through the outbox.

The code exists in clear only in the outbox row's payload until it is sent (the message must carry it); the
verification_codes table keeps a salted SHA-256. Valid 10 minutes, at most 5 tries; a new code closes older ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain import verification
from homa_desk.domain.errors import NotFound, ValidationError
from homa_desk.domain.notifications import Channel, NewMessage, Template, sms_number
from homa_desk.domain.roles import STAFF_ROLES, Actor
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import notifications

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CodeSent:
    code_id: int
    channel: Channel
    destination: str
    expires_at: datetime


def send_code(uow: UnitOfWork, actor: Actor, user_id: int, channel: Channel | str, *,
              now: datetime | None = None) -> CodeSent:
    """Queue a fresh code to the user's phone (SMS) or e-mail; staff start it for themselves or a patient."""
    actor.require(*STAFF_ROLES)
    try:
        channel = Channel(channel)
    except ValueError:
        raise ValidationError("channel", "Choose SMS or e-mail.") from None
    if channel in (Channel.TELEGRAM, Channel.WHATSAPP):  # WhatsApp codes need an authentication template
        raise ValidationError("channel", "Choose SMS or e-mail.")
    now = now or utcnow()
    code, salt = verification.new_code(), verification.new_salt()
    with uow:
        contact = uow.outbox.contact(user_id)
        if contact is None:
            raise NotFound("No such person.")
        destination = sms_number(contact.phone) if channel is Channel.SMS else contact.email
        if not destination:
            field = "phone" if channel is Channel.SMS else "email"
            raise ValidationError(field, "There is no mobile number to send a code to." if channel is Channel.SMS
                                  else "There is no e-mail address to send a code to.")
        uow.verification.close_open(user_id, now)
        expires_at = now + verification.CODE_VALIDITY
        code_id = uow.verification.add(user_id=user_id, channel=channel, destination=destination,
                                       code_hash=verification.hash_code(code, salt), salt=salt, expires_at=expires_at)
        payload = {"code": code, "clinic_name": uow.settings.get("clinic_name", "Homa Clinic")}
        notifications.queue_message(uow, NewMessage(channel, destination, Template.VERIFICATION, contact.language,
                                                    payload, f"verification:{code_id}", patient_id=user_id))
        uow.audit.record(actor, "verification_code_sent", "user", user_id, after={"channel": channel.value})
        uow.commit()
    log.info("verification code %s queued for user %s by %s", code_id, user_id, channel.value)
    return CodeSent(code_id, channel, destination, expires_at)


def check_code(uow: UnitOfWork, actor: Actor, user_id: int, code: str, *, now: datetime | None = None) -> bool:
    """True and users.is_verified set when the code is right; ValidationError("code", …) otherwise."""
    actor.require(*STAFF_ROLES)
    now = now or utcnow()
    with uow:
        found = uow.verification.latest_open(user_id)
        if found is None:
            raise ValidationError("code", "No code is waiting for this person. Send a new code.")
        if found.expires_at <= now:
            raise ValidationError("code", "The code has expired. Send a new code.")
        if found.attempts >= verification.MAX_TRIES:
            raise ValidationError("code", "Too many wrong codes. Send a new code.")
        uow.verification.count_try(found.id)
        if not verification.code_matches(code or "", found.salt, found.code_hash):
            left = verification.MAX_TRIES - found.attempts - 1
            uow.commit()  # the try counts even though the answer is no
            raise ValidationError("code", "That code is not right. {left} tries left." if left
                                  else "Too many wrong codes. Send a new code.", left=left)
        uow.verification.use(found.id, now)
        uow.verification.set_verified(user_id)
        uow.audit.record(actor, "contact_verified", "user", user_id, after={"channel": found.channel.value})
        uow.commit()
    return True
