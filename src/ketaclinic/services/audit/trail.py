"""Writing, reading and verifying the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ketaclinic.domain.audit.events import (
    GENESIS,
    AuditEvent,
    ChainBreak,
    ChainHead,
    Checkpoint,
    checkpoint_signed,
    compare_to_checkpoint,
    make_checkpoint,
    verify_chain,
)
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.services.audit.ports import AuditEntry, AuditQuery
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


def linked_event(
    chain: str, entry: AuditEntry, tail: AuditEvent | None, at: datetime
) -> AuditEvent:
    """``entry`` as the next event of ``chain`` after ``tail``, its link (``hash``) not yet set:
    the one shape every audit log (database or in memory) stores."""
    return AuditEvent(
        chain=chain,
        seq=(tail.seq if tail else 0) + 1,
        at=at,
        actor_id=entry.actor_id,
        actor_role=entry.actor_role,
        action=entry.action,
        clinic_id=entry.clinic_id,
        patient_id=entry.patient_id,
        object_type=entry.object_type,
        object_id=entry.object_id,
        outcome=entry.outcome,
        client=entry.client[:64],
        detail=entry.detail,
        prev_hash=tail.hash if tail else GENESIS,
        hash="",
    )


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
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, key: bytes) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._key = key

    def search(self, actor: Actor, q: AuditQuery) -> Sequence[tuple[int, AuditEvent]]:
        """Audit events of the actor's clinic, newest first (admin and auditor only)."""
        require(actor, Permission.AUDIT_READ)
        with self._uow() as uow:
            return uow.audit.query(replace(q, clinic_id=actor.clinic_id))

    def verify(self, checkpoint: Checkpoint | None = None) -> VerifyReport:
        """Re-compute every chain's keyed links; report the first broken event, if any.

        With a ``checkpoint`` (signed with the same key) every chain it saw must still hold the
        event it saw at its head: removing the newest events, truncating the table or rewriting
        and re-linking the chain before that point is named as a break.
        """
        if checkpoint is not None and not checkpoint_signed(checkpoint, self._key):
            bad = ChainBreak("checkpoint", 0, 0, "checkpoint signature does not match the key")
            return VerifyReport(0, 0, bad)
        total = 0
        with self._uow() as uow:
            chains = sorted(set(uow.audit.chains()) | set(checkpoint.heads if checkpoint else ()))
            for chain in chains:
                events = list(uow.audit.chain_events(chain))
                total += len(events)
                broken = verify_chain(events, self._key)
                if broken is None and checkpoint is not None and chain in checkpoint.heads:
                    broken = compare_to_checkpoint(chain, events, checkpoint.heads[chain])
                if broken is not None:
                    return VerifyReport(total, len(chains), broken)
        return VerifyReport(total, len(chains), None)

    def checkpoint(self) -> Checkpoint:
        """Seal any chain still on unkeyed links, then sign the head of every chain.

        The caller stores the checkpoint outside the database (``ketaclinic audit checkpoint``,
        or the serve process every ``audit_checkpoint_interval_min`` minutes).
        """
        now = self._clock.now()
        with self._uow() as uow:
            for chain in uow.audit.chains():
                uow.audit.seal(chain, at=now)
            uow.commit()
        with self._uow() as uow:
            heads: dict[str, ChainHead] = {}
            total = 0
            for chain in uow.audit.chains():
                tail = uow.audit.tail(chain)
                if tail is not None:
                    heads[chain] = ChainHead(tail.seq, tail.hash)
                    total += tail.seq
        return make_checkpoint(now, heads, total, self._key)
