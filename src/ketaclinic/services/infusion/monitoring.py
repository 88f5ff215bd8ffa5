"""Vital signs in, alarms out: one pipeline for staff entry, gateway JSON/FHIR and HL7 monitors.

``ingest`` (and ``ingest_messages``, a batch, for the MLLP listener) resolves the running
session (given directly, by the bedside monitor's EUI-64 through the monitor registry and
chair, or by the patient's MRN), stores every reading with its plausibility verdict, evaluates
the pinned protocol's alert rules on the server (``domain.infusion.alarms.evaluate``), stores raised
and cleared alarms, notifies the prescriber of pause/stop alarms, records the message receipt (dedup
by sender + MSH-10 + digest) and commits — all in one unit of work — and only then returns, so the
caller's ACK follows the commit. Events go to the live board after the commit. A message for no
running session is kept in the dead-letter store and answered per ``unknown_session_ack``.
The listener's messages are first admitted (``domain.infusion.monitor_ingest``): a registered
gateway, a PCD-01 version, plausible observation times and an MSH-10 not reused with other content;
a refused one is kept in the dead-letter store (bounded prefix and digest), never stored.
Sources: clinical.md §4.1 (vitals schedule), §4.3 (alert thresholds); issue 9.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ketaclinic.domain.errors import Conflict, PermissionDenied
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.alarms import OVERDUE, Alarm, OpenAlarm, VitalsSchedule, compare
from ketaclinic.domain.infusion.monitor_ingest import (
    DEFAULT_MAX_AGE,
    DEFAULT_MAX_AHEAD,
    Gateway,
    admitting_gateway,
    namespace_id,
    time_problem,
    version_problem,
)
from ketaclinic.domain.infusion.records import DeadLetter, InfusionSession, StoredAlarm
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import Parameter, VitalReading
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.domain.protocols.sections import AlertAction, AlertKind, AlertRule
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import allowed, require
from ketaclinic.services.infusion.board import (
    BOARD_PARAMETERS,
    TREND_POINTS,
    alarm_event,
    chair_document,
)
from ketaclinic.services.infusion.ports import LiveEvents
from ketaclinic.services.infusion.vitals_evaluation import evaluate_vitals, phase_of
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published

LONG_RUN_READINGS = 20_000  # bound on a parameter's history read during a long breach
# states the timer sweep evaluates: dosing (also paused) and after dosing (also stopped early)
_WATCHED = frozenset(
    {SessionState.INFUSING, SessionState.PAUSED, SessionState.STOPPED, SessionState.RECOVERY}
)


@dataclass(frozen=True, slots=True)
class Receipt:
    """Identity of a monitor message: dedup is by sender + MSH-10 + SHA-256 of the bytes."""

    sender: str
    control_id: str
    digest: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class VitalsBatch:
    """Readings to ingest and how to find their session (first match wins, in this order)."""

    readings: tuple[VitalReading, ...]
    session_id: int | None = None
    device_id: str | None = None
    patient_mrn: str | None = None
    receipt: Receipt | None = None
    unmapped: tuple[str, ...] = ()  # reasons for numeric observations that are not vitals


@dataclass(frozen=True, slots=True)
class DeviceMessage:
    """One parsed monitor message as the listener received it.

    ``source`` is the peer's IP address; ``msh3``/``msh4`` are MSH-3/MSH-4 as sent (they pick the
    gateway); ``version`` is MSH-12. ``batch.receipt`` (MSH-10 and digest) is required.
    """

    batch: VitalsBatch
    source: str
    msh3: str
    msh4: str
    version: str


@dataclass(frozen=True, slots=True)
class RefusedMessage:
    """A message the listener could not parse or frame: kept (bounded) for review, not stored.

    ``total_bytes``/``digest`` describe the whole message when ``payload`` is only its prefix.
    """

    kind: str
    ack_code: str
    error_code: str
    reason: str
    control_id: str | None
    payload: bytes
    total_bytes: int | None = None
    digest: str | None = None


@dataclass(frozen=True, slots=True)
class IngestLimits:
    """How far from "now" an observation time may lie (older / ahead) and still be stored."""

    max_age: timedelta = DEFAULT_MAX_AGE
    max_ahead: timedelta = DEFAULT_MAX_AHEAD


@dataclass(frozen=True, slots=True)
class IngestResult:
    """``outcome``: stored, duplicate, unmatched, refused or rejected; ``ack_code`` is what the
    sender is told and ``error_code`` (HL7 table 0357) the ERR code of a negative ACK."""

    outcome: str
    ack_code: str
    session_id: int | None = None
    stored: int = 0
    rejected: int = 0
    raised: tuple[StoredAlarm, ...] = ()
    cleared: tuple[StoredAlarm, ...] = ()
    reason: str = ""
    error_code: str = "204"


class MonitoringService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        events: LiveEvents,
        *,
        unknown_session_ack: str = "AA",
        limits: IngestLimits | None = None,
    ) -> None:
        self._uow, self._clock, self._events = uow_factory, clock, events
        self._unknown_ack = unknown_session_ack
        self._limits = limits or IngestLimits()
        self._protocols: dict[tuple[int, int], Protocol] = {}  # published versions never change
        self._course_versions: dict[tuple[int, int], int] = {}  # (clinic, course) -> version

    def ingest(self, actor: Actor, batch: VitalsBatch) -> IngestResult:
        """Staff entry or a gateway (VITALS_WRITE or DEVICE_FEED). No session: Conflict."""
        if not (allowed(actor, Permission.VITALS_WRITE) or allowed(actor, Permission.DEVICE_FEED)):
            raise PermissionDenied(f"your role may not {Permission.VITALS_WRITE.value}")
        result = self._ingest(actor, batch)
        if result.outcome == "unmatched":
            raise Conflict(result.reason, field="session_id" if batch.session_id else "device_id")
        return result

    def ingest_messages(
        self, clinic_id: int, messages: Sequence[DeviceMessage | RefusedMessage]
    ) -> list[IngestResult]:
        """The MLLP listener's entry: every queued message in ONE unit of work and ONE commit.

        Each message is admitted (registered gateway, PCD-01 version, plausible times, MSH-10 not
        reused with other content) before anything is stored; admitted ones are routed and stored
        with their alarms exactly as :meth:`ingest`. The results (one per message, in order) are
        returned only after the commit, so the caller's ACKs follow it; board events go out after
        it. If the batch cannot commit (e.g. another listener stored the same MSH-10 at the same
        moment), each message is retried in a unit of work of its own.
        """
        try:
            return self._ingest_batch(clinic_id, messages)
        except Exception:
            if len(messages) == 1:
                raise
        return [self._ingest_alone(clinic_id, m) for m in messages]

    def _ingest_alone(
        self, clinic_id: int, message: DeviceMessage | RefusedMessage
    ) -> IngestResult:
        """One message of a batch that could not commit, in its own unit of work; a failure
        here is this message's alone (AR: not stored, resend later)."""
        try:
            return self._ingest_batch(clinic_id, [message])[0]
        except Exception:
            reason = "message not stored (internal error); resend later"
            return IngestResult("failed", "AR", reason=reason, error_code="207")

    def _ingest_batch(
        self, clinic_id: int, messages: Sequence[DeviceMessage | RefusedMessage]
    ) -> list[IngestResult]:
        """Admit and route every message (routing read once per batch, in this transaction),
        lock the sessions involved in id order, read their history and alarms in one query each,
        then store message by message (history kept current within the batch) and commit."""
        events: list[dict[str, Any]] = []
        results: list[IngestResult | None] = [None] * len(messages)
        with self._uow() as uow:
            state = _BatchState.read(uow, clinic_id, messages)
            planned: list[tuple[int, DeviceMessage, InfusionSession | None]] = []
            for index, message in enumerate(messages):
                if isinstance(message, RefusedMessage):
                    results[index] = self._refused(uow, clinic_id, message)
                    continue
                routed = self._admit(uow, clinic_id, message, state)
                if isinstance(routed, IngestResult):
                    results[index] = routed
                else:
                    planned.append((index, message, routed))
            sessions = sorted({s.id for _i, _m, s in planned if s is not None})
            state.prefetch(uow, clinic_id, sessions, self._protocol)
            for index, message, session in planned:
                actor = Actor(None, None, clinic_id, f"hl7:{message.source}"[:40], label="monitor")
                if session is None:
                    results[index] = self._unmatched(uow, clinic_id, message.batch)
                else:
                    results[index] = self._store(uow, actor, session, message.batch, events, state)
            state.flush(uow, clinic_id, self._clock.now())
            uow.commit()
        events += [
            chair_document(s, state.history[i], state.alarms[i]) for i, s in state.boards.items()
        ]
        for event in events:
            self._events.publish(clinic_id, event)
        return [r for r in results if r is not None]

    def _admit(
        self, uow: UnitOfWork, clinic_id: int, message: DeviceMessage, state: _BatchState
    ) -> IngestResult | InfusionSession | None:
        """A refusal, or the running session the message routes to (None: no session)."""
        batch, receipt = message.batch, message.batch.receipt
        assert receipt is not None
        actor = Actor(None, None, clinic_id, f"hl7:{message.source}"[:40], label="monitor")
        if admitting_gateway(state.gateways, message.source, message.msh3, message.msh4) is None:
            reason = "sender not registered: no gateway for this source address and MSH-3/MSH-4"
            record(
                uow,
                self._clock,
                actor,
                "hl7.sender_refused",
                object_type="hl7_message",
                object_id=receipt.control_id[:60],
                outcome="denied",
                detail=f"source={message.source} msh3={namespace_id(message.msh3)[:60]} "
                f"msh4={namespace_id(message.msh4)[:60]}",
            )
            return self._refuse(uow, clinic_id, receipt, "refused", "AR", "207", reason)
        problem = version_problem(message.version)
        if problem is not None:
            return self._refuse(uow, clinic_id, receipt, "rejected", "AE", "203", problem)
        problem = time_problem(
            (r.at for r in batch.readings),
            now=self._clock.now(),
            max_age=self._limits.max_age,
            max_ahead=self._limits.max_ahead,
        )
        if problem is not None:
            return self._refuse(uow, clinic_id, receipt, "rejected", "AE", "102", problem)
        key = (receipt.sender, receipt.control_id)
        seen = state.seen.get(key)
        if seen is not None:
            ack_code, digest = seen
            if digest == receipt.digest:
                return IngestResult("duplicate", ack_code)
            reason = f"MSH-10 {receipt.control_id[:40]!r} was already used for another message"
            record(
                uow,
                self._clock,
                actor,
                "hl7.control_id_reused",
                object_type="hl7_message",
                object_id=receipt.control_id[:60],
                outcome="denied",
                detail=f"source={message.source}",
            )
            return self._refuse(uow, clinic_id, receipt, "reused", "AR", "207", reason)
        session = state.route(uow, clinic_id, batch)
        state.seen[key] = ("AA" if session is not None else self._unknown_ack, receipt.digest)
        return session

    def _refuse(
        self,
        uow: UnitOfWork,
        clinic_id: int,
        receipt: Receipt,
        kind: str,
        ack_code: str,
        error_code: str,
        reason: str,
    ) -> IngestResult:
        uow.hl7_inbox.dead_letter(
            clinic_id,
            kind=kind,
            ack_code=ack_code,
            error_code=error_code,
            reason=reason,
            control_id=receipt.control_id,
            payload=receipt.payload,
            at=self._clock.now(),
        )
        return IngestResult("refused", ack_code, reason=reason, error_code=error_code)

    def _refused(self, uow: UnitOfWork, clinic_id: int, m: RefusedMessage) -> IngestResult:
        uow.hl7_inbox.dead_letter(
            clinic_id,
            kind=m.kind,
            ack_code=m.ack_code,
            error_code=m.error_code,
            reason=m.reason,
            control_id=m.control_id,
            payload=m.payload,
            at=self._clock.now(),
            total_bytes=m.total_bytes,
            digest=m.digest,
        )
        return IngestResult("rejected", m.ack_code, reason=m.reason, error_code=m.error_code)

    def sweep(self, clinic_id: int) -> list[StoredAlarm]:
        """Evaluate every dosing, paused, stopped or recovering session as of now (timer, ~1/min).

        This is what raises "vitals overdue" and the SpO2/HR data-missing alarms (clinical.md §4.1)
        when a monitor or an oximeter goes silent: no message arrives to trigger an evaluation,
        and no browser needs to be open. One unit of work per session; returns the alarms raised.
        """
        actor = Actor(None, None, clinic_id, "sweep", label="monitor")
        with self._uow() as uow:
            due = [s.id for s in uow.sessions.active(clinic_id) if s.state in _WATCHED]
        raised: list[StoredAlarm] = []
        for session_id in due:
            events: list[dict[str, Any]] = []
            with self._uow() as uow:
                s = uow.sessions.get(clinic_id, session_id)
                if s is None or not s.active:
                    continue
                result = self._store(uow, actor, s, VitalsBatch(()), events)
                uow.commit()
            if result.raised or result.cleared:
                for event in events:
                    self._events.publish(clinic_id, event)
            raised += result.raised
        return raised

    def dead_letters(self, actor: Actor, *, limit: int = 100) -> Sequence[DeadLetter]:
        """Kept monitor messages, newest first, for review (SESSION_RUN)."""
        require(actor, Permission.SESSION_RUN)
        with self._uow() as uow:
            return uow.hl7_inbox.dead_letters(actor.clinic_id, limit=limit)

    def _ingest(self, actor: Actor, batch: VitalsBatch) -> IngestResult:
        events: list[dict[str, Any]] = []
        with self._uow() as uow:
            if batch.receipt is not None:
                r = batch.receipt
                seen = uow.hl7_inbox.seen(actor.clinic_id, r.sender, r.control_id)
                if seen is not None and seen[1] == r.digest:
                    return IngestResult("duplicate", seen[0])
                if seen is not None:
                    reason = f"MSH-10 {r.control_id[:40]!r} was already used for another message"
                    raise Conflict(reason, field="control_id")
            session = self._resolve(uow, actor.clinic_id, batch)
            if session is None:
                result = self._unmatched(uow, actor.clinic_id, batch)
            else:
                result = self._store(uow, actor, session, batch, events)
            uow.commit()
        for event in events:
            self._events.publish(actor.clinic_id, event)
        return result

    @staticmethod
    def _resolve(uow: UnitOfWork, clinic_id: int, batch: VitalsBatch) -> InfusionSession | None:
        if batch.session_id is not None:
            s = uow.sessions.get(clinic_id, batch.session_id)
            return s if s is not None and s.active else None
        if batch.device_id:
            chair = uow.monitors.chair_of(clinic_id, batch.device_id.upper())
            if chair is not None:
                return uow.sessions.active_on_chair(clinic_id, chair)
        if batch.patient_mrn:
            patient = next((p for p in _by_mrn(uow, clinic_id, batch.patient_mrn)), None)
            if patient is not None:
                return uow.sessions.active_for_patient(clinic_id, patient)
        return None

    def _unmatched(self, uow: UnitOfWork, clinic_id: int, batch: VitalsBatch) -> IngestResult:
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

    def _store(
        self,
        uow: UnitOfWork,
        actor: Actor,
        s: InfusionSession,
        batch: VitalsBatch,
        events: list[dict[str, Any]],
        state: _BatchState | None = None,
    ) -> IngestResult:
        now = self._clock.now()
        protocol = state.protocols[s.id] if state is not None else self._protocol(uow, s)
        rules = protocol.monitoring.alert_rules
        if state is None:
            uow.hl7_inbox.lock_session(s.clinic_id, s.id)
            history = evaluation_history(uow, s, rules)
            alarms = list(uow.alarms.for_session(s.clinic_id, s.id))
        else:  # locked, read and kept current by the batch
            history, alarms = state.history[s.id], state.alarms[s.id]
        decision = evaluate_vitals(
            protocol,
            phase_of(s.state),
            history,
            batch.readings,
            [open_alarm(a) for a in alarms if a.active],
            at=now,
            schedule=schedule_for(s, protocol),
        )
        rejected = {id(p.reading): "; ".join(p.reasons) for p in decision.rejected}
        rows = [(r, rejected.get(id(r))) for r in batch.readings]
        if state is not None and batch.receipt is not None:
            state.defer(s, batch.receipt, rows)  # written with the whole batch, one statement
        else:
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
        raised = tuple(raise_or_repeat(uow, s, alarms, a) for a in decision.raised)
        cleared = tuple(
            c
            for c in (
                uow.alarms.clear(s.clinic_id, s.id, x.dedup_key, at=now, message=x.message)
                for x in decision.cleared
            )
            if c is not None
        )
        self._announce(uow, actor, s, raised, cleared)
        if batch.unmapped and batch.receipt is not None:
            self._keep_unmapped(uow, s.clinic_id, batch)
        changed = {a.id: a for a in (*cleared, *raised)}
        alarms = [changed.pop(a.id, a) for a in alarms] + list(changed.values())
        accepted = [r for r in batch.readings if id(r) not in rejected]
        events += [alarm_event(a, s.chair_id) for a in raised]
        if state is not None:  # the chair's board document is built once, after the batch
            state.history[s.id] = [*history, *accepted]
            state.alarms[s.id] = alarms
            state.boards[s.id] = s
        else:
            events.append(chair_document(s, [*history, *accepted], alarms))
        return IngestResult(
            "stored", "AA", s.id, len(batch.readings), len(rejected), raised, cleared
        )

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

    def _protocol(self, uow: UnitOfWork, s: InfusionSession) -> Protocol:
        version = self._course_versions.get((s.clinic_id, s.course_id))
        if version is None:  # a course's protocol version is fixed when the course opens
            course = uow.courses.get(s.clinic_id, s.course_id)
            assert course is not None
            version = self._course_versions[(s.clinic_id, s.course_id)] = course.protocol_version_id
        key = (s.clinic_id, version)
        if key not in self._protocols:
            self._protocols[key] = load_published(uow, *key).protocol
        return self._protocols[key]


