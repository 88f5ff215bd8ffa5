"""Writing, reading and verifying the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ketaclinic.domain.access import Permission
from ketaclinic.domain.audit import AuditEvent, ChainBreak, verify_chain
from ketaclinic.domain.staff import Actor
from ketaclinic.services.authorization import require
from ketaclinic.services.ports import AuditEntry, AuditQuery, Clock, UnitOfWork, UnitOfWorkFactory


def record(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id: str | int,
    patient_id: int | None = None,
    outcome: str = "success",
    detail: str = "",
) -> AuditEvent:
    """Append one audit event inside the caller's unit of work (same transaction as the change)."""
    entry = AuditEntry(
        action=action,
        clinic_id=actor.clinic_id,
        actor_id=actor.staff_id,
        actor_role=actor.role_name,
        object_type=object_type,
        object_id=str(object_id),
        patient_id=patient_id,
        outcome=outcome,
        client=actor.client,
        detail=detail,
    )
    return uow.audit.append(entry, at=clock.now())


@dataclass(frozen=True, slots=True)
class VerifyReport:
    events: int
    chains: int
    first_break: ChainBreak | None


class AuditService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    def search(self, actor: Actor, q: AuditQuery) -> Sequence[tuple[int, AuditEvent]]:
        """Audit events of the actor's clinic, newest first (admin and auditor only)."""
        require(actor, Permission.AUDIT_READ)
        with self._uow() as uow:
            return uow.audit.query(replace(q, clinic_id=actor.clinic_id))

    def verify(self) -> VerifyReport:
        """Re-hash every chain; report the first broken event, if any."""
        total = 0
        with self._uow() as uow:
            chains = uow.audit.chains()
            for chain in chains:
                events = uow.audit.chain_events(chain)
                total += len(events)
                broken = verify_chain(events) or _head_mismatch(uow, chain, events)
                if broken is not None:
                    return VerifyReport(total, len(chains), broken)
        return VerifyReport(total, len(chains), None)


def _head_mismatch(
    uow: UnitOfWork, chain: str, events: Sequence[tuple[int, AuditEvent]]
) -> ChainBreak | None:
    """Deleting the newest events leaves the chain valid but shorter than its recorded head."""
    head = uow.audit.head(chain)
    last_seq = events[-1][1].seq if events else 0
    last_hash = events[-1][1].hash if events else None
    if head is not None and (head[0] != last_seq or (last_hash and head[1] != last_hash)):
        event_id = events[-1][0] if events else 0
        return ChainBreak(
            chain, head[0], event_id, f"chain ends at seq {last_seq}, head says {head[0]}"
        )
    return None
