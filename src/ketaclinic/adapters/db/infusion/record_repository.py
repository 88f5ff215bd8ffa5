"""The append-only clinical record of infusion sessions (check-in to discharge)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from ketaclinic.adapters.db.infusion.tables_records import session_records
from ketaclinic.services.infusion.ports import RecordKind, SessionRecord


def _record(m: Any) -> SessionRecord:
    return SessionRecord(
        id=m["id"],
        clinic_id=m["clinic_id"],
        session_id=m["session_id"],
        patient_id=m["patient_id"],
        kind=RecordKind(m["kind"]),
        payload=json.loads(m["payload"]),
        recorded_at=m["recorded_at"],
        recorded_by=m["recorded_by"],
    )


class SqlSessionRecordRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        clinic_id: int,
        session_id: int,
        patient_id: int,
        kind: RecordKind,
        payload: Mapping[str, Any],
        *,
        by: int,
        at: datetime,
    ) -> SessionRecord:
        text = json.dumps(dict(payload), sort_keys=True)
        new_id = self._conn.execute(
            insert(session_records)
            .values(clinic_id=clinic_id, session_id=session_id, patient_id=patient_id)
            .values(kind=kind.value, payload=text, recorded_at=at, recorded_by=by)
            .returning(session_records.c.id)
        ).scalar_one()
        return SessionRecord(
            new_id, clinic_id, session_id, patient_id, kind, json.loads(text), at, by
        )

    def for_session(self, clinic_id: int, session_id: int) -> Sequence[SessionRecord]:
        rows = self._conn.execute(
            select(session_records)
            .where(session_records.c.clinic_id == clinic_id)
            .where(session_records.c.session_id == session_id)
            .order_by(session_records.c.id)
        ).mappings()
        return [_record(m) for m in rows]
