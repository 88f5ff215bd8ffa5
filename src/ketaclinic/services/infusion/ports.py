"""Ports of the infusion area: what its services need from storage and the outside
world, as Protocols (implemented in ``ketaclinic.adapters``, faked in tests)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from ketaclinic.domain.infusion.alarms import Alarm
from ketaclinic.domain.infusion.monitor_ingest import Gateway, NewGateway
from ketaclinic.domain.infusion.records import (
    AckAction,
    DeadLetter,
    InfusionSession,
    Notification,
    SessionTransition,
    StoredAlarm,
    StoredReading,
)
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import VitalReading

if TYPE_CHECKING:
    from ketaclinic.services.ports import UnitOfWork


class SessionRepository(Protocol):
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
    ) -> InfusionSession: ...
    def get(self, clinic_id: int, session_id: int) -> InfusionSession | None: ...
    def for_appointment(self, clinic_id: int, appointment_id: int) -> InfusionSession | None: ...
    def for_appointments(
        self, clinic_id: int, appointment_ids: Collection[int]
    ) -> Sequence[InfusionSession]:
        """The sessions opened on any of ``appointment_ids`` (all states): one read."""
        ...

    def active(self, clinic_id: int) -> Sequence[InfusionSession]: ...
    def active_on_chair(self, clinic_id: int, chair_id: int) -> InfusionSession | None: ...
    def active_for_patient(self, clinic_id: int, patient_id: int) -> InfusionSession | None: ...
    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[InfusionSession]: ...
    def unscheduled_since(self, clinic_id: int, since: datetime) -> Sequence[InfusionSession]:
        """Sessions opened without an appointment that are still open or closed at or after
        ``since`` (what holds a chair outside the appointment book), by id."""
        ...

    def move(
        self,
        s: InfusionSession,
        to: SessionState,
        *,
        by: int,
        at: datetime,
        reason: str,
        why: str | None = None,
    ) -> InfusionSession: ...
    def set_people(
        self, s: InfusionSession, *, attendant_id: int | None, device_id: str | None, at: datetime
    ) -> InfusionSession: ...
    def history(self, clinic_id: int, session_id: int) -> Sequence[SessionTransition]: ...


class MonitorRegistry(Protocol):
    def assign(self, clinic_id: int, device_id: str, chair_id: int, *, at: datetime) -> None: ...
    def chair_of(self, clinic_id: int, device_id: str) -> int | None: ...
    def devices(self, clinic_id: int) -> dict[str, int]: ...
    def unassign(self, clinic_id: int, device_id: str) -> bool: ...


class NotificationRepository(Protocol):
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
    ) -> Notification: ...
    def for_clinic(self, clinic_id: int, *, limit: int = 100) -> Sequence[Notification]: ...


class ReadingRepository(Protocol):
    def add_batches(
        self,
        clinic_id: int,
        batches: Sequence[tuple[int, int, Sequence[tuple[VitalReading, str | None]], int | None]],
        *,
        received_at: datetime,
    ) -> None: ...
    def newest_many(
        self, clinic_id: int, session_ids: Sequence[int], parameters: Sequence[str], *, limit: int
    ) -> dict[tuple[int, str], list[VitalReading]]: ...
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
    ) -> None: ...
    def recent(
        self, clinic_id: int, session_id: int, *, since: datetime, limit: int = 500
    ) -> Sequence[StoredReading]: ...
    def newest(
        self, clinic_id: int, session_id: int, parameter: str, *, limit: int
    ) -> list[VitalReading]: ...
    def for_session(self, clinic_id: int, session_id: int) -> Sequence[StoredReading]: ...
    def latest(self, clinic_id: int, session_id: int, *, limit: int) -> Sequence[StoredReading]: ...


class AlarmRepository(Protocol):
    def for_sessions(
        self, clinic_id: int, session_ids: Sequence[int]
    ) -> dict[int, list[StoredAlarm]]: ...
    def add(
        self, clinic_id: int, session_id: int, patient_id: int, alarm: Alarm
    ) -> StoredAlarm: ...
    def repeat(self, stored: StoredAlarm, alarm: Alarm) -> StoredAlarm: ...
    def get(self, clinic_id: int, alarm_id: int) -> StoredAlarm | None: ...
    def for_session(self, clinic_id: int, session_id: int) -> Sequence[StoredAlarm]: ...
    def clear(
        self, clinic_id: int, session_id: int, dedup_key: str, *, at: datetime, message: str
    ) -> StoredAlarm | None: ...
    def acknowledge(
        self,
        alarm: StoredAlarm,
        *,
        by: int,
        at: datetime,
        action: AckAction,
        note: str,
        resolution: str,
    ) -> StoredAlarm: ...


class GatewayRegistry(Protocol):
    def add(self, clinic_id: int, new: NewGateway, *, by: int | None, at: datetime) -> Gateway: ...
    def remove(self, clinic_id: int, gateway_id: int, *, by: int | None, at: datetime) -> bool: ...
    def for_clinic(self, clinic_id: int, *, active_only: bool = True) -> Sequence[Gateway]: ...


class Hl7Inbox(Protocol):
    def lock_session(self, clinic_id: int, session_id: int) -> None: ...
    def lock_sessions(self, clinic_id: int, session_ids: Sequence[int]) -> dict[int, int]: ...
    def catalog_version(self, clinic_id: int) -> int | None: ...
    def record_many(self, clinic_id: int, receipts: Sequence[dict[str, object]]) -> list[int]: ...
    def seen_many(
        self, clinic_id: int, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[str, str]]: ...
    def seen(self, clinic_id: int, sender: str, control_id: str) -> tuple[str, str] | None: ...
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
    ) -> int: ...
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
    ) -> int: ...
    def dead_letters(self, clinic_id: int, *, limit: int = 100) -> Sequence[DeadLetter]: ...
    def message_count(self, clinic_id: int) -> int: ...


class LiveEvents(Protocol):
    """Fan-out of board events to every app process; published only after the commit."""

    def publish(self, clinic_id: int, event: Mapping[str, Any]) -> None: ...

    def publish_with(
        self, uow: UnitOfWork, clinic_id: int, events: Sequence[Mapping[str, Any]]
    ) -> bool:
        """Hand ``events`` to ``uow``'s transaction so the database delivers them if, and only
        when, it commits (PostgreSQL: NOTIFY). False when this fan-out cannot: the caller then
        publishes them itself after the commit."""
        ...


class NoLiveEvents:
    """A publisher that drops events (CLI tools without a board)."""

    def publish(self, clinic_id: int, event: Mapping[str, Any]) -> None:
        return None

    def publish_with(
        self, uow: UnitOfWork, clinic_id: int, events: Sequence[Mapping[str, Any]]
    ) -> bool:
        return True  # nothing listens: nothing left to publish after the commit


class RecordKind(StrEnum):
    CHECK_IN = "check_in"
    PRE_DOSE = "pre_dose"
    PREDOSE_DECISION = "predose_decision"  # the signed-in prescriber's decision on a BP hold
    RESUME_APPROVAL = "resume_approval"  # a signed-in prescriber approves resuming after a pause
    IV_PLACEMENT = "iv_placement"
    ADMINISTRATION = "administration"  # ketamine or any other drug, with lot and who gave it
    SCALE = "scale"  # CADSS-6 / CADSS dissociation, sedation
    ADVERSE_EVENT = "adverse_event"
    OBSERVATION = "observation"
    ALDRETE = "aldrete"
    DISCHARGE = "discharge"


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One documented step. ``payload`` holds the step's fields (JSON-compatible values)."""

    id: int
    clinic_id: int
    session_id: int
    patient_id: int
    kind: RecordKind
    payload: Mapping[str, Any]
    recorded_at: datetime
    recorded_by: int


class SessionRecordRepository(Protocol):
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
    ) -> SessionRecord: ...
    def for_session(self, clinic_id: int, session_id: int) -> Sequence[SessionRecord]: ...
