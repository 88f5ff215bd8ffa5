"""The audit log in memory: the same hash chain as the database log (one chain per clinic)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from ketaclinic.domain.audit import GENESIS, AuditEvent, event_digest
from ketaclinic.services.ports import AuditEntry, AuditQuery
from tests.fakes.tables import Tables


def chain_name(clinic_id: int | None) -> str:
    return f"clinic:{clinic_id}" if clinic_id is not None else "system"


@dataclass
class AuditTables(Tables):
    events: list[tuple[int, AuditEvent]] = field(default_factory=list)
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)


class InMemoryAuditLog:
    def __init__(self, tables: AuditTables) -> None:
        self._t = tables

    def append(self, entry: AuditEntry, *, at: datetime) -> AuditEvent:
        chain = chain_name(entry.clinic_id)
        seq, prev = self._t.heads.get(chain, (0, GENESIS))
        event = AuditEvent(
            chain=chain,
            seq=seq + 1,
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
            prev_hash=prev,
            hash="",
        )
        digest = _digest(event)
        stored = replace(event, hash=digest)
        self._t.events.append((self._t.next_id("audit_events"), stored))
        self._t.heads[chain] = (seq + 1, digest)
        return stored

    def query(self, q: AuditQuery) -> Sequence[tuple[int, AuditEvent]]:
        found = [
            (i, e)
            for i, e in self._t.events
            if e.clinic_id == q.clinic_id
            and (q.patient_id is None or e.patient_id == q.patient_id)
            and (q.actor_id is None or e.actor_id == q.actor_id)
            and (q.since is None or e.at >= q.since)
            and (q.until is None or e.at < q.until)
        ]
        found.sort(key=lambda pair: (pair[1].at, pair[0]), reverse=True)
        return found[: q.limit]

    def chains(self) -> Sequence[str]:
        return sorted(self._t.heads)

    def chain_events(self, chain: str) -> Sequence[tuple[int, AuditEvent]]:
        return sorted(
            ((i, e) for i, e in self._t.events if e.chain == chain), key=lambda p: p[1].seq
        )

    def head(self, chain: str) -> tuple[int, str] | None:
        return self._t.heads.get(chain)

    # -- for tests -------------------------------------------------------------------------
    def actions(self) -> list[str]:
        """Every action recorded, oldest first (what a test asserts on)."""
        return [e.action for _, e in self._t.events]


def _digest(e: AuditEvent) -> str:
    return event_digest(
        chain=e.chain,
        seq=e.seq,
        at=e.at,
        actor_id=e.actor_id,
        actor_role=e.actor_role,
        action=e.action,
        clinic_id=e.clinic_id,
        patient_id=e.patient_id,
        object_type=e.object_type,
        object_id=e.object_id,
        outcome=e.outcome,
        client=e.client,
        detail=e.detail,
        prev_hash=e.prev_hash,
    )
