"""The clinic's DLT registration: entity ID and header (clinic settings) and its content templates."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Integer, and_, case, cast, delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased

from homa_desk.db.models import Appointment, ClinicSetting, MessageConsent, OutboxMessage, SmsDltTemplate
from homa_desk.db.together import Later
from homa_desk.domain.dlt import DltTemplate, HeldSms
from homa_desk.domain.notifications import Channel, Language, OutboxStatus, Template

ENTITY_KEY = "dlt_entity_id"
HEADER_KEY = "dlt_header"

T = TypeVar("T")


class SmsDltRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def sender(self) -> tuple[str, str]:
        """The Principal Entity ID and the sender header ("" where not set)."""
        return self._now(self.sender_later())

    def sender_later(self) -> Later[tuple[str, str]]:
        def shape(rows: list[Any]) -> tuple[str, str]:
            found = {key: value for key, value in rows}
            return found.get(ENTITY_KEY) or "", found.get(HEADER_KEY) or ""

        return Later(select(ClinicSetting.key, ClinicSetting.value)
                     .where(ClinicSetting.key.in_([ENTITY_KEY, HEADER_KEY])), shape)

    def templates(self) -> list[DltTemplate]:
        return self._now(self.templates_later())

    def templates_later(self) -> Later[list[DltTemplate]]:
        columns = SmsDltTemplate.__table__.c
        return Later(select(columns.template, columns.language, columns.dlt_template_id, columns.body)
                     .order_by(columns.template, columns.language), lambda rows: [_template(r) for r in rows])

    def _now(self, read: Later[T]) -> T:
        return read.shape(list(self._session.execute(read.statement, read.params)))

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
        return self._now(self.not_set_up_counts_later())

    def not_set_up_counts_later(self) -> Later[dict[tuple[Template, Language], int]]:
        return Later(
            select(OutboxMessage.template, OutboxMessage.language, func.count())
            .where(OutboxMessage.status == OutboxStatus.NOT_SET_UP.value, OutboxMessage.channel == Channel.SMS.value)
            .group_by(OutboxMessage.template, OutboxMessage.language),
            lambda rows: {(Template(t), Language(lang)): n for t, lang, n in rows})

    def held_with_template(self, *, lock: bool = False) -> list[HeldSms]:
        """SMS held as "not set up" whose kind and language now have a template, with what decides whether they are
        still worth sending; `lock` takes them for this transaction (FOR UPDATE SKIP LOCKED: two admins deciding at
        once never both act on one message)."""
        return self._now(self.held_with_template_later(lock=lock))

    def held_with_template_later(self, *, lock: bool = False) -> Later[list[HeldSms]]:
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
        return Later(query, lambda rows: [HeldSms(row_id, Template(kind), starts, status == "cancelled", bool(other),
                                                  bool(no)) for row_id, kind, starts, status, other, no in rows])


def _template(row: Any) -> DltTemplate:
    return DltTemplate(Template(row.template), Language(row.language), row.dlt_template_id, row.body)
