"""Admission of the listener's monitor messages before anything is stored: a registered gateway
(source address + MSH-3/MSH-4), a PCD-01 version, plausible observation times and an MSH-10 not
reused with other content. A refused message is kept in the dead-letter store (bounded prefix and
digest) and audited, never stored.
"""

from __future__ import annotations

from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.monitor_ingest import (
    admitting_gateway,
    namespace_id,
    time_problem,
    version_problem,
)
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.services.audit.trail import record
from ketaclinic.services.infusion.monitor_batch import BatchState
from ketaclinic.services.infusion.monitor_messages import (
    DeviceMessage,
    IngestLimits,
    IngestResult,
    Receipt,
    RefusedMessage,
)
from ketaclinic.services.ports import Clock, UnitOfWork


class MessageAdmission:
    """Admits or refuses each listener message (the refusal names the rule and the ACK code)."""

    def __init__(self, clock: Clock, limits: IngestLimits, unknown_session_ack: str) -> None:
        self._clock, self._limits, self._unknown_ack = clock, limits, unknown_session_ack

    def admit(
        self, uow: UnitOfWork, clinic_id: int, message: DeviceMessage, state: BatchState
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

    def refused(self, uow: UnitOfWork, clinic_id: int, m: RefusedMessage) -> IngestResult:
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
