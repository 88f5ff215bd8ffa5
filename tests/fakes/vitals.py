"""Vital readings, alarms and the HL7 inbox in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.infusion.alarms import Alarm
from ketaclinic.domain.infusion.records import AckAction, DeadLetter, StoredAlarm, StoredReading
from ketaclinic.domain.infusion.vitals import VitalReading
from tests.fakes.tables import Tables

MILLI = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class ReadingRow:
    clinic_id: int
    patient_id: int
    stored: StoredReading


@dataclass(frozen=True, slots=True)
class MessageRow:
    clinic_id: int
    sender: str
    control_id: str
    digest: str
    ack_code: str


@dataclass
class VitalsTables(Tables):
    readings: dict[int, ReadingRow] = field(default_factory=dict)
    alarms: dict[int, StoredAlarm] = field(default_factory=dict)
    messages: dict[int, MessageRow] = field(default_factory=dict)
    dead_letters: dict[int, DeadLetter] = field(default_factory=dict)
    reading_versions: dict[int, int] = field(default_factory=dict)  # session -> writes counted


def stored_value(value: Decimal) -> Decimal:
    """What the database column (3 decimals) gives back: 120, 36.8, 98.25."""
    value = value.quantize(MILLI)
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


class InMemoryReadingRepository:
    def __init__(self, tables: VitalsTables) -> None:
        self._t = tables

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
        if rows:
            self._bump([session_id])
        self._insert(clinic_id, session_id, patient_id, rows, received_at)

    def _bump(self, session_ids: Sequence[int]) -> None:
        for session_id in set(session_ids):
            self._t.reading_versions[session_id] = self._t.reading_versions.get(session_id, 0) + 1

    def _insert(
        self,
        clinic_id: int,
        session_id: int,
        patient_id: int,
        rows: Sequence[tuple[VitalReading, str | None]],
        received_at: datetime,
    ) -> None:
        for reading, reason in rows:
            new_id = self._t.next_id("readings")
            kept = replace(reading, value=stored_value(reading.value))
            stored = StoredReading(new_id, session_id, kept, received_at, reason is None, reason)
            self._t.readings[new_id] = ReadingRow(clinic_id, patient_id, stored)

    def add_batches(
        self,
        clinic_id: int,
        batches: Sequence[tuple[int, int, Sequence[tuple[VitalReading, str | None]], int | None]],
        *,
        received_at: datetime,
    ) -> None:
        self._bump([session_id for session_id, _p, _r, _m in batches])
        for session_id, patient_id, rows, _message_id in batches:
            self._insert(clinic_id, session_id, patient_id, rows, received_at)

    def newest_many(
        self, clinic_id: int, session_ids: Sequence[int], parameters: Sequence[str], *, limit: int
    ) -> dict[tuple[int, str], list[VitalReading]]:
        return {
            (session_id, parameter): self.newest(clinic_id, session_id, parameter, limit=limit)
            for session_id in session_ids
            for parameter in parameters
        }

    def _of(self, clinic_id: int, session_id: int) -> list[StoredReading]:
        return [
            r.stored
            for _, r in sorted(self._t.readings.items())
            if r.clinic_id == clinic_id and r.stored.session_id == session_id
        ]

    def recent(
        self, clinic_id: int, session_id: int, *, since: datetime, limit: int = 500
    ) -> Sequence[StoredReading]:
        """Readings observed at or after ``since``, oldest first (at most ``limit``, newest)."""
        found = [r for r in self._of(clinic_id, session_id) if r.reading.at >= since]
        newest = sorted(found, key=lambda r: (r.reading.at, r.id), reverse=True)[:limit]
        return newest[::-1]

    def newest(
        self, clinic_id: int, session_id: int, parameter: str, *, limit: int
    ) -> list[VitalReading]:
        """The ``limit`` newest plausible readings of one parameter, oldest first."""
        found = [
            r
            for r in self._of(clinic_id, session_id)
            if r.plausible and r.reading.parameter.value == parameter
        ]
        newest = sorted(found, key=lambda r: (r.reading.at, r.id), reverse=True)[:limit]
        return [r.reading for r in newest[::-1]]

    def for_session(self, clinic_id: int, session_id: int) -> Sequence[StoredReading]:
        return sorted(self._of(clinic_id, session_id), key=lambda r: (r.reading.at, r.id))

    def latest(self, clinic_id: int, session_id: int, *, limit: int) -> Sequence[StoredReading]:
        """The ``limit`` last stored, in the order they were stored."""
        return self._of(clinic_id, session_id)[-limit:] if limit > 0 else []


class InMemoryAlarmRepository:
    """At most one alarm per dedup key and session while its condition holds."""

    def __init__(self, tables: VitalsTables) -> None:
        self._t = tables

    def add(self, clinic_id: int, session_id: int, patient_id: int, alarm: Alarm) -> StoredAlarm:
        if any(
            a.session_id == session_id and a.dedup_key == alarm.dedup_key and a.active
            for a in self._t.alarms.values()
        ):
            raise Conflict("this alarm is already raised for the session", field="dedup_key")
        new_id = self._t.next_id("alarms")
        stored = StoredAlarm(
            id=new_id,
            clinic_id=clinic_id,
            session_id=session_id,
            patient_id=patient_id,
            rule_id=alarm.rule_id,
            dedup_key=alarm.dedup_key,
            parameter=alarm.parameter,
            severity=alarm.severity.value,
            action=alarm.action.value,
            message=alarm.message,
            source=alarm.source,
            needs_signoff=alarm.needs_signoff,
            triggering=tuple((r.parameter.value, r.value, r.at) for r in alarm.triggering),
            raised_at=alarm.raised_at,
        )
        self._t.alarms[new_id] = stored
        return stored

    def repeat(self, stored: StoredAlarm, alarm: Alarm) -> StoredAlarm:
        current = self._t.alarms[stored.id]
        repeated = replace(
            current,
            repeat_count=current.repeat_count + 1,
            last_raised_at=alarm.raised_at,
            triggering=tuple((r.parameter.value, r.value, r.at) for r in alarm.triggering),
            message=alarm.message,
            cleared_at=None,
            cleared_message=None,
        )
        self._t.alarms[stored.id] = repeated
        return repeated

    def get(self, clinic_id: int, alarm_id: int) -> StoredAlarm | None:
        found = self._t.alarms.get(alarm_id)
        return found if found is not None and found.clinic_id == clinic_id else None

    def for_sessions(
        self, clinic_id: int, session_ids: Sequence[int]
    ) -> dict[int, list[StoredAlarm]]:
        return {i: list(self.for_session(clinic_id, i)) for i in session_ids}

    def for_session(self, clinic_id: int, session_id: int) -> Sequence[StoredAlarm]:
        return [
            a
            for _, a in sorted(self._t.alarms.items())
            if a.clinic_id == clinic_id and a.session_id == session_id
        ]

    def clear(
        self, clinic_id: int, session_id: int, dedup_key: str, *, at: datetime, message: str
    ) -> StoredAlarm | None:
        found = next(
            (
                a
                for a in self.for_session(clinic_id, session_id)
                if a.dedup_key == dedup_key and a.active
            ),
            None,
        )
        if found is None:
            return None
        cleared = replace(found, cleared_at=at, cleared_message=message)
        self._t.alarms[found.id] = cleared
        return cleared

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
        current = self.get(alarm.clinic_id, alarm.id)
        assert current is not None, "acknowledge of an alarm of another clinic"
        done = replace(
            current,
            acknowledged_at=at,
            acknowledged_by=by,
            ack_action=action,
            ack_note=note,
            resolution=resolution,
        )
        self._t.alarms[alarm.id] = done
        return done


class InMemoryHl7Inbox:
    """Receipts of accepted monitor messages (for dedup) and the dead-letter store."""

    def __init__(self, tables: VitalsTables) -> None:
        self._t = tables

    def lock_session(self, clinic_id: int, session_id: int) -> None:
        """A unit of work here is already alone with its snapshot."""

    def lock_sessions(self, clinic_id: int, session_ids: Sequence[int]) -> dict[int, int]:
        """A unit of work here is already alone with its snapshot; the sessions' counts of
        transactions that stored readings."""
        return {i: self._t.reading_versions.get(i, 0) for i in session_ids}

    def catalog_version(self, clinic_id: int) -> int | None:
        """Not counted here: the listener reads its routing in every batch."""
        return None

    def seen(self, clinic_id: int, sender: str, control_id: str) -> tuple[str, str] | None:
        """The ACK code sent for this sender's MSH-10 before and the digest of that message."""
        key = (clinic_id, sender, control_id)
        return next(
            (
                (m.ack_code, m.digest)
                for m in self._t.messages.values()
                if (m.clinic_id, m.sender, m.control_id) == key
            ),
            None,
        )

    def seen_many(
        self, clinic_id: int, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[str, str]]:
        found = {key: self.seen(clinic_id, *key) for key in keys}
        return {key: value for key, value in found.items() if value is not None}

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
        if self.seen(clinic_id, sender, control_id) is not None:
            raise Conflict("this monitor message was received before", field="control_id")
        new_id = self._t.next_id("messages")
        self._t.messages[new_id] = MessageRow(clinic_id, sender, control_id, digest, ack_code)
        return new_id

    def record_many(self, clinic_id: int, receipts: Sequence[dict[str, object]]) -> list[int]:
        ids = []
        for r in receipts:
            sender, control_id = str(r["sender"]), str(r["control_id"])
            if self.seen(clinic_id, sender, control_id) is not None:
                raise Conflict("this monitor message was received before", field="control_id")
            new_id = self._t.next_id("messages")
            self._t.messages[new_id] = MessageRow(
                clinic_id, sender, control_id, str(r["digest"]), str(r["ack_code"])
            )
            ids.append(new_id)
        return ids

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
        new_id = self._t.next_id("dead_letters")
        self._t.dead_letters[new_id] = DeadLetter(
            new_id,
            clinic_id,
            at,
            kind,
            ack_code,
            error_code,
            reason[:2000],
            (control_id or None) and control_id[:200],
            total_bytes if total_bytes is not None else len(payload),
        )
        return new_id

    def dead_letters(self, clinic_id: int, *, limit: int = 100) -> Sequence[DeadLetter]:
        found = [d for d in self._t.dead_letters.values() if d.clinic_id == clinic_id]
        return sorted(found, key=lambda d: d.id, reverse=True)[:limit]

    def message_count(self, clinic_id: int) -> int:
        return sum(1 for m in self._t.messages.values() if m.clinic_id == clinic_id)
