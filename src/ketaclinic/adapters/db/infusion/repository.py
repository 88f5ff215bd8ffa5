"""Infusion sessions and their transitions, the monitor registry and prescriber notifications."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ketaclinic.adapters.db.infusion.tables import (
    infusion_sessions,
    monitor_devices,
    notifications,
    session_transitions,
)
from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.infusion.records import (
    ACTIVE_STATES,
    CLOSED_STATES,
    STATE_TIMES,
    InfusionSession,
    Notification,
    SessionTransition,
)
from ketaclinic.domain.infusion.session import SessionState

_TIMES = (
    "checked_in_at",
    "ready_at",
    "dosing_started_at",
    "paused_at",
    "resumed_at",
    "dosing_ended_at",
    "stopped_at",
    "recovery_started_at",
    "discharged_at",
    "ended_at",
)


def _session(m: Any) -> InfusionSession:
    return InfusionSession(
        id=m["id"],
        clinic_id=m["clinic_id"],
        course_id=m["course_id"],
        patient_id=m["patient_id"],
        chair_id=m["chair_id"],
        state=SessionState(m["state"]),
        monitor_device_id=m["monitor_device_id"],
        attendant_id=m["attendant_id"],
        prescriber_id=m["prescriber_id"],
        scheduled_for=m["scheduled_for"],
        created_at=m["created_at"],
        version=m["version"],
        appointment_id=m["appointment_id"],
        session_number=m["session_number"],
        unscheduled_reason=m["unscheduled_reason"],
        **{name: m[name] for name in _TIMES},
    )


class SqlSessionRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

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
        stmt = (
            insert(infusion_sessions)
            .values(clinic_id=clinic_id, course_id=course_id, patient_id=patient_id)
            .values(chair_id=chair_id, state=SessionState.SCHEDULED.value, created_by=by)
            .values(created_at=at, updated_at=at, scheduled_for=scheduled_for)
            .values(prescriber_id=prescriber_id, appointment_id=appointment_id)
            .values(session_number=session_number, unscheduled_reason=unscheduled_reason)
            .returning(infusion_sessions.c.id)
        )
        try:
            with self._conn.begin_nested():
                new_id = self._conn.execute(stmt).scalar_one()
        except IntegrityError as exc:
            raise Conflict(
                "this appointment already has its session (checked in already)",
                field="appointment_id",
            ) from exc
        found = self.get(clinic_id, new_id)
        assert found is not None
        return found

    def get(self, clinic_id: int, session_id: int) -> InfusionSession | None:
        row = self._conn.execute(
            select(infusion_sessions).where(
                infusion_sessions.c.clinic_id == clinic_id, infusion_sessions.c.id == session_id
            )
        ).first()
        return _session(row._mapping) if row else None

    def for_appointment(self, clinic_id: int, appointment_id: int) -> InfusionSession | None:
        row = self._conn.execute(
            select(infusion_sessions).where(
                infusion_sessions.c.clinic_id == clinic_id,
                infusion_sessions.c.appointment_id == appointment_id,
            )
        ).first()
        return _session(row._mapping) if row else None

    def for_appointments(
        self, clinic_id: int, appointment_ids: Collection[int]
    ) -> Sequence[InfusionSession]:
        if not appointment_ids:
            return []
        stmt = (
            select(infusion_sessions)
            .where(
                infusion_sessions.c.clinic_id == clinic_id,
                infusion_sessions.c.appointment_id.in_(appointment_ids),
            )
            .order_by(infusion_sessions.c.id)
        )
        return [_session(r._mapping) for r in self._conn.execute(stmt)]

    def active(self, clinic_id: int) -> Sequence[InfusionSession]:
        stmt = (
            select(infusion_sessions)
            .where(
                infusion_sessions.c.clinic_id == clinic_id,
                infusion_sessions.c.state.in_([s.value for s in ACTIVE_STATES]),
            )
            .order_by(infusion_sessions.c.chair_id, infusion_sessions.c.id)
        )
        return [_session(r._mapping) for r in self._conn.execute(stmt)]

    def active_on_chair(self, clinic_id: int, chair_id: int) -> InfusionSession | None:
        return next((s for s in self.active(clinic_id) if s.chair_id == chair_id), None)

    def active_for_patient(self, clinic_id: int, patient_id: int) -> InfusionSession | None:
        return next((s for s in self.active(clinic_id) if s.patient_id == patient_id), None)

    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[InfusionSession]:
        stmt = (
            select(infusion_sessions)
            .where(
                infusion_sessions.c.clinic_id == clinic_id,
                infusion_sessions.c.patient_id == patient_id,
            )
            .order_by(infusion_sessions.c.id)
        )
        return [_session(r._mapping) for r in self._conn.execute(stmt)]

    def unscheduled_since(self, clinic_id: int, since: datetime) -> Sequence[InfusionSession]:
        t = infusion_sessions.c
        closed = [s.value for s in CLOSED_STATES]
        stmt = (
            select(infusion_sessions)
            .where(t.clinic_id == clinic_id, t.appointment_id.is_(None))
            .where(
                or_(
                    t.state.not_in(closed),
                    func.coalesce(t.discharged_at, t.ended_at, t.created_at) >= since,
                )
            )
            .order_by(t.id)
        )
        return [_session(r._mapping) for r in self._conn.execute(stmt)]

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
        """Move with optimistic locking; stamps the time of the transition."""
        values: dict[str, Any] = {"state": to.value, "updated_at": at, "version": s.version + 1}
        if s.state is SessionState.PAUSED and to is SessionState.INFUSING:
            values.update(resumed_at=at, paused_at=None)
        else:
            values[STATE_TIMES[to]] = at
        if to is SessionState.RECOVERY and s.state is SessionState.INFUSING:
            values["dosing_ended_at"] = at
        done = self._conn.execute(
            update(infusion_sessions)
            .where(
                infusion_sessions.c.clinic_id == s.clinic_id,
                infusion_sessions.c.id == s.id,
                infusion_sessions.c.version == s.version,
            )
            .values(**values)
        )
        if done.rowcount != 1:
            raise Conflict("the session changed meanwhile; reload and retry", field="version")
        self._conn.execute(
            insert(session_transitions).values(
                clinic_id=s.clinic_id,
                session_id=s.id,
                from_state=s.state.value,
                to_state=to.value,
                at=at,
                by_staff=by,
                reason=reason,
                why=why,
            )
        )
        moved = self.get(s.clinic_id, s.id)
        assert moved is not None
        return moved

    def set_people(
        self, s: InfusionSession, *, attendant_id: int | None, device_id: str | None, at: datetime
    ) -> InfusionSession:
        self._conn.execute(
            update(infusion_sessions)
            .where(infusion_sessions.c.clinic_id == s.clinic_id, infusion_sessions.c.id == s.id)
            .values(attendant_id=attendant_id, monitor_device_id=device_id, updated_at=at)
        )
        found = self.get(s.clinic_id, s.id)
        assert found is not None
        return found

    def history(self, clinic_id: int, session_id: int) -> Sequence[SessionTransition]:
        stmt = (
            select(session_transitions)
            .where(
                session_transitions.c.clinic_id == clinic_id,
                session_transitions.c.session_id == session_id,
            )
            .order_by(session_transitions.c.id)
        )
        return [
            SessionTransition(
                SessionState(r.from_state),
                SessionState(r.to_state),
                r.at,
                r.by_staff,
                r.reason,
                r.why,
            )
            for r in self._conn.execute(stmt)
        ]


class SqlMonitorRegistry:
    """Which bedside monitor (EUI-64) sits at which chair."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def assign(self, clinic_id: int, device_id: str, chair_id: int, *, at: datetime) -> None:
        existing = self._conn.execute(
            select(monitor_devices.c.clinic_id).where(monitor_devices.c.device_id == device_id)
        ).first()
        if existing is not None and existing.clinic_id != clinic_id:
            raise Conflict("this monitor is registered to another clinic", field="device_id")
        if existing is not None:
            self._conn.execute(
                update(monitor_devices)
                .where(monitor_devices.c.device_id == device_id)
                .values(chair_id=chair_id, assigned_at=at)
            )
            return
        self._conn.execute(
            insert(monitor_devices).values(
                clinic_id=clinic_id, device_id=device_id, chair_id=chair_id, assigned_at=at
            )
        )

    def chair_of(self, clinic_id: int, device_id: str) -> int | None:
        row = self._conn.execute(
            select(monitor_devices.c.chair_id).where(
                monitor_devices.c.clinic_id == clinic_id, monitor_devices.c.device_id == device_id
            )
        ).first()
        return int(row.chair_id) if row else None

    def devices(self, clinic_id: int) -> dict[str, int]:
        stmt = select(monitor_devices.c.device_id, monitor_devices.c.chair_id).where(
            monitor_devices.c.clinic_id == clinic_id
        )
        return {r.device_id: r.chair_id for r in self._conn.execute(stmt)}

    def unassign(self, clinic_id: int, device_id: str) -> bool:
        result = self._conn.execute(
            delete(monitor_devices).where(
                monitor_devices.c.clinic_id == clinic_id, monitor_devices.c.device_id == device_id
            )
        )
        return bool(result.rowcount)


def _notification(m: Any) -> Notification:
    return Notification(
        m["id"],
        m["clinic_id"],
        m["recipient_id"],
        m["recipient_role"],
        m["kind"],
        m["object_type"],
        m["object_id"],
        m["patient_id"],
        m["message"],
        m["created_at"],
        m["read_at"],
    )


class SqlNotificationRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

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
        new_id = self._conn.execute(
            insert(notifications)
            .values(clinic_id=clinic_id, recipient_id=recipient_id, recipient_role=recipient_role)
            .values(kind=kind, object_type=object_type, object_id=object_id)
            .values(patient_id=patient_id, message=message, created_at=at)
            .returning(notifications.c.id)
        ).scalar_one()
        row = self._conn.execute(select(notifications).where(notifications.c.id == new_id)).one()
        return _notification(row._mapping)

    def for_clinic(self, clinic_id: int, *, limit: int = 100) -> Sequence[Notification]:
        stmt = (
            select(notifications)
            .where(notifications.c.clinic_id == clinic_id)
            .order_by(notifications.c.id.desc())
            .limit(limit)
        )
        return [_notification(r._mapping) for r in self._conn.execute(stmt)]
