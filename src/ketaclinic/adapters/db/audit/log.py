"""The append-only audit log with a keyed per-chain hash link.

No code path updates or deletes events; on PostgreSQL a trigger refuses UPDATE, DELETE and
TRUNCATE of ``audit_events`` for every role, and the application's role holds only SELECT and
INSERT on it (see ``adapters/db/roles.py``). The head of a chain is its last row: nothing else in
the database records it, so there is no head row to rewrite.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection, insert, select, text
from sqlalchemy.engine import RowMapping

from ketaclinic.adapters.db.tables import audit_events
from ketaclinic.domain.audit.events import EPOCH_ACTION, AuditEvent, is_keyed, recompute
from ketaclinic.services.audit.ports import AuditEntry, AuditQuery
from ketaclinic.services.audit.trail import linked_event

# pg_advisory_xact_lock(namespace, key): the namespace keeps audit locks apart from other locks
AUDIT_LOCK_NAMESPACE = 0x4B41  # "KA"


def chain_name(clinic_id: int | None) -> str:
    return f"clinic:{clinic_id}" if clinic_id is not None else "system"


def _lock_key(chain: str) -> int:
    """A stable signed 32-bit key for the chain (advisory locks take int4 pairs)."""
    value = zlib.crc32(chain.encode("utf-8"))
    return value - (1 << 32) if value >= (1 << 31) else value


class SqlAuditLog:
    def __init__(self, conn: Connection, key: bytes) -> None:
        self._conn = conn
        self._key = key
        # chain -> (transaction, savepoint, the link this log inserted last in them)
        self._linked: dict[str, tuple[object, object, AuditEvent]] = {}

    def append(self, entry: AuditEntry, *, at: datetime) -> AuditEvent:
        """The one append path: serialise the chain, link to its last row, insert.

        A second append to the same chain in the same transaction (and savepoint) links to the
        event the first one inserted: the chain's lock is still held, so that is its last row.
        """
        chain = chain_name(entry.clinic_id)
        tail = self._own_tail(chain)
        if tail is None:
            self._serialise(chain)
            tail = self.tail(chain)
            if tail is not None and not is_keyed(tail, self._key):
                tail = self._insert(chain, _epoch_entry(entry, chain), tail, at)
        event = self._insert(chain, entry, tail, at)
        self._linked[chain] = (*self._scope(), event)
        return event

    def _scope(self) -> tuple[object, object]:
        return self._conn.get_transaction(), self._conn.get_nested_transaction()

    def _own_tail(self, chain: str) -> AuditEvent | None:
        """The link this log inserted last on ``chain``, if still in the same (sub)transaction."""
        linked = self._linked.get(chain)
        if linked is None:
            return None
        transaction, savepoint, event = linked
        current, nested = self._scope()
        if transaction is None or transaction is not current or savepoint is not nested:
            return None
        if not getattr(transaction, "is_active", False):
            return None
        return event

    def seal(self, chain: str, *, at: datetime) -> AuditEvent | None:
        """Write the epoch event on a chain whose newest link is unkeyed (None if already keyed)."""
        self._serialise(chain)
        tail = self.tail(chain)
        if tail is None or is_keyed(tail, self._key):
            return None
        clinic_id = int(chain.removeprefix("clinic:")) if chain.startswith("clinic:") else None
        marker = AuditEntry(EPOCH_ACTION, clinic_id, None, "system", "audit_chain", chain)
        return self._insert(chain, _epoch_entry(marker, chain), tail, at)

    def _serialise(self, chain: str) -> None:
        """One writer per chain: a transaction-scoped advisory lock on PostgreSQL (released at
        commit or rollback); SQLite writers are already serial (BEGIN IMMEDIATE)."""
        if self._conn.dialect.name == "postgresql":
            self._conn.execute(
                text("SELECT pg_advisory_xact_lock(:ns, :key)"),
                {"ns": AUDIT_LOCK_NAMESPACE, "key": _lock_key(chain)},
            )

    def _insert(
        self, chain: str, entry: AuditEntry, tail: AuditEvent | None, at: datetime
    ) -> AuditEvent:
        unsigned = linked_event(chain, entry, tail, at)
        event = replace(unsigned, hash=recompute(unsigned, self._key))
        fields = {k: getattr(event, k) for k in AuditEvent.__slots__}
        self._conn.execute(insert(audit_events).values(**fields))
        return event

    def tail(self, chain: str) -> AuditEvent | None:
        stmt = (
            select(audit_events)
            .where(audit_events.c.chain == chain)
            .order_by(audit_events.c.seq.desc())
            .limit(1)
        )
        row = self._conn.execute(stmt).first()
        return _event(row._mapping) if row else None

    def query(self, q: AuditQuery) -> Sequence[tuple[int, AuditEvent]]:
        stmt = select(audit_events).where(audit_events.c.clinic_id == q.clinic_id)
        if q.patient_id is not None:
            stmt = stmt.where(audit_events.c.patient_id == q.patient_id)
        if q.actor_id is not None:
            stmt = stmt.where(audit_events.c.actor_id == q.actor_id)
        if q.since is not None:
            stmt = stmt.where(audit_events.c.at >= q.since)
        if q.until is not None:
            stmt = stmt.where(audit_events.c.at < q.until)
        stmt = stmt.order_by(audit_events.c.at.desc(), audit_events.c.id.desc()).limit(q.limit)
        return [(row.id, _event(row._mapping)) for row in self._conn.execute(stmt)]

    def chains(self) -> Sequence[str]:
        stmt = select(audit_events.c.chain).distinct().order_by(audit_events.c.chain)
        return [str(c) for c in self._conn.scalars(stmt)]

    def chain_events(self, chain: str) -> Sequence[tuple[int, AuditEvent]]:
        stmt = (
            select(audit_events).where(audit_events.c.chain == chain).order_by(audit_events.c.seq)
        )
        return [(row.id, _event(row._mapping)) for row in self._conn.execute(stmt)]


def _epoch_entry(entry: AuditEntry, chain: str) -> AuditEntry:
    return AuditEntry(
        action=EPOCH_ACTION,
        clinic_id=entry.clinic_id,
        actor_id=None,
        actor_role="system",
        object_type="audit_chain",
        object_id=chain,
        detail="links from here on are HMAC-SHA256 under the audit key",
    )


def _event(row: RowMapping) -> AuditEvent:
    return AuditEvent(**{k: row[k] for k in AuditEvent.__slots__})