class _BatchState:
    """What one batch reads once, inside its transaction: gateways, receipts, monitor routing,
    the running sessions, and (after locking) each session's history and alarms."""

    def __init__(
        self,
        gateways: Sequence[Gateway],
        seen: dict[tuple[str, str], tuple[str, str]],
        devices: dict[str, int],
        active: Sequence[InfusionSession],
    ) -> None:
        self.gateways = gateways
        self.seen = seen
        self.devices = devices
        self.by_chair = {s.chair_id: s for s in reversed(active)}  # first on a chair wins
        self.by_patient = {s.patient_id: s for s in reversed(active)}
        self.history: dict[int, list[VitalReading]] = {}
        self.alarms: dict[int, list[StoredAlarm]] = {}
        self.protocols: dict[int, Protocol] = {}
        self.boards: dict[int, InfusionSession] = {}  # sessions whose chair changed
        self._receipts: list[dict[str, object]] = []
        self._readings: list[tuple[int, int, list[tuple[VitalReading, str | None]]]] = []

    def defer(
        self, s: InfusionSession, receipt: Receipt, rows: list[tuple[VitalReading, str | None]]
    ) -> None:
        """Keep a stored message's receipt and readings for :meth:`flush`."""
        self._receipts.append(
            {
                "sender": receipt.sender,
                "control_id": receipt.control_id,
                "digest": receipt.digest,
                "outcome": "stored",
                "ack_code": "AA",
                "session_id": s.id,
                "readings": len(rows),
            }
        )
        self._readings.append((s.id, s.patient_id, rows))

    def flush(self, uow: UnitOfWork, clinic_id: int, now: datetime) -> None:
        """Write every deferred receipt (one statement) and every reading (one statement)."""
        receipts = [{**r, "received_at": now} for r in self._receipts]
        ids = uow.hl7_inbox.record_many(clinic_id, receipts)
        batches = [
            (session_id, patient_id, rows, message_id)
            for (session_id, patient_id, rows), message_id in zip(self._readings, ids, strict=True)
        ]
        uow.readings.add_batches(clinic_id, batches, received_at=now)
        self._receipts.clear()
        self._readings.clear()

    @classmethod
    def read(
        cls, uow: UnitOfWork, clinic_id: int, messages: Sequence[DeviceMessage | RefusedMessage]
    ) -> _BatchState:
        keys = [
            (m.batch.receipt.sender, m.batch.receipt.control_id)
            for m in messages
            if isinstance(m, DeviceMessage) and m.batch.receipt is not None
        ]
        return cls(
            uow.gateways.for_clinic(clinic_id),
            uow.hl7_inbox.seen_many(clinic_id, keys),
            uow.monitors.devices(clinic_id),
            uow.sessions.active(clinic_id),
        )

    def route(self, uow: UnitOfWork, clinic_id: int, batch: VitalsBatch) -> InfusionSession | None:
        """The running session of the message's monitor (EUI-64 -> chair), else of its MRN."""
        if batch.device_id:
            chair = self.devices.get(batch.device_id.upper())
            if chair is not None:
                return self.by_chair.get(chair)
        if batch.patient_mrn:
            patient = next(iter(_by_mrn(uow, clinic_id, batch.patient_mrn)), None)
            if patient is not None:
                return self.by_patient.get(patient)
        return None

    def prefetch(
        self,
        uow: UnitOfWork,
        clinic_id: int,
        session_ids: Sequence[int],
        protocol_of: Callable[[UnitOfWork, InfusionSession], Protocol],
    ) -> None:
        """Lock the sessions (id order) and read their history and alarms in one query each."""
        if not session_ids:
            return
        uow.hl7_inbox.lock_sessions(clinic_id, session_ids)
        sessions = {s.id: s for s in self.by_chair.values() if s.id in set(session_ids)}
        sessions.update({s.id: s for s in self.by_patient.values() if s.id in set(session_ids)})
        self.protocols.update({i: protocol_of(uow, s) for i, s in sessions.items()})
        rules_of = {i: self.protocols[i].monitoring.alert_rules for i in sessions}
        parameters = sorted({p for rules in rules_of.values() for p in history_parameters(rules)})
        rows = uow.readings.newest_many(clinic_id, session_ids, parameters, limit=TREND_POINTS)
        self.alarms.update(uow.alarms.for_sessions(clinic_id, session_ids))
        for session_id, rules in rules_of.items():
            by_parameter = _threshold_rules(rules)
            history: list[VitalReading] = []
            for parameter in history_parameters(rules):
                own_rows = rows.get((session_id, parameter), [])
                own = by_parameter.get(parameter, [])
                long_run = len(own_rows) == TREND_POINTS and not any(
                    _breaks_every_run(r, own) for r in own_rows
                )
                if own and long_run:
                    own_rows = uow.readings.newest(
                        clinic_id, session_id, parameter, limit=LONG_RUN_READINGS
                    )
                history += own_rows
            self.history[session_id] = history


