"""The clinic's DLT registration: entity ID and header (clinic settings) and its content templates."""

from __future__ import annotations

from sqlalchemy import Integer, and_, case, cast, delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased

from homa_desk.db.models import Appointment, ClinicSetting, MessageConsent, OutboxMessage, SmsDltTemplate
from homa_desk.domain.dlt import DltTemplate, HeldSms
from homa_desk.domain.notifications import Channel, Language, OutboxStatus, Template

ENTITY_KEY = "dlt_entity_id"
HEADER_KEY = "dlt_header"


class SmsDltRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def sender(self) -> tuple[str, str]:
        """The Principal Entity ID and the sender header ("" where not set)."""
        rows = dict(self._session.execute(select(ClinicSetting.key, ClinicSetting.value)
                                          .where(ClinicSetting.key.in_([ENTITY_KEY, HEADER_KEY]))).all())
        return rows.get(ENTITY_KEY) or "", rows.get(HEADER_KEY) or ""

    def templates(self) -> list[DltTemplate]:
        rows = self._session.execute(select(SmsDltTemplate).order_by(SmsDltTemplate.template,
                                                                     SmsDltTemplate.language)).scalars()
        return [_template(row) for row in rows]

    def template(self, kind: Template, language: Language) -> DltTemplate | None:
        row = self._session.get(SmsDltTemplate, (kind.value, language.value))
        return _template(row) if row is not None else None

    def put(self, template: DltTemplate) -> None:
        values = {"dlt_template_id": template.template_id, "body": template.text, "updated_at": func.now()}
        self._session.execute(insert(SmsDltTemplate).values(template=template.kind.value,
                                                            language=template.language.value, **values)
                              .on_conflict_do_update(index_elements=["template", "language"], set_=values))

    def remove(self, kind: Template, language: Language) -> None:
        self._session.execute(delete(SmsDltTemplate).where(SmsDltTemplate.template == kind.value,
                                                           SmsDltTemplate.language == language.value))

    def not_set_up_counts(self) -> dict[tuple[Template, Language], int]:
        """SMS the outbox held back as "not set up", per kind and language."""
        rows = self._session.execute(
            select(OutboxMessage.template, OutboxMessage.language, func.count())
            .where(OutboxMessage.status == OutboxStatus.NOT_SET_UP.value, OutboxMessage.channel == Channel.SMS.value)
            .group_by(OutboxMessage.template, OutboxMessage.language))
        return {(Template(t), Language(lang)): n for t, lang, n in rows}

    def held_with_template(self, *, lock: bool = False) -> list[HeldSms]:
        """SMS held as "not set up" whose kind and language now have a template, with what decides whether they are
        still worth sending; `lock` takes them for this transaction (FOR UPDATE SKIP LOCKED: two admins deciding at
        once never both act on one message)."""
        live = aliased(OutboxMessage)
        key = OutboxMessage.idempotency_key
        appointment_id = case((key.like("appointment:%"), cast(func.split_part(key, ":", 2), Integer)))
        went_otherwise = exists().where(live.message_key == OutboxMessage.message_key, live.id != OutboxMessage.id,
                                        live.status.notin_([OutboxStatus.FAILED.value, OutboxStatus.NOT_SET_UP.value]))
        opted_out = exists().where(MessageConsent.patient_id == OutboxMessage.patient_id,
                                   MessageConsent.channel == Channel.SMS.value, MessageConsent.granted.is_(False))
        query = (select(OutboxMessage.id, OutboxMessage.template, Appointment.appointment_date, Appointment.status,
                        went_otherwise, opted_out)
                 .join(SmsDltTemplate, and_(SmsDltTemplate.template == OutboxMessage.template,
                                            SmsDltTemplate.language == OutboxMessage.language))
                 .outerjoin(Appointment, Appointment.id == appointment_id)
                 .where(OutboxMessage.status == OutboxStatus.NOT_SET_UP.value,
                        OutboxMessage.channel == Channel.SMS.value)
                 .order_by(OutboxMessage.id))
        if lock:
            query = query.with_for_update(of=OutboxMessage, skip_locked=True)
        return [HeldSms(row_id, Template(kind), starts, status == "cancelled", bool(other), bool(no))
                for row_id, kind, starts, status, other, no in self._session.execute(query)]


def _template(row: SmsDltTemplate) -> DltTemplate:
    return DltTemplate(Template(row.template), Language(row.language), row.dlt_template_id, row.body)
