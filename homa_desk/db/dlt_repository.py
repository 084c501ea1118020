"""The clinic's DLT registration: entity ID and header (clinic settings) and its content templates."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from homa_desk.db.models import ClinicSetting, OutboxMessage, SmsDltTemplate
from homa_desk.domain.dlt import DltTemplate
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


def _template(row: SmsDltTemplate) -> DltTemplate:
    return DltTemplate(Template(row.template), Language(row.language), row.dlt_template_id, row.body)
