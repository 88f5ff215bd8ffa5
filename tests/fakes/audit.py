"""The audit log in memory: the same keyed chain as the database log (one chain per clinic)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from ketaclinic.domain.audit.events import EPOCH_ACTION, AuditEvent, is_keyed, recompute
from ketaclinic.services.audit.ports import AuditEntry, AuditQuery
from ketaclinic.services.audit.trail import linked_event
from tests.fakes.tables import Tables

#: the audit key of the in-memory store (the database log gets its key from settings)
FAKE_AUDIT_KEY = b"in-memory-audit-key-for-tests-only-0123"


def chain_name(clinic_id: int | None) -> str:
    return f"clinic:{clinic_id}" if clinic_id is not None else "system"


@dataclass
class AuditTables(Tables):
    events: list[tuple[int, AuditEvent]] = field(default_factory=list)


class InMemoryAuditLog:
    def __init__(self, tables: AuditTables, key: bytes = FAKE_AUDIT_KEY) -> None:
        self._t = tables
        self._key = key

    def append(self, entry: AuditEntry, *, at: datetime) -> AuditEvent:
        chain = chain_name(entry.clinic_id)
        tail = self.tail(chain)
        if tail is not None and not is_keyed(tail, self._key):
            tail = self._insert(chain, _epoch_entry(entry.clinic_id, chain), tail, at)
        return self._insert(chain, entry, tail, at)

    def seal(self, chain: str, *, at: datetime) -> AuditEvent | None:
        tail = self.tail(chain)
        if tail is None or is_keyed(tail, self._key):
            return None
        clinic_id = int(chain.removeprefix("clinic:")) if chain.startswith("clinic:") else None
        return self._insert(chain, _epoch_entry(clinic_id, chain), tail, at)

    def _insert(
        self, chain: str, entry: AuditEntry, tail: AuditEvent | None, at: datetime
    ) -> AuditEvent:
        unsigned = linked_event(chain, entry, tail, at)
        stored = replace(unsigned, hash=recompute(unsigned, self._key))
        self._t.events.append((self._t.next_id("audit_events"), stored))
        return stored

    def tail(self, chain: str) -> AuditEvent | None:
        events = self.chain_events(chain)
        return events[-1][1] if events else None

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
        return sorted({e.chain for _, e in self._t.events})

    def chain_events(self, chain: str) -> Sequence[tuple[int, AuditEvent]]:
        return sorted(
            ((i, e) for i, e in self._t.events if e.chain == chain), key=lambda p: p[1].seq
        )

    # -- for tests -------------------------------------------------------------------------
    def actions(self) -> list[str]:
        """Every action recorded, oldest first (what a test asserts on)."""
        return [e.action for _, e in self._t.events]


def _epoch_entry(clinic_id: int | None, chain: str) -> AuditEntry:
    return AuditEntry(
        action=EPOCH_ACTION,
        clinic_id=clinic_id,
        actor_id=None,
        actor_role="system",
        object_type="audit_chain",
        object_id=chain,
        detail="links from here on are HMAC-SHA256 under the audit key",
    )
