"""A clinic's questionnaire mappings; every query is scoped by clinic."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from ketaclinic.adapters.db.assessments.tables_questionnaire_mappings import (
    questionnaire_mappings as t,
)
from ketaclinic.domain.assessments.questionnaire_mappings import QuestionnaireMapping, StoredMapping
from ketaclinic.domain.errors import Conflict


def _stored(m: Any) -> StoredMapping:
    content = json.loads(m["content"])
    mapping = QuestionnaireMapping(
        url=m["url"],
        instrument_id=m["instrument_id"],
        items={str(k): str(v) for k, v in content["items"].items()},
        answers={str(k): int(v) for k, v in content["answers"].items()},
        total_link_ids=tuple(content.get("total_link_ids", ())),
    )
    return StoredMapping(m["id"], m["clinic_id"], mapping, m["created_by"], m["created_at"])


class SqlQuestionnaireMappingRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self, clinic_id: int, mapping: QuestionnaireMapping, *, by: int, at: datetime
    ) -> StoredMapping:
        """Store ``mapping``; Conflict naming ``url`` when the clinic already maps that URL."""
        content = {
            "items": dict(mapping.items),
            "answers": dict(mapping.answers),
            "total_link_ids": list(mapping.total_link_ids),
        }
        values = {
            "clinic_id": clinic_id,
            "url": mapping.url,
            "instrument_id": mapping.instrument_id,
            "content": json.dumps(content, sort_keys=True),
            "created_by": by,
            "created_at": at,
        }
        try:
            with self._conn.begin_nested():
                key = self._conn.execute(insert(t).values(**values)).inserted_primary_key
        except IntegrityError:
            raise Conflict("this clinic already maps that Questionnaire URL", field="url") from None
        assert key is not None
        return StoredMapping(int(key[0]), clinic_id, mapping, by, at)

    def for_clinic(self, clinic_id: int) -> Sequence[StoredMapping]:
        query = select(t).where(t.c.clinic_id == clinic_id).order_by(t.c.id)
        return [_stored(m) for m in self._conn.execute(query).mappings()]

    def by_url(self, clinic_id: int, url: str) -> StoredMapping | None:
        query = select(t).where(t.c.clinic_id == clinic_id, t.c.url == url)
        row = self._conn.execute(query).mappings().first()
        return _stored(row) if row is not None else None
