"""Settings → Messages (the clinic's DLT registration) and the rule the outbox applies to every SMS to India.

An SMS to an Indian number goes only as the clinic's registered template for its kind and language, filled in
order; with no template (or no entity ID and header) it is held back as "not set up", and a filled text that could
not match is refused before any provider call. SMS to numbers abroad are not under DLT and keep the desk's text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.dlt import (
    HELD_LEFT,
    HELD_WENT_OTHERWISE,
    KIND_LABELS,
    KINDS,
    NOT_SET_UP,
    DltRoute,
    DltTemplate,
    HeldSms,
    NotSetUp,
    check_entity_id,
    check_header,
    check_template,
    fill_for,
    why_not_send_held,
)
from homa_desk.domain.errors import FormErrors, ValidationError
from homa_desk.domain.notifications import Language, OutboxEntry, Template
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.sms_segments import Encoding
from homa_desk.domain.timeutil import utcnow

INDIA = "+91"
Key = tuple[Template, Language]


@dataclass(frozen=True)
class DltSetup:
    entity_id: str
    header: str
    templates: dict[Key, DltTemplate]
    not_set_up: dict[Key, int]  # SMS held back for want of a template, per kind and language
    sendable: int = 0  # of those, the ones whose template is in now and that are still worth sending


@dataclass
class DltForm:
    """What the admin typed: blank template id and text = no template for that kind and language."""

    entity_id: str = ""
    header: str = ""
    templates: dict[Key, tuple[str, str]] = field(default_factory=dict)  # (DLT template id, registered text)


def id_field(kind: Template, language: Language) -> str:
    return f"template_id:{kind.value}:{language.value}"


def text_field(kind: Template, language: Language) -> str:
    return f"text:{kind.value}:{language.value}"


def load_dlt_setup(uow: UnitOfWork, actor: Actor) -> DltSetup:
    """The Messages tab in one round trip (the held SMS are read whether or not the sender is set up)."""
    with uow.reading(actor, Role.ADMIN):
        (entity_id, header), templates, held, waiting = uow.together(
            uow.sms_dlt.sender_later(), uow.sms_dlt.templates_later(), uow.sms_dlt.not_set_up_counts_later(),
            uow.sms_dlt.held_with_template_later())
    sendable = _sendable(waiting, utcnow())[0] if entity_id and header else []
    return DltSetup(entity_id, header, {(t.kind, t.language): t for t in templates}, held, len(sendable))


def save_dlt_setup(uow: UnitOfWork, actor: Actor, form: DltForm) -> DltSetup:
    """Check every field at once, then store the registration (audited, before and after)."""
    actor.require(Role.ADMIN)
    entity_id, header, templates = _validated(form)
    with uow:
        before = _snapshot(*uow.sms_dlt.sender(), {(t.kind, t.language): t for t in uow.sms_dlt.templates()})
        uow.settings.put("dlt_entity_id", entity_id)
        uow.settings.put("dlt_header", header)
        for kind in KINDS:
            for language in Language:
                template = templates.get((kind, language))
                if template is None:
                    uow.sms_dlt.remove(kind, language)
                else:
                    uow.sms_dlt.put(template)
        after = _snapshot(entity_id, header, templates)
        if before != after:
            uow.audit.record(actor, "sms_dlt_changed", "clinic_settings", "dlt", before=before, after=after)
        uow.commit()
    return load_dlt_setup(uow, actor)


def send_held_messages(uow: UnitOfWork, actor: Actor) -> int:
    """An admin sends the SMS held for want of the templates now saved: those still worth sending go to the outbox
    again; a verification code, a message about an appointment that has begun or was cancelled, and one that went by
    another channel are closed with their reason instead. Audited; a second call finds nothing left."""
    return _decide_held(uow, actor, send=True)


def leave_held_messages(uow: UnitOfWork, actor: Actor) -> int:
    """An admin leaves the held SMS unsent: each is closed with the reason, so none is offered again. Audited."""
    return _decide_held(uow, actor, send=False)


def _decide_held(uow: UnitOfWork, actor: Actor, *, send: bool) -> int:
    actor.require(Role.ADMIN)
    with uow.acting(actor, Role.ADMIN):
        entity_id, header = uow.sms_dlt.sender()
        if not entity_id or not header:
            return 0
        now = utcnow()
        sendable, closed = _sorted_held(uow, now, lock=True)
        queued = [i for i in sendable if uow.outbox.retry_failed(i, now)] if send else []
        for message_id in sendable:
            if message_id not in queued:
                uow.outbox.mark_failed(message_id, HELD_WENT_OTHERWISE if send else HELD_LEFT)
        for message_id, reason in closed.items():
            uow.outbox.mark_failed(message_id, reason)
        if sendable or closed:
            uow.audit.record(actor, "held_sms_sent" if send else "held_sms_left", "outbox_message", "dlt",
                             after={"queued": queued, "left": [i for i in sendable if i not in queued],
                                    "closed": sorted(closed)})
        uow.commit()
    return len(queued) if send else len(sendable)


def _sorted_held(uow: UnitOfWork, now: datetime, *, lock: bool = False) -> tuple[list[int], dict[int, str]]:
    """The held SMS whose template is in: those still worth sending, and the others with why not."""
    return _sendable(uow.sms_dlt.held_with_template(lock=lock), now)


def _sendable(waiting: list[HeldSms], now: datetime) -> tuple[list[int], dict[int, str]]:
    sendable: list[int] = []
    closed: dict[int, str] = {}
    for held in waiting:
        reason = why_not_send_held(held, now)
        if reason is None:
            sendable.append(held.id)
        else:
            closed[held.id] = reason
    return sendable, closed


def under_dlt(uow: UnitOfWork, entry: OutboxEntry) -> tuple[str, DltRoute] | None:
    """The text and DLT route for an SMS to India; None for a number abroad; NotSetUp or TextRefused otherwise."""
    if not entry.recipient.startswith(INDIA):
        return None
    with uow.reading(None):
        entity_id, header = uow.sms_dlt.sender()
        template = uow.sms_dlt.template(entry.template, entry.language)
    if template is None or not entity_id or not header:
        what = KIND_LABELS.get(entry.template, entry.template.value).lower()
        raise NotSetUp(NOT_SET_UP, kind=what, language=entry.language.label)
    text = fill_for(template, entry.payload)
    return text, DltRoute(entity_id, template.template_id, header, template.encoding is Encoding.UCS2)


def _validated(form: DltForm) -> tuple[str, str, dict[Key, DltTemplate]]:
    errors: list[ValidationError] = []
    entity_id = header = ""
    try:
        entity_id = check_entity_id(form.entity_id)
    except ValidationError as error:
        errors.append(error)
    try:
        header = check_header(form.header)
    except ValidationError as error:
        errors.append(error)
    templates: dict[Key, DltTemplate] = {}
    for (kind, language), (template_id, text) in form.templates.items():
        try:
            template = check_template(kind, language, template_id, text, id_field=id_field(kind, language),
                                      text_field=text_field(kind, language))
        except ValidationError as error:
            errors.append(error)
            continue
        if template is not None:
            templates[(kind, language)] = template
    if templates and not entity_id:
        errors.append(ValidationError("dlt_entity_id", "Enter the Principal Entity ID the templates belong to."))
    if templates and not header:
        errors.append(ValidationError("dlt_header", "Enter the sender header the templates are linked to."))
    if errors:
        raise FormErrors(errors)
    return entity_id, header, templates


def _snapshot(entity_id: str, header: str, templates: dict[Key, DltTemplate]) -> dict[str, object]:
    return {"entity_id": entity_id, "header": header,
            "templates": {f"{k.value}:{lang.value}": [t.template_id, t.text]
                          for (k, lang), t in sorted(templates.items())}}
