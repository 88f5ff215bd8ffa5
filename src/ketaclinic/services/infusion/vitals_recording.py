"""Storing a session's readings and alarms in the caller's unit of work: every reading with its
plausibility verdict, the pinned protocol's alert rules evaluated on the server, raised alarms
(one per rule until acknowledged) and cleared ones audited, pause/stop alarms notifying the
prescriber, the message receipt, and the board events to publish after the commit.

Sources: clinical.md §4.1 (vitals schedule), §4.3 (alert thresholds).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.alarms import Alarm, AlarmDecision, OpenAlarm, VitalsSchedule
from ketaclinic.domain.infusion.records import InfusionSession, StoredAlarm
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import VitalReading
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import AlertAction
from ketaclinic.services.audit.trail import record
from ketaclinic.services.infusion.board import alarm_event, chair_document
from ketaclinic.services.infusion.monitor_batch import BatchState
from ketaclinic.services.infusion.monitor_messages import IngestResult, VitalsBatch
from ketaclinic.services.infusion.monitor_presence import monitor_of
from ketaclinic.services.infusion.vitals_evaluation import evaluate_vitals, phase_of
from ketaclinic.services.infusion.vitals_history import evaluation_history
from ketaclinic.services.ports import Clock, UnitOfWork
from ketaclinic.services.protocols.publishing import load_published


class VitalsRecorder:
    """Stores one session's readings and alarms; keeps each course's pinned protocol (published
    versions never change, and a course's version is fixed when the course opens)."""

    def __init__(self, clock: Clock, unknown_session_ack: str) -> None:
        self._clock = clock
        self._unknown_ack = unknown_session_ack
        self._protocols: dict[tuple[int, int], Protocol] = {}  # published versions never change
        self._course_versions: dict[tuple[int, int], int] = {}  # (clinic, course) -> version

    def unmatched(self, uow: UnitOfWork, clinic_id: int, batch: VitalsBatch) -> IngestResult:
        who = batch.device_id or batch.patient_mrn or (batch.session_id and f"#{batch.session_id}")
        reason = f"no running session for {who or 'an unidentified sender'}"
        if batch.receipt is None:
            return IngestResult("unmatched", "AE", reason=reason)
        r = batch.receipt
        uow.hl7_inbox.record(
            clinic_id,
            sender=r.sender,
            control_id=r.control_id,
            digest=r.digest,
            at=self._clock.now(),
            outcome="unmatched",
            ack_code=self._unknown_ack,
            session_id=None,
            readings=0,
        )
        uow.hl7_inbox.dead_letter(
            clinic_id,
            kind="unmatched",
            ack_code=self._unknown_ack,
            error_code="204",
            reason=reason,
            control_id=r.control_id,
            payload=r.payload,
            at=self._clock.now(),
        )
        return IngestResult("unmatched", self._unknown_ack, reason=reason)

    def store(
        self,
        uow: UnitOfWork,
        actor: Actor,
        s: InfusionSession,
        batch: VitalsBatch,
        events: list[dict[str, Any]],
        state: BatchState | None = None,
    ) -> IngestResult:
        """Evaluate the batch against the pinned protocol, write its readings, raise or clear
        alarms, and add the board events (or hand them to the batch ``state``)."""
        now = self._clock.now()
        protocol = state.protocols[s.id] if state is not None else self.protocol(uow, s)
        history, alarms = self._current(uow, s, protocol, state)
        decision = evaluate_vitals(
            protocol,
            phase_of(s.state),
            history,
            batch.readings,
            [open_alarm(a) for a in alarms if a.active],
            at=now,
            schedule=schedule_for(s, protocol),
            monitored=monitor_of(uow, s) is not None,
        )
        rejected = {id(p.reading): "; ".join(p.reasons) for p in decision.rejected}
        self._write_readings(uow, actor, s, batch, rejected, state, now)
        raised, cleared = self._apply_alarms(uow, s, alarms, decision, now)
        self._announce(uow, actor, s, raised, cleared)
        if batch.unmapped and batch.receipt is not None:
            self._keep_unmapped(uow, s.clinic_id, batch)
        accepted = [r for r in batch.readings if id(r) not in rejected]
        self._board(s, [*history, *accepted], alarms, raised, cleared, events, state)
        return IngestResult(
            "stored", "AA", s.id, len(batch.readings), len(rejected), raised, cleared
        )

    def _current(
        self, uow: UnitOfWork, s: InfusionSession, protocol: Protocol, state: BatchState | None
    ) -> tuple[list[VitalReading], list[StoredAlarm]]:
        """The session's evaluation history and alarms: read under the session lock, or as the
        batch holds them (already locked, read and kept current)."""
        if state is not None:
            return state.history[s.id], state.alarms[s.id]
        uow.hl7_inbox.lock_session(s.clinic_id, s.id)
        history = evaluation_history(uow, s, protocol.monitoring.alert_rules)
        return history, list(uow.alarms.for_session(s.clinic_id, s.id))

    def _write_readings(
        self,
        uow: UnitOfWork,
        actor: Actor,
        s: InfusionSession,
        batch: VitalsBatch,
        rejected: dict[int, str],
        state: BatchState | None,
        now: datetime,
    ) -> None:
        """Every reading with its plausibility verdict, and the message receipt."""
        rows = [(r, rejected.get(id(r))) for r in batch.readings]
        if state is not None and batch.receipt is not None:
            state.defer(s, batch.receipt, rows)  # written with the whole batch, one statement
            return
        message_id = self._receipt(uow, s, batch, len(batch.readings))
        uow.readings.add_many(
            s.clinic_id,
            s.id,
            s.patient_id,
            rows,
            received_at=now,
            message_id=message_id,
            entered_by=actor.staff_id,
        )

    def _apply_alarms(
        self,
        uow: UnitOfWork,
        s: InfusionSession,
        alarms: Sequence[StoredAlarm],
        decision: AlarmDecision,
        now: datetime,
    ) -> tuple[tuple[StoredAlarm, ...], tuple[StoredAlarm, ...]]:
        """Raise (or repeat) the decision's alarms and clear the ones it clears."""
        raised = tuple(raise_or_repeat(uow, s, alarms, a) for a in decision.raised)
        cleared = tuple(
            c
            for c in (
                uow.alarms.clear(s.clinic_id, s.id, x.dedup_key, at=now, message=x.message)
                for x in decision.cleared
            )
            if c is not None
        )
        return raised, cleared

    @staticmethod
    def _board(
        s: InfusionSession,
        readings: list[VitalReading],
        alarms: list[StoredAlarm],
        raised: tuple[StoredAlarm, ...],
        cleared: tuple[StoredAlarm, ...],
        events: list[dict[str, Any]],
        state: BatchState | None,
    ) -> None:
        """The board events of the change; in a batch, the chair's document is built once after
        it, from the history and alarms kept here."""
        changed = {a.id: a for a in (*cleared, *raised)}
        current = [changed.pop(a.id, a) for a in alarms] + list(changed.values())
        events += [alarm_event(a, s) for a in raised]
        if state is not None:
            state.history[s.id] = readings
            state.alarms[s.id] = current
            state.boards[s.id] = s
        else:
            events.append(chair_document(s, readings, current))

    def _receipt(
        self, uow: UnitOfWork, s: InfusionSession, batch: VitalsBatch, count: int
    ) -> int | None:
        if batch.receipt is None:
            return None
        r = batch.receipt
        return uow.hl7_inbox.record(
            s.clinic_id,
            sender=r.sender,
            control_id=r.control_id,
            digest=r.digest,
            at=self._clock.now(),
            outcome="stored",
            ack_code="AA",
            session_id=s.id,
            readings=count,
        )

    def _keep_unmapped(self, uow: UnitOfWork, clinic_id: int, batch: VitalsBatch) -> None:
        assert batch.receipt is not None
        uow.hl7_inbox.dead_letter(
            clinic_id,
            kind="unmapped",
            ack_code="AA",
            error_code="0",
            reason="; ".join(batch.unmapped),
            control_id=batch.receipt.control_id,
            payload=batch.receipt.payload,
            at=self._clock.now(),
        )

    def _announce(
        self,
        uow: UnitOfWork,
        actor: Actor,
        s: InfusionSession,
        raised: Sequence[StoredAlarm],
        cleared: Sequence[StoredAlarm],
    ) -> None:
        """Audit each alarm; pause/stop alarms notify the prescriber in the same transaction."""
        for a in raised:
            record(
                uow,
                self._clock,
                actor,
                "alarm.raise",
                object_type="alarm",
                object_id=a.id,
                patient_id=s.patient_id,
                detail=f"rule={a.rule_id} action={a.action}",
            )
            if a.action in {AlertAction.PAUSE.value, AlertAction.STOP.value}:
                notify_prescriber(uow, self._clock, s, a, f"alarm {a.rule_id}: {a.message}")
        for a in cleared:
            record(
                uow,
                self._clock,
                actor,
                "alarm.clear",
                object_type="alarm",
                object_id=a.id,
                patient_id=s.patient_id,
                detail=f"rule={a.rule_id}",
            )

    def protocol(self, uow: UnitOfWork, s: InfusionSession) -> Protocol:
        version = self._course_versions.get((s.clinic_id, s.course_id))
        if version is None:  # a course's protocol version is fixed when the course opens
            course = uow.courses.get(s.clinic_id, s.course_id)
            assert course is not None
            version = self._course_versions[(s.clinic_id, s.course_id)] = course.protocol_version_id
        key = (s.clinic_id, version)
        if key not in self._protocols:
            self._protocols[key] = load_published(uow, *key).protocol
        return self._protocols[key]


def open_alarm(a: StoredAlarm) -> OpenAlarm:
    """An active stored alarm as the evaluation sees it (``since``: its newest reading)."""
    times = [at for _, _, at in a.triggering]
    since = max(times) if times else a.raised_at
    return OpenAlarm(a.dedup_key, a.rule_id, a.acknowledged_at is not None, since)


def schedule_for(s: InfusionSession, protocol: Protocol) -> VitalsSchedule | None:
    """The vitals schedule of the current phase (clinical.md §4.1), None outside dosing/recovery."""
    m = protocol.monitoring
    dosing = s.state in (SessionState.INFUSING, SessionState.PAUSED)
    if dosing and s.phase_started_at is not None:
        return VitalsSchedule(m.vitals_every_min, s.phase_started_at)
    if s.state is SessionState.RECOVERY and s.recovery_started_at is not None:
        return VitalsSchedule(m.recovery_vitals_every_min, s.recovery_started_at)
    if s.state is SessionState.STOPPED and s.stopped_at is not None:
        return VitalsSchedule(m.recovery_vitals_every_min, s.stopped_at)
    return None


def notify_prescriber(
    uow: UnitOfWork, clock: Clock, s: InfusionSession, alarm: StoredAlarm, message: str
) -> None:
    """An in-app notification to the session's prescriber, or to every prescriber when unset."""
    uow.notifications.add(
        s.clinic_id,
        recipient_id=s.prescriber_id,
        recipient_role="prescriber",
        kind=f"alarm.{alarm.action}",
        object_type="alarm",
        object_id=str(alarm.id),
        patient_id=s.patient_id,
        message=message[:500],
        at=clock.now(),
    )


def raise_or_repeat(
    uow: UnitOfWork, s: InfusionSession, alarms: Sequence[StoredAlarm], alarm: Alarm
) -> StoredAlarm:
    """One alarm per rule and session until someone acknowledges it: when the same rule fires
    again while its earlier alarm still waits for acknowledgement (its condition had cleared),
    that alarm is counted and updated with the latest values instead of a new one stacking up.
    After an acknowledgement, a new episode is a new alarm."""
    waiting = next(
        (a for a in alarms if a.dedup_key == alarm.dedup_key and a.needs_attention), None
    )
    if waiting is not None:
        return uow.alarms.repeat(waiting, alarm)
    return uow.alarms.add(s.clinic_id, s.id, s.patient_id, alarm)
