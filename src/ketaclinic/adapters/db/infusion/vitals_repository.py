"""Vital readings, alarms, and the HL7 inbox (message receipts for dedup, dead letters)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from ketaclinic.adapters.db.infusion.tables import (
    alarms,
    hl7_dead_letters,
    hl7_messages,
    infusion_sessions,
    vital_readings,
)
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.infusion.alarms import Alarm
from ketaclinic.domain.infusion.records import AckAction, DeadLetter, StoredAlarm, StoredReading
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, ReadingStatus, VitalReading

DEAD_LETTER_PREFIX_BYTES = 2048  # enough to read MSH, PID and the first OBX rows


def _plain(value: Decimal) -> Decimal:
    """The stored value without trailing zeros and without an exponent (120, 36.8, 98.25)."""
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def _reading(m: Any) -> StoredReading:
    reading = VitalReading(
        parameter=Parameter(m["parameter"]),
        value=_plain(Decimal(str(m["value"]))),
        unit=m["unit"],
        at=m["observed_at"],
        source=ReadingSource(m["source"]),
        status=ReadingStatus(m["status"]),
        device_id=m["device_id"],
        mdc_code=m["mdc_code"],
    )
    return StoredReading(
        m["id"], m["session_id"], reading, m["received_at"], m["plausible"], m["rejected_reason"]
    )


class SqlReadingRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_many(
        self,
        clinic_id: int,
        session_id: int,
        patient_id: int,
        rows: Sequence[tuple[VitalReading, str | None]],
        *,
        received_at: datetime,
        message_id: int | None = None,
        entered_by: int | None = None,
    ) -> None:
        """Store each reading with its rejection reason (None = plausible)."""
        if not rows:
            return
        self._conn.execute(
            insert(vital_readings),
            [
                {
                    "clinic_id": clinic_id,
                    "session_id": session_id,
                    "patient_id": patient_id,
                    "parameter": r.parameter.value,
                    "value": r.value,
                    "unit": r.unit,
                    "observed_at": r.at,
                    "received_at": received_at,
                    "source": r.source.value,
                    "status": r.status.value,
                    "device_id": r.device_id,
                    "mdc_code": r.mdc_code,
                    "message_id": message_id,
                    "entered_by": entered_by,
                    "plausible": reason is None,
                    "rejected_reason": reason,
                }
                for r, reason in rows
            ],
        )

    def recent(
        self, clinic_id: int, session_id: int, *, since: datetime, limit: int = 500
    ) -> Sequence[StoredReading]:
        """Readings observed at or after ``since``, oldest first (at most ``limit``, newest)."""
        stmt = (
            select(vital_readings)
            .where(
                vital_readings.c.clinic_id == clinic_id,
                vital_readings.c.session_id == session_id,
                vital_readings.c.observed_at >= since,
            )
            .order_by(vital_readings.c.observed_at.desc(), vital_readings.c.id.desc())
            .limit(limit)
        )
        return [_reading(r._mapping) for r in reversed(list(self._conn.execute(stmt)))]

    def newest(
        self, clinic_id: int, session_id: int, parameter: str, *, limit: int
    ) -> list[VitalReading]:
        """The ``limit`` newest plausible readings of one parameter, oldest first."""
        columns = (
            vital_readings.c.parameter,
            vital_readings.c.value,
            vital_readings.c.unit,
            vital_readings.c.observed_at,
            vital_readings.c.source,
            vital_readings.c.status,
            vital_readings.c.device_id,
            vital_readings.c.mdc_code,
        )
        stmt = (
            select(*columns)
            .where(
                vital_readings.c.clinic_id == clinic_id,
                vital_readings.c.session_id == session_id,
                vital_readings.c.parameter == parameter,
                vital_readings.c.plausible.is_(True),
            )
            .order_by(vital_readings.c.observed_at.desc(), vital_readings.c.id.desc())
            .limit(limit)
        )
        return [
            VitalReading(
                Parameter(r.parameter),
                _plain(Decimal(str(r.value))),
                r.unit,
                r.observed_at,
                ReadingSource(r.source),
                ReadingStatus(r.status),
                r.device_id,
                r.mdc_code,
            )
            for r in reversed(list(self._conn.execute(stmt)))
        ]

    def add_batches(
        self,
        clinic_id: int,
        batches: Sequence[tuple[int, int, Sequence[tuple[VitalReading, str | None]], int | None]],
        *,
        received_at: datetime,
    ) -> None:
        """:meth:`add_many` for many messages in one statement: (session, patient, readings with
        their rejection reason, message id) each."""
        params = [
            {
                "clinic_id": clinic_id,
                "session_id": session_id,
                "patient_id": patient_id,
                "parameter": r.parameter.value,
                "value": r.value,
                "unit": r.unit,
                "observed_at": r.at,
                "received_at": received_at,
                "source": r.source.value,
                "status": r.status.value,
                "device_id": r.device_id,
                "mdc_code": r.mdc_code,
                "message_id": message_id,
                "entered_by": None,
                "plausible": reason is None,
                "rejected_reason": reason,
            }
            for session_id, patient_id, rows, message_id in batches
            for r, reason in rows
        ]
        if params:
            self._conn.execute(insert(vital_readings), params)

    def newest_many(
        self, clinic_id: int, session_ids: Sequence[int], parameters: Sequence[str], *, limit: int
    ) -> dict[tuple[int, str], list[VitalReading]]:
        """:meth:`newest` for many sessions and parameters. Each (session, parameter) reads
        only its ``limit`` newest rows through the (session, time) index, however long the
        session: on PostgreSQL in one statement (a LATERAL join), elsewhere one small query
        each."""
        if not session_ids or not parameters:
            return {}
        if self._conn.dialect.name != "postgresql":
            return {
                (session_id, parameter): rows
                for session_id in session_ids
                for parameter in parameters
                if (rows := self.newest(clinic_id, session_id, parameter, limit=limit))
            }
        stmt = text(
            "SELECT s.sid AS session_id, p.param AS parameter, r.value, r.unit, r.observed_at,"
            " r.source, r.status, r.device_id, r.mdc_code"
            " FROM unnest(CAST(:sids AS integer[])) AS s(sid)"
            " CROSS JOIN unnest(CAST(:params AS varchar[])) AS p(param)"
            " CROSS JOIN LATERAL (SELECT v.value, v.unit, v.observed_at, v.source, v.status,"
            " v.device_id, v.mdc_code, v.id FROM vital_readings v"
            " WHERE v.clinic_id = :clinic AND v.session_id = s.sid AND v.parameter = p.param"
            " AND v.plausible ORDER BY v.observed_at DESC, v.id DESC LIMIT :lim) AS r"
            " ORDER BY s.sid, p.param, r.observed_at, r.id"
        )
        found: dict[tuple[int, str], list[VitalReading]] = {}
        params = {
            "sids": list(session_ids),
            "params": list(parameters),
            "clinic": clinic_id,
            "lim": limit,
        }
        for r in self._conn.execute(stmt, params):
            found.setdefault((r.session_id, r.parameter), []).append(
                VitalReading(
                    Parameter(r.parameter),
                    _plain(Decimal(str(r.value))),
                    r.unit,
                    r.observed_at.astimezone(UTC),
                    ReadingSource(r.source),
                    ReadingStatus(r.status),
                    r.device_id,
                    r.mdc_code,
                )
            )
        return found

    def for_session(self, clinic_id: int, session_id: int) -> Sequence[StoredReading]:
        stmt = (
            select(vital_readings)
            .where(
                vital_readings.c.clinic_id == clinic_id, vital_readings.c.session_id == session_id
            )
            .order_by(vital_readings.c.observed_at, vital_readings.c.id)
        )
        return [_reading(r._mapping) for r in self._conn.execute(stmt)]

    def latest(self, clinic_id: int, session_id: int, *, limit: int) -> Sequence[StoredReading]:
        stmt = (
            select(vital_readings)
            .where(
                vital_readings.c.clinic_id == clinic_id, vital_readings.c.session_id == session_id
            )
            .order_by(vital_readings.c.id.desc())
            .limit(limit)
        )
        return [_reading(r._mapping) for r in reversed(list(self._conn.execute(stmt)))]


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
        stmt = (
            select(alarms)
            .where(alarms.c.clinic_id == clinic_id, alarms.c.session_id.in_(list(session_ids)))
            .order_by(alarms.c.id)
        )
        for r in self._conn.execute(stmt):
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


def _dead_letter(m: Any) -> DeadLetter:
    return DeadLetter(
        m["id"],
        m["clinic_id"],
        m["received_at"],
        m["kind"],
        m["ack_code"],
        m["error_code"],
        m["reason"],
        m["control_id"],
        m["payload_bytes"],
    )


class SqlHl7Inbox:
    """Receipts of accepted monitor messages (for dedup) and the dead-letter store."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def lock_session(self, clinic_id: int, session_id: int) -> None:
        """Serialise ingest per session (row lock on PostgreSQL; SQLite writes are serial)."""
        self._conn.execute(
            select(infusion_sessions.c.id)
            .where(infusion_sessions.c.clinic_id == clinic_id, infusion_sessions.c.id == session_id)
            .with_for_update()
        )

    def lock_sessions(self, clinic_id: int, session_ids: Sequence[int]) -> None:
        """:meth:`lock_session` for many sessions, in id order (no deadlock between writers)."""
        if session_ids:
            self._conn.execute(
                select(infusion_sessions.c.id)
                .where(
                    infusion_sessions.c.clinic_id == clinic_id,
                    infusion_sessions.c.id.in_(sorted(session_ids)),
                )
                .order_by(infusion_sessions.c.id)
                .with_for_update()
            )

    def seen_many(
        self, clinic_id: int, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[str, str]]:
        """:meth:`seen` for many (sender, MSH-10) pairs in one query."""
        if not keys:
            return {}
        wanted = set(keys)
        stmt = select(
            hl7_messages.c.sender,
            hl7_messages.c.control_id,
            hl7_messages.c.ack_code,
            hl7_messages.c.digest,
        ).where(
            hl7_messages.c.clinic_id == clinic_id,
            hl7_messages.c.control_id.in_(sorted({c for _s, c in wanted})),
        )
        return {
            (r.sender, r.control_id): (str(r.ack_code), str(r.digest))
            for r in self._conn.execute(stmt)
            if (r.sender, r.control_id) in wanted
        }

    def seen(self, clinic_id: int, sender: str, control_id: str) -> tuple[str, str] | None:
        """The ACK code sent for this sender's MSH-10 before and the digest of that message."""
        row = self._conn.execute(
            select(hl7_messages.c.ack_code, hl7_messages.c.digest).where(
                hl7_messages.c.clinic_id == clinic_id,
                hl7_messages.c.sender == sender,
                hl7_messages.c.control_id == control_id,
            )
        ).first()
        return (str(row.ack_code), str(row.digest)) if row else None

    def record(
        self,
        clinic_id: int,
        *,
        sender: str,
        control_id: str,
        digest: str,
        at: datetime,
        outcome: str,
        ack_code: str,
        session_id: int | None,
        readings: int,
    ) -> int:
        """Keep the receipt; the same message (sender, control id, digest) twice is a Conflict."""
        stmt = (
            insert(hl7_messages)
            .values(clinic_id=clinic_id, sender=sender, control_id=control_id, digest=digest)
            .values(received_at=at, outcome=outcome, ack_code=ack_code)
            .values(session_id=session_id, readings=readings)
            .returning(hl7_messages.c.id)
        )
        try:
            with self._conn.begin_nested():
                return int(self._conn.execute(stmt).scalar_one())
        except IntegrityError as exc:
            raise Conflict("this monitor message was received before", field="control_id") from exc

    def record_many(self, clinic_id: int, receipts: Sequence[dict[str, object]]) -> list[int]:
        """:meth:`record` for many messages in one statement; ids in the order given."""
        if not receipts:
            return []
        rows = [{**r, "clinic_id": clinic_id} for r in receipts]
        stmt = insert(hl7_messages).returning(hl7_messages.c.id, sort_by_parameter_order=True)
        return [int(i) for i in self._conn.execute(stmt, rows).scalars()]

    def dead_letter(
        self,
        clinic_id: int,
        *,
        kind: str,
        ack_code: str,
        error_code: str,
        reason: str,
        control_id: str | None,
        payload: bytes,
        at: datetime,
        total_bytes: int | None = None,
        digest: str | None = None,
    ) -> int:
        """Keep the reason, a bounded prefix of the bytes and the SHA-256 of the whole message
        (``total_bytes``/``digest`` when the caller kept only a prefix itself)."""
        digest = digest or hashlib.sha256(payload).hexdigest()
        size = len(payload) if total_bytes is None else total_bytes
        return int(
            self._conn.execute(
                insert(hl7_dead_letters)
                .values(clinic_id=clinic_id, kind=kind, ack_code=ack_code, error_code=error_code)
                .values(reason=reason[:2000], control_id=(control_id or None) and control_id[:200])
                .values(payload=payload[:DEAD_LETTER_PREFIX_BYTES], payload_bytes=size)
                .values(payload_sha256=digest, received_at=at)
                .returning(hl7_dead_letters.c.id)
            ).scalar_one()
        )

    def dead_letters(self, clinic_id: int, *, limit: int = 100) -> Sequence[DeadLetter]:
        stmt = (
            select(hl7_dead_letters)
            .where(hl7_dead_letters.c.clinic_id == clinic_id)
            .order_by(hl7_dead_letters.c.id.desc())
            .limit(limit)
        )
        return [_dead_letter(r._mapping) for r in self._conn.execute(stmt)]

    def message_count(self, clinic_id: int) -> int:
        stmt = select(func.count()).select_from(hl7_messages)
        return int(
            self._conn.execute(stmt.where(hl7_messages.c.clinic_id == clinic_id)).scalar_one()
        )
