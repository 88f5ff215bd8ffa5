"""Audit events, their keyed hash chain and signed checkpoints.

Events are append-only. Each carries the hash of the previous event in its chain (one chain per
clinic, plus a ``system`` chain for events outside any clinic), so that editing or deleting a row
breaks every later link and ``ketaclinic audit verify`` can name the first broken event.

The link is HMAC-SHA256 under the audit key, which is held outside the database: someone who can
write to the database but does not hold the key cannot re-hash a rewritten chain. Chains written
before the key existed carry unkeyed SHA-256 links; the first keyed event of such a chain is an
epoch event (``audit.chain_keyed``), and every event from there on must carry a keyed link.
Deleting the newest events leaves a valid but shorter chain: a signed :class:`Checkpoint` kept
outside the database (head seq and hash per chain) catches that, and any rewrite before it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

GENESIS = "0" * 64
EPOCH_ACTION = "audit.chain_keyed"


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
    key: bytes | None = None,
) -> str:
    """HMAC-SHA256 under ``key`` (SHA-256 when ``key`` is None: chains from before the key)
    over the canonical JSON of every field and the previous hash."""
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
    if key is None:
        return hashlib.sha256(canonical.encode("ascii")).hexdigest()
    return hmac.new(key, canonical.encode("ascii"), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    chain: str
    seq: int
    event_id: int
    reason: str


def recompute(event: AuditEvent, key: bytes | None) -> str:
    """The link ``event`` should carry under ``key`` (None: the unkeyed SHA-256 link)."""
    return event_digest(
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
        key=key,
    )


def is_keyed(event: AuditEvent, key: bytes) -> bool:
    """True when ``event`` carries a valid HMAC link under ``key``."""
    return hmac.compare_digest(recompute(event, key), event.hash)


def verify_chain(
    events: Iterable[tuple[int, AuditEvent]], key: bytes | None = None
) -> ChainBreak | None:
    """Check one chain's events in ``seq`` order; return the first break, or None if intact.

    Without ``key`` every link is checked as unkeyed SHA-256. With ``key`` the chain is keyed
    from its first event, or from its epoch event when it began before the key; an unkeyed link
    after that point, or a chain that never reaches a keyed event, is a break.
    """
    expected_prev, expected_seq = GENESIS, 1
    keyed = False
    last: tuple[int, AuditEvent] | None = None
    for event_id, event in events:
        last = (event_id, event)
        if event.seq != expected_seq:
            return ChainBreak(event.chain, event.seq, event_id, f"expected seq {expected_seq}")
        if event.prev_hash != expected_prev:
            return ChainBreak(event.chain, event.seq, event_id, "previous-hash link broken")
        if key is not None and not keyed:
            keyed = is_keyed(event, key) and (event.seq == 1 or event.action == EPOCH_ACTION)
        link_key = key if keyed else None
        if not hmac.compare_digest(recompute(event, link_key), event.hash):
            reason = "content does not match its " + ("keyed hash" if keyed else "hash")
            return ChainBreak(event.chain, event.seq, event_id, reason)
        expected_prev, expected_seq = event.hash, event.seq + 1
    if key is not None and not keyed and last is not None:
        return ChainBreak(
            last[1].chain, last[1].seq, last[0], "chain is not sealed with the audit key"
        )
    return None


@dataclass(frozen=True, slots=True)
class ChainHead:
    """Where one chain ended when a checkpoint was taken."""

    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The head of every chain at ``at``, signed with the audit key (HMAC-SHA256)."""

    at: datetime
    heads: Mapping[str, ChainHead]
    events: int
    signature: str

    def body(self) -> dict[str, object]:
        return checkpoint_body(self.at, self.heads, self.events)


def checkpoint_body(at: datetime, heads: Mapping[str, ChainHead], events: int) -> dict[str, object]:
    return {
        "version": 1,
        "at": at.isoformat(timespec="microseconds"),
        "events": events,
        "heads": {c: {"seq": h.seq, "hash": h.hash} for c, h in sorted(heads.items())},
    }


def sign_checkpoint(body: Mapping[str, object], key: bytes) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, canonical.encode("ascii"), hashlib.sha256).hexdigest()


def make_checkpoint(
    at: datetime, heads: Mapping[str, ChainHead], events: int, key: bytes
) -> Checkpoint:
    body = checkpoint_body(at, heads, events)
    return Checkpoint(at, dict(heads), events, sign_checkpoint(body, key))


def checkpoint_signed(checkpoint: Checkpoint, key: bytes) -> bool:
    return hmac.compare_digest(sign_checkpoint(checkpoint.body(), key), checkpoint.signature)


def compare_to_checkpoint(
    chain: str, events: list[tuple[int, AuditEvent]], head: ChainHead
) -> ChainBreak | None:
    """The chain must still hold, at the checkpoint's seq, the event the checkpoint saw."""
    at_seq = next((pair for pair in events if pair[1].seq == head.seq), None)
    if at_seq is None:
        last_seq = events[-1][1].seq if events else 0
        event_id = events[-1][0] if events else 0
        reason = f"chain ends at seq {last_seq}, the checkpoint saw seq {head.seq}: events removed"
        return ChainBreak(chain, head.seq, event_id, reason)
    if not hmac.compare_digest(at_seq[1].hash, head.hash):
        return ChainBreak(
            chain, head.seq, at_seq[0], "event differs from the checkpoint: chain rewritten"
        )
    return None
