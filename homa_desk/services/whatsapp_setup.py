"""Settings → WhatsApp: the clinic's WhatsApp Business phone number id and access token, and the fallback rule.

The phone number id goes to this desk's settings file, the access token to the OS keyring (never the file, never a
log), and the clinic's fallback rule to the database, where every desk reads it (audited).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from homa_desk.config import Settings
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.errors import FormErrors, ValidationError
from homa_desk.domain.message_routing import parse_rule
from homa_desk.domain.notifications import Channel
from homa_desk.domain.roles import Actor, Role
from homa_desk.gateways.messaging import WHATSAPP_TOKEN
from homa_desk.secret_store import SecretStoreUnavailable, get_secret, set_secret
from homa_desk.services.message_channels import clinic_rule, set_fallback_rule

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WhatsAppSetup:
    phone_number_id: str
    token_stored: bool
    rule: tuple[Channel, ...]


def load_whatsapp(uow: UnitOfWork, actor: Actor, settings: Settings) -> WhatsAppSetup:
    with uow.reading(actor, Role.ADMIN):
        rule = clinic_rule(uow)
    try:
        stored = bool(get_secret(WHATSAPP_TOKEN))
    except SecretStoreUnavailable:
        stored = False
    return WhatsAppSetup(settings.whatsapp_phone_number_id, stored, rule)


def _pasted_token(value: str) -> str:
    """The token as pasted: Meta's pages and curl examples show it as "Authorization: Bearer EAAG…"; the desk adds
    the scheme itself, so a copied "Bearer " (or the whole header) is dropped rather than sent twice."""
    token = (value or "").strip()
    if token.lower().startswith("authorization:"):
        token = token[len("authorization:"):].strip()
    if token.lower().startswith("bearer "):
        token = token[len("bearer "):].strip()
    return token


def save_whatsapp(uow: UnitOfWork, actor: Actor, phone_number_id: str, access_token: str, rule: str, *,
                  path: Path | None = None) -> WhatsAppSetup:
    """Check every field, then store the token (blank keeps the stored one), the id and the clinic's rule."""
    actor.require(Role.ADMIN)
    number_id = "".join((phone_number_id or "").split())
    token = _pasted_token(access_token)
    errors: list[ValidationError] = []
    if number_id and not (number_id.isascii() and number_id.isdigit() and 5 <= len(number_id) <= 30):
        errors.append(ValidationError("whatsapp_phone_number_id",
                                      "Paste the Phone number ID from WhatsApp Manager (digits only)."))
    if token and (len(token) < 20 or any(c.isspace() for c in token)):
        errors.append(ValidationError("whatsapp_access_token", "Paste the whole access token (one line)."))
    try:
        parsed = parse_rule(rule)
    except ValidationError as error:
        errors.append(ValidationError("fallback", error.message))
        parsed = ()
    if number_id and not token:
        try:
            has_token = bool(get_secret(WHATSAPP_TOKEN))
        except SecretStoreUnavailable:
            has_token = False
        if not has_token:
            errors.append(ValidationError("whatsapp_access_token", "Paste the access token."))
    if errors:
        raise FormErrors(errors)
    set_fallback_rule(uow, actor, list(parsed))
    if token:
        set_secret(WHATSAPP_TOKEN, token)
    settings = Settings.load(path)
    settings.whatsapp_phone_number_id = number_id
    settings.save(path)
    log.info("WhatsApp settings saved by user %s", actor.user_id)
    return load_whatsapp(uow, actor, settings)
