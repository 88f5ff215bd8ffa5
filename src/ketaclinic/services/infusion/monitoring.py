"""Vital signs in, alarms out: one pipeline for staff entry, gateway JSON/FHIR and HL7 monitors.

``ingest`` (and ``ingest_messages``, a batch, for the MLLP listener) resolves the running
session (given directly, by the bedside monitor's EUI-64 through the monitor registry and
chair, or by the patient's MRN), stores every reading with its plausibility verdict, evaluates
the pinned protocol's alert rules on the server (``domain.infusion.alarms.evaluate``), stores raised
and cleared alarms, notifies the prescriber of pause/stop alarms, records the message receipt (dedup
by sender + MSH-10 + digest) and commits — all in one unit of work — and only then returns, so the
caller's ACK follows the commit. Events go to the live board with the commit (the listener's
batches: one PostgreSQL NOTIFY in the transaction) or after it. A message for no
running session is kept in the dead-letter store and answered per ``unknown_session_ack``.
The listener's messages are first admitted (``domain.infusion.monitor_ingest``): a registered
gateway, a PCD-01 version, plausible observation times and an MSH-10 not reused with other content;
a refused one is kept in the dead-letter store (bounded prefix and digest), never stored.
The pieces: ``monitor_messages`` (what comes in and goes out), ``monitor_admission`` (the
listener's checks), ``monitor_batch`` (one batch's reads and deferred writes), ``vitals_recording``
(readings and alarms stored) and ``vitals_history`` (the history the evaluation needs).
Sources: clinical.md §4.1 (vitals schedule), §4.3 (alert thresholds).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ketaclinic.domain.errors import Conflict, PermissionDenied
from ketaclinic.domain.identity.access import Permission, refusal_words
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import DeadLetter, InfusionSession, StoredAlarm
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.identity.authorization import allowed, require
from ketaclinic.services.infusion.board import chair_document
from ketaclinic.services.infusion.history_cache import HistoryCache
from ketaclinic.services.infusion.monitor_admission import MessageAdmission
from ketaclinic.services.infusion.monitor_batch import BatchState, Routing, patients_with_mrn
from ketaclinic.services.infusion.monitor_messages import (
    DeviceMessage,
    IngestLimits,
    IngestResult,
    RefusedMessage,
    VitalsBatch,
)
from ketaclinic.services.infusion.ports import LiveEvents
from ketaclinic.services.infusion.vitals_recording import VitalsRecorder
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

# states the timer sweep evaluates: dosing (also paused) and after dosing (also stopped early)
_WATCHED = frozenset(
    {SessionState.INFUSING, SessionState.PAUSED, SessionState.STOPPED, SessionState.RECOVERY}
)


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
        self._limits = limits or IngestLimits()
        self._recorder = VitalsRecorder(clock, unknown_session_ack)
        self._admission = MessageAdmission(clock, self._limits, unknown_session_ack)
        self._histories = HistoryCache()  # running sessions' histories between batches
        self._routing: dict[int, Routing] = {}  # each clinic's routing, while its catalog holds

    def ingest(self, actor: Actor, batch: VitalsBatch) -> IngestResult:
        """Staff entry or a gateway (VITALS_WRITE or DEVICE_FEED). No session: Conflict."""
        if not (allowed(actor, Permission.VITALS_WRITE) or allowed(actor, Permission.DEVICE_FEED)):
            words = (
                refusal_words(actor.role, Permission.VITALS_WRITE)
                if actor.role is not None
                else "your role cannot record vital signs"
            )
            raise PermissionDenied(words, permission=Permission.VITALS_WRITE.value)
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

    def prime(self, clinic_id: int) -> int:
        """Before the listener serves: read the clinic's routing, and each running session's
        protocol and evaluation history (under the sessions' ingest locks, then rolled back), so
        the first messages do not wait for them. Returns the number of sessions primed."""
        with self._uow() as uow:
            state = BatchState.read(uow, clinic_id, [], self._routing)
            sessions = {s.id for s in (*state.by_chair.values(), *state.by_patient.values())}
            state.prefetch(
                uow, clinic_id, sorted(sessions), self._recorder.protocol, self._histories
            )
            state.hold(self._histories, clinic_id)
        return len(sessions)

    def _ingest_alone(
        self, clinic_id: int, message: DeviceMessage | RefusedMessage
    ) -> IngestResult:
        """One message of a batch that could not commit, in its own unit of work; a failure
        here is this message's alone (AR: not stored, resend later)."""
        try:  # the board after the commit: a failing NOTIFY must not cost the readings
            return self._ingest_batch(clinic_id, [message], with_commit=False)[0]
        except Exception:
            reason = "message not stored (internal error); resend later"
            return IngestResult("failed", "AR", reason=reason, error_code="207")

    def _ingest_batch(
        self,
        clinic_id: int,
        messages: Sequence[DeviceMessage | RefusedMessage],
        *,
        with_commit: bool = True,
    ) -> list[IngestResult]:
        """Admit and route every message (routing read once per batch, in this transaction),
        lock the sessions involved in id order, read their history and alarms in one query each,
        then store message by message (history kept current within the batch) and commit.

        The board events (alarms, and one document per chair that changed) go out with the
        commit (``with_commit``: PostgreSQL NOTIFY in this transaction, delivered only if it
        commits), else after it."""
        events: list[dict[str, Any]] = []
        results: list[IngestResult | None] = [None] * len(messages)
        with self._uow() as uow:
            state = BatchState.read(uow, clinic_id, messages, self._routing)
            planned: list[tuple[int, DeviceMessage, InfusionSession | None]] = []
            for index, message in enumerate(messages):
                if isinstance(message, RefusedMessage):
                    results[index] = self._admission.refused(uow, clinic_id, message)
                    continue
                routed = self._admission.admit(uow, clinic_id, message, state)
                if isinstance(routed, IngestResult):
                    results[index] = routed
                else:
                    planned.append((index, message, routed))
            sessions = sorted({s.id for _i, _m, s in planned if s is not None})
            state.prefetch(uow, clinic_id, sessions, self._recorder.protocol, self._histories)
            for index, message, session in planned:
                actor = Actor(None, None, clinic_id, f"hl7:{message.source}"[:40], label="monitor")
                if session is None:
                    results[index] = self._recorder.unmatched(uow, clinic_id, message.batch)
                else:
                    results[index] = self._recorder.store(
                        uow, actor, session, message.batch, events, state
                    )
            state.flush(uow, clinic_id, self._clock.now())
            events += [
                chair_document(s, state.history[i], state.alarms[i])
                for i, s in state.boards.items()
            ]
            sent = with_commit and self._events.publish_with(uow, clinic_id, events)
            uow.commit()
        state.remember(self._histories, clinic_id)
        if not sent:
            for event in events:
                self._events.publish(clinic_id, event)
        return [r for r in results if r is not None]

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
                result = self._recorder.store(uow, actor, s, VitalsBatch(()), events)
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
                result = self._recorder.unmatched(uow, actor.clinic_id, batch)
            else:
                result = self._recorder.store(uow, actor, session, batch, events)
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
            patient = next((p for p in patients_with_mrn(uow, clinic_id, batch.patient_mrn)), None)
            if patient is not None:
                return uow.sessions.active_for_patient(clinic_id, patient)
        return None
