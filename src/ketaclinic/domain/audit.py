"""Audit events and their hash chain.

Events are append-only. Each carries the hash of the previous event in its chain (one chain per
clinic, plus a ``system`` chain for events outside any clinic), so that editing or deleting a row
breaks every later link and ``ketaclinic audit verify`` can name the first broken event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """Who did what to which object, when, from where, and how it ended."""

    chain: str
    seq: int
    at: datetime
    actor_id: int | None
    actor_role: str
    action: str
    clinic_id: int | None
    patient_id: int | None
    object_type: str
    object_id: str
    outcome: str
    client: str
    detail: str
    prev_hash: str
    hash: str


def event_digest(
    *,
    chain: str,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_role: str,
    action: str,
    clinic_id: int | None,
    patient_id: int | None,
    object_type: str,
    object_id: str,
    outcome: str,
    client: str,
    detail: str,
    prev_hash: str,
) -> str:
    """SHA-256 over the canonical JSON of every field and the previous hash."""
    body = {
        "chain": chain,
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_role": actor_role,
        "action": action,
        "clinic_id": clinic_id,
        "patient_id": patient_id,
        "object_type": object_type,
        "object_id": object_id,
        "outcome": outcome,
        "client": client,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    chain: str
    seq: int
    event_id: int
    reason: str


def verify_chain(events: Iterable[tuple[int, AuditEvent]]) -> ChainBreak | None:
    """Check one chain's events in ``seq`` order; return the first break, or None if intact."""
    expected_prev, expected_seq = GENESIS, 1
    for event_id, event in events:
        if event.seq != expected_seq:
            return ChainBreak(event.chain, event.seq, event_id, f"expected seq {expected_seq}")
        if event.prev_hash != expected_prev:
            return ChainBreak(event.chain, event.seq, event_id, "previous-hash link broken")
        recomputed = event_digest(
            chain=event.chain,
            seq=event.seq,
            at=event.at,
            actor_id=event.actor_id,
            actor_role=event.actor_role,
            action=event.action,
            clinic_id=event.clinic_id,
            patient_id=event.patient_id,
            object_type=event.object_type,
            object_id=event.object_id,
            outcome=event.outcome,
            client=event.client,
            detail=event.detail,
            prev_hash=event.prev_hash,
        )
        if recomputed != event.hash:
            return ChainBreak(event.chain, event.seq, event_id, "content does not match its hash")
        expected_prev, expected_seq = event.hash, event.seq + 1
    return None
