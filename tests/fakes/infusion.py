"""Infusion sessions, the monitor registry, notifications and the session record in memory."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.infusion.records import (
    CLOSED_STATES,
    STATE_TIMES,
    InfusionSession,
    Notification,
    SessionTransition,
)
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.infusion.ports import RecordKind, SessionRecord
from tests.fakes.tables import Tables


@dataclass
class InfusionTables(Tables):
    sessions: dict[int, InfusionSession] = field(default_factory=dict)
    transitions: list[tuple[int, int, SessionTransition]] = field(default_factory=list)
    monitors: dict[str, tuple[int, int, datetime]] = field(default_factory=dict)
    notifications: dict[int, Notification] = field(default_factory=dict)
    records: dict[int, SessionRecord] = field(default_factory=dict)


class InMemorySessionRepository:
    def __init__(self, tables: InfusionTables) -> None:
        self._t = tables

    def add(
        self,
        clinic_id: int,
        *,
        course_id: int,
        patient_id: int,
        chair_id: int,
        by: int,
        at: datetime,
        scheduled_for: datetime | None = None,
        prescriber_id: int | None = None,
        appointment_id: int | None = None,
        session_number: int | None = None,
        unscheduled_reason: str | None = None,
    ) -> InfusionSession:
        if appointment_id is not None and self.for_appointment(clinic_id, appointment_id):
            raise Conflict(
                "this appointment already has its session (checked in already)",
                field="appointment_id",
            )
        new_id = self._t.next_id("sessions")
        s = InfusionSession(
            id=new_id,
            clinic_id=clinic_id,
            course_id=course_id,
            patient_id=patient_id,
            chair_id=chair_id,
            state=SessionState.SCHEDULED,
            monitor_device_id=None,
            attendant_id=None,
            prescriber_id=prescriber_id,
            scheduled_for=scheduled_for,
            created_at=at,
            appointment_id=appointment_id,
            session_number=session_number,
            unscheduled_reason=unscheduled_reason,
        )
        self._t.sessions[new_id] = s
        return s

    def get(self, clinic_id: int, session_id: int) -> InfusionSession | None:
        found = self._t.sessions.get(session_id)
        return found if found is not None and found.clinic_id == clinic_id else None

    def for_appointment(self, clinic_id: int, appointment_id: int) -> InfusionSession | None:
        mine = [s for s in self._t.sessions.values() if s.clinic_id == clinic_id]
        return next((s for s in mine if s.appointment_id == appointment_id), None)

    def for_appointments(
        self, clinic_id: int, appointment_ids: Collection[int]
    ) -> Sequence[InfusionSession]:
        mine = [s for s in self._t.sessions.values() if s.clinic_id == clinic_id]
        return sorted((s for s in mine if s.appointment_id in appointment_ids), key=lambda s: s.id)

    def active(self, clinic_id: int) -> Sequence[InfusionSession]:
        found = [s for s in self._t.sessions.values() if s.clinic_id == clinic_id and s.active]
        return sorted(found, key=lambda s: (s.chair_id, s.id))

    def active_on_chair(self, clinic_id: int, chair_id: int) -> InfusionSession | None:
        return next((s for s in self.active(clinic_id) if s.chair_id == chair_id), None)

    def active_for_patient(self, clinic_id: int, patient_id: int) -> InfusionSession | None:
        return next((s for s in self.active(clinic_id) if s.patient_id == patient_id), None)

    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[InfusionSession]:
        found = [
            s
            for s in self._t.sessions.values()
            if s.clinic_id == clinic_id and s.patient_id == patient_id
        ]
        return sorted(found, key=lambda s: s.id)

    def unscheduled_since(self, clinic_id: int, since: datetime) -> Sequence[InfusionSession]:
        found = [
            s
            for s in self._t.sessions.values()
            if s.clinic_id == clinic_id
            and s.appointment_id is None
            and (s.state not in CLOSED_STATES or (s.closed_at or s.created_at) >= since)
        ]
        return sorted(found, key=lambda s: s.id)

    def move(
        self,
        s: InfusionSession,
        to: SessionState,
        *,
        by: int,
        at: datetime,
        reason: str,
        why: str | None = None,
    ) -> InfusionSession:
        """Move with optimistic locking (``version``); stamps the time of the transition."""
        current = self.get(s.clinic_id, s.id)
        if current is None or current.version != s.version:
            raise Conflict("the session changed meanwhile; reload and retry", field="version")
        values: dict[str, Any] = {"version": s.version + 1}
        if s.state is SessionState.PAUSED and to is SessionState.INFUSING:
            values.update(resumed_at=at, paused_at=None)
        else:
            values[STATE_TIMES[to]] = at
        if to is SessionState.RECOVERY and s.state is SessionState.INFUSING:
            values["dosing_ended_at"] = at
        moved = replace(current, state=to, **values)
        self._t.sessions[s.id] = moved
        self._t.transitions.append(
            (s.clinic_id, s.id, SessionTransition(s.state, to, at, by, reason, why))
        )
        return moved

    def set_people(
        self, s: InfusionSession, *, attendant_id: int | None, device_id: str | None, at: datetime
    ) -> InfusionSession:
        current = self.get(s.clinic_id, s.id)
        assert current is not None, "set_people on a session of another clinic"
        updated = replace(current, attendant_id=attendant_id, monitor_device_id=device_id)
        self._t.sessions[s.id] = updated
        return updated

    def history(self, clinic_id: int, session_id: int) -> Sequence[SessionTransition]:
        return [t for c, sid, t in self._t.transitions if c == clinic_id and sid == session_id]


class InMemoryMonitorRegistry:
    """Which bedside monitor sits at which chair; a device belongs to one clinic only."""

    def __init__(self, tables: InfusionTables) -> None:
        self._t = tables

    def assign(self, clinic_id: int, device_id: str, chair_id: int, *, at: datetime) -> None:
        existing = self._t.monitors.get(device_id)
        if existing is not None and existing[0] != clinic_id:
            raise Conflict("this monitor is registered to another clinic", field="device_id")
        self._t.monitors[device_id] = (clinic_id, chair_id, at)

    def chair_of(self, clinic_id: int, device_id: str) -> int | None:
        found = self._t.monitors.get(device_id)
        return found[1] if found is not None and found[0] == clinic_id else None

    def devices(self, clinic_id: int) -> dict[str, int]:
        return {d: chair for d, (c, chair, _) in self._t.monitors.items() if c == clinic_id}

    def unassign(self, clinic_id: int, device_id: str) -> bool:
        found = self._t.monitors.get(device_id)
        if found is None or found[0] != clinic_id:
            return False
        del self._t.monitors[device_id]
        return True


class InMemoryNotificationRepository:
    def __init__(self, tables: InfusionTables) -> None:
        self._t = tables

    def add(
        self,
        clinic_id: int,
        *,
        recipient_id: int | None,
        recipient_role: str,
        kind: str,
        object_type: str,
        object_id: str,
        patient_id: int | None,
        message: str,
        at: datetime,
    ) -> Notification:
        new_id = self._t.next_id("notifications")
        n = Notification(
            new_id,
            clinic_id,
            recipient_id,
            recipient_role,
            kind,
            object_type,
            object_id,
            patient_id,
            message,
            at,
            None,
        )
        self._t.notifications[new_id] = n
        return n

    def for_clinic(self, clinic_id: int, *, limit: int = 100) -> Sequence[Notification]:
        found = [n for n in self._t.notifications.values() if n.clinic_id == clinic_id]
        return sorted(found, key=lambda n: n.id, reverse=True)[:limit]


class InMemorySessionRecordRepository:
    """The append-only record; payloads are kept as JSON-compatible copies, like the database."""

    def __init__(self, tables: InfusionTables) -> None:
        self._t = tables

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
        new_id = self._t.next_id("records")
        record = SessionRecord(
            new_id, clinic_id, session_id, patient_id, kind, _json_copy(payload), at, by
        )
        self._t.records[new_id] = record
        return record

    def for_session(self, clinic_id: int, session_id: int) -> Sequence[SessionRecord]:
        return [
            r
            for _, r in sorted(self._t.records.items())
            if r.clinic_id == clinic_id and r.session_id == session_id
        ]


def _json_copy(payload: Mapping[str, Any]) -> dict[str, Any]:
    """What the database hands back: the payload through JSON (tuples become lists)."""
    copied: dict[str, Any] = json.loads(json.dumps(dict(payload), sort_keys=True))
    return copied
