"""The append-only audit log with a per-chain hash link. No code path updates or deletes events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.engine import RowMapping

from ketaclinic.adapters.db.tables import audit_events, audit_heads
from ketaclinic.domain.audit import GENESIS, AuditEvent, event_digest
from ketaclinic.services.ports import AuditEntry, AuditQuery


def chain_name(clinic_id: int | None) -> str:
    return f"clinic:{clinic_id}" if clinic_id is not None else "system"


class SqlAuditLog:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def append(self, entry: AuditEntry, *, at: datetime) -> AuditEvent:
        chain = chain_name(entry.clinic_id)
        seq, prev = self._lock_head(chain)
        fields = {
            "chain": chain,
            "seq": seq + 1,
            "at": at,
            "actor_id": entry.actor_id,
            "actor_role": entry.actor_role,
            "action": entry.action,
            "clinic_id": entry.clinic_id,
            "patient_id": entry.patient_id,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "outcome": entry.outcome,
            "client": entry.client[:64],
            "detail": entry.detail,
            "prev_hash": prev,
        }
        digest = event_digest(**fields)  # type: ignore[arg-type]
        self._conn.execute(insert(audit_events).values(**fields, hash=digest))
        self._conn.execute(
            update(audit_heads).where(audit_heads.c.chain == chain).values(seq=seq + 1, hash=digest)
        )
        return AuditEvent(**fields, hash=digest)  # type: ignore[arg-type]

    def _lock_head(self, chain: str) -> tuple[int, str]:
        """Lock the chain head (FOR UPDATE on PostgreSQL; SQLite writers are already serial)."""
        stmt = select(audit_heads.c.seq, audit_heads.c.hash).where(audit_heads.c.chain == chain)
        row = self._conn.execute(stmt.with_for_update()).first()
        if row is None:
            self._conn.execute(insert(audit_heads).values(chain=chain, seq=0, hash=GENESIS))
            row = self._conn.execute(stmt.with_for_update()).first()
            assert row is not None
        return int(row.seq), str(row.hash)

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
        return [str(c) for c in self._conn.scalars(select(audit_heads.c.chain).order_by("chain"))]

    def chain_events(self, chain: str) -> Sequence[tuple[int, AuditEvent]]:
        stmt = (
            select(audit_events).where(audit_events.c.chain == chain).order_by(audit_events.c.seq)
        )
        return [(row.id, _event(row._mapping)) for row in self._conn.execute(stmt)]

    def head(self, chain: str) -> tuple[int, str] | None:
        stmt = select(audit_heads.c.seq, audit_heads.c.hash).where(audit_heads.c.chain == chain)
        row = self._conn.execute(stmt).first()
        return (int(row.seq), str(row.hash)) if row else None


def _event(row: RowMapping) -> AuditEvent:
    return AuditEvent(**{k: row[k] for k in AuditEvent.__slots__})