def open_alarm(a: StoredAlarm) -> OpenAlarm:
    """An active stored alarm as the evaluation sees it (``since``: its newest reading)."""
    times = [at for _, _, at in a.triggering]
    since = max(times) if times else a.raised_at
    return OpenAlarm(a.dedup_key, a.rule_id, a.acknowledged_at is not None, since)


def history_parameters(rules: Sequence[AlertRule]) -> list[str]:
    """Parameters whose history alarm evaluation and the board need (SBP for overdue vitals;
    the oximeter's pulse rate stands in for the heart rate)."""
    named = {r.parameter for r in rules if r.parameter != OVERDUE}
    if Parameter.HR.value in named:
        named.add(Parameter.PR.value)
    return sorted(named | {p.value for p in BOARD_PARAMETERS} | {Parameter.SBP.value})


def _breaks_every_run(reading: VitalReading, rules: Sequence[AlertRule]) -> bool:
    """A usable reading that breaches none of its parameter's rules ends every trailing run."""
    return reading.usable and not any(
        compare(reading.value, r.comparison, r.threshold) for r in rules
    )


def _threshold_rules(rules: Sequence[AlertRule]) -> dict[str, list[AlertRule]]:
    """Threshold rules by the parameter whose readings they compare (``pr`` reads ``hr``'s)."""
    by_parameter: dict[str, list[AlertRule]] = {}
    for rule in rules:
        if rule.kind is AlertKind.THRESHOLD:
            by_parameter.setdefault(rule.parameter, []).append(rule)
    if Parameter.HR.value in by_parameter:
        by_parameter[Parameter.PR.value] = by_parameter[Parameter.HR.value]
    return by_parameter


def evaluation_history(
    uow: UnitOfWork, s: InfusionSession, rules: Sequence[AlertRule]
) -> list[VitalReading]:
    """What :func:`evaluate` needs, read compactly: per parameter, the newest readings back to
    (and including) the last one that breaches none of its rules. Older readings cannot change
    any verdict, because every rule's trailing run stops at that reading; the newest ones also
    feed the board's trend. A parameter in a long breach is read back further (bounded)."""
    by_parameter = _threshold_rules(rules)
    history: list[VitalReading] = []
    for parameter in history_parameters(rules):
        rows = uow.readings.newest(s.clinic_id, s.id, parameter, limit=TREND_POINTS)
        own = by_parameter.get(parameter, [])
        if own and len(rows) == TREND_POINTS and not any(_breaks_every_run(r, own) for r in rows):
            rows = uow.readings.newest(s.clinic_id, s.id, parameter, limit=LONG_RUN_READINGS)
        history += rows
    return history


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


def _by_mrn(uow: UnitOfWork, clinic_id: int, mrn: str) -> list[int]:
    found = uow.patients.search(PatientSearch(clinic_id, text=mrn.strip(), limit=5))
    return [p.id for p in found if p.mrn == mrn.strip()]


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
