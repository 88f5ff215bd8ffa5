"""Alarms: raised once per rule and session until acknowledged, repeated while waiting, cleared
and acknowledged with the action taken.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from ketaclinic.adapters.db.infusion.tables import alarms
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.infusion.alarms import Alarm
from ketaclinic.domain.infusion.records import AckAction, StoredAlarm

# built once (each listener batch runs it): only the values are bound per call
_FOR_SESSIONS = (
    select(alarms)
    .where(
        alarms.c.clinic_id == bindparam("clinic_id"),
        alarms.c.session_id.in_(bindparam("session_ids", expanding=True)),
    )
    .order_by(alarms.c.id)
)


def _alarm(m: Any) -> StoredAlarm:
    triggering = tuple(
        (p, Decimal(v), datetime.fromisoformat(at)) for p, v, at in json.loads(m["triggering"])
    )
    return StoredAlarm(
        id=m["id"],
        clinic_id=m["clinic_id"],
        session_id=m["session_id"],
        patient_id=m["patient_id"],
        rule_id=m["rule_id"],
        dedup_key=m["dedup_key"],
        parameter=m["parameter"],
        severity=m["severity"],
        action=m["action"],
        message=m["message"],
        source=m["source"],
        needs_signoff=m["needs_signoff"],
        triggering=triggering,
        raised_at=m["raised_at"],
        cleared_at=m["cleared_at"],
        cleared_message=m["cleared_message"],
        acknowledged_at=m["acknowledged_at"],
        acknowledged_by=m["acknowledged_by"],
        ack_action=AckAction(m["ack_action"]) if m["ack_action"] else None,
        ack_note=m["ack_note"],
        resolution=m["resolution"],
        repeat_count=m["repeat_count"],
        last_raised_at=m["last_raised_at"],
    )


class SqlAlarmRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, clinic_id: int, session_id: int, patient_id: int, alarm: Alarm) -> StoredAlarm:
        """Raise an alarm; one already active for the session and dedup key is a Conflict."""
        triggering = [[r.parameter.value, str(r.value), r.at.isoformat()] for r in alarm.triggering]
        stmt = (
            insert(alarms)
            .values(clinic_id=clinic_id, session_id=session_id, patient_id=patient_id)
            .values(rule_id=alarm.rule_id, dedup_key=alarm.dedup_key, parameter=alarm.parameter)
            .values(severity=alarm.severity.value, action=alarm.action.value)
            .values(message=alarm.message, source=alarm.source, needs_signoff=alarm.needs_signoff)
            .values(triggering=json.dumps(triggering), raised_at=alarm.raised_at)
            .returning(alarms.c.id)
        )
        try:
            with self._conn.begin_nested():
                new_id = self._conn.execute(stmt).scalar_one()
        except IntegrityError as exc:
            raise Conflict(
                "this alarm is already raised for the session", field="dedup_key"
            ) from exc
        found = self.get(clinic_id, new_id)
        assert found is not None
        return found

    def repeat(self, stored: StoredAlarm, alarm: Alarm) -> StoredAlarm:
        """The same rule fired again before anyone acknowledged ``stored``: count it, keep the
        latest values and message, and make it active again (no second alarm row)."""
        triggering = [[r.parameter.value, str(r.value), r.at.isoformat()] for r in alarm.triggering]
        self._conn.execute(
            update(alarms)
            .where(alarms.c.clinic_id == stored.clinic_id, alarms.c.id == stored.id)
            .values(repeat_count=alarms.c.repeat_count + 1, last_raised_at=alarm.raised_at)
            .values(triggering=json.dumps(triggering), message=alarm.message)
            .values(cleared_at=None, cleared_message=None)
        )
        found = self.get(stored.clinic_id, stored.id)
        assert found is not None
        return found

    def get(self, clinic_id: int, alarm_id: int) -> StoredAlarm | None:
        row = self._conn.execute(
            select(alarms).where(alarms.c.clinic_id == clinic_id, alarms.c.id == alarm_id)
        ).first()
        return _alarm(row._mapping) if row else None

    def for_session(self, clinic_id: int, session_id: int) -> Sequence[StoredAlarm]:
        stmt = (
            select(alarms)
            .where(alarms.c.clinic_id == clinic_id, alarms.c.session_id == session_id)
            .order_by(alarms.c.id)
        )
        return [_alarm(r._mapping) for r in self._conn.execute(stmt)]

    def for_sessions(
        self, clinic_id: int, session_ids: Sequence[int]
    ) -> dict[int, list[StoredAlarm]]:
        """:meth:`for_session` for many sessions in one query."""
        found: dict[int, list[StoredAlarm]] = {i: [] for i in session_ids}
        if not session_ids:
            return found
        params = {"clinic_id": clinic_id, "session_ids": list(session_ids)}
        for r in self._conn.execute(_FOR_SESSIONS, params):
            found[r.session_id].append(_alarm(r._mapping))
        return found

    def clear(
        self, clinic_id: int, session_id: int, dedup_key: str, *, at: datetime, message: str
    ) -> StoredAlarm | None:
        row = self._conn.execute(
            update(alarms)
            .where(alarms.c.clinic_id == clinic_id, alarms.c.session_id == session_id)
            .where(alarms.c.dedup_key == dedup_key, alarms.c.cleared_at.is_(None))
            .values(cleared_at=at, cleared_message=message)
            .returning(alarms.c.id)
        ).first()
        return self.get(clinic_id, row.id) if row else None

    def acknowledge(
        self,
        alarm: StoredAlarm,
        *,
        by: int,
        at: datetime,
        action: AckAction,
        note: str,
        resolution: str,
    ) -> StoredAlarm:
        self._conn.execute(
            update(alarms)
            .where(alarms.c.clinic_id == alarm.clinic_id, alarms.c.id == alarm.id)
            .values(acknowledged_at=at, acknowledged_by=by, ack_action=action.value)
            .values(ack_note=note, resolution=resolution)
        )
        found = self.get(alarm.clinic_id, alarm.id)
        assert found is not None
        return found
