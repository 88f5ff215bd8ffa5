"""The audit hash chain detects an edited, reordered or removed event; keyed links, the epoch
from unkeyed chains, and signed checkpoints."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ketaclinic.domain.audit.events import (
    EPOCH_ACTION,
    GENESIS,
    AuditEvent,
    ChainHead,
    checkpoint_signed,
    compare_to_checkpoint,
    event_digest,
    make_checkpoint,
    verify_chain,
)


def chain(n: int) -> list[tuple[int, AuditEvent]]:
    events: list[tuple[int, AuditEvent]] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        fields = {
            "chain": "clinic:1",
            "seq": seq,
            "at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=seq),
            "actor_id": 7,
            "actor_role": "nurse",
            "action": "patient.read",
            "clinic_id": 1,
            "patient_id": 3,
            "object_type": "patient",
            "object_id": "3",
            "outcome": "success",
            "client": "127.0.0.1",
            "detail": "",
            "prev_hash": prev,
        }
        digest = event_digest(**fields)  # type: ignore[arg-type]
        events.append((100 + seq, AuditEvent(**fields, hash=digest)))  # type: ignore[arg-type]
        prev = digest
    return events


def test_intact_chain_verifies() -> None:
    assert verify_chain(chain(5)) is None


def test_edited_event_is_named() -> None:
    events = chain(5)
    events[2] = (events[2][0], replace(events[2][1], action="patient.update"))
    broken = verify_chain(events)
    assert broken is not None and broken.event_id == 103 and broken.seq == 3


def test_removed_event_breaks_the_next_link() -> None:
    events = chain(5)
    del events[1]
    broken = verify_chain(events)
    assert broken is not None and broken.event_id == 103


def test_rehashed_edit_still_breaks_the_following_link() -> None:
    events = chain(4)
    edited = replace(events[1][1], outcome="failure")
    fields = {k: getattr(edited, k) for k in AuditEvent.__slots__ if k != "hash"}
    events[1] = (events[1][0], replace(edited, hash=event_digest(**fields)))
    broken = verify_chain(events)
    assert broken is not None and broken.event_id == 103


KEY = b"k" * 32


def keyed_chain(n: int, *, legacy: int = 0) -> list[tuple[int, AuditEvent]]:
    """``legacy`` unkeyed events, then an epoch event and keyed events up to ``n`` in all."""
    events: list[tuple[int, AuditEvent]] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        keyed = seq > legacy
        action = EPOCH_ACTION if legacy and seq == legacy + 1 else "patient.read"
        fields = {
            "chain": "clinic:1",
            "seq": seq,
            "at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=seq),
            "actor_id": 7,
            "actor_role": "nurse",
            "action": action,
            "clinic_id": 1,
            "patient_id": 3,
            "object_type": "patient",
            "object_id": "3",
            "outcome": "success",
            "client": "127.0.0.1",
            "detail": "",
            "prev_hash": prev,
        }
        digest = event_digest(**fields, key=KEY if keyed else None)  # type: ignore[arg-type]
        events.append((100 + seq, AuditEvent(**fields, hash=digest)))  # type: ignore[arg-type]
        prev = digest
    return events


def test_keyed_chain_verifies_only_with_its_key() -> None:
    assert verify_chain(keyed_chain(4), KEY) is None
    broken = verify_chain(keyed_chain(4), b"guessed" * 5)
    assert broken is not None and broken.seq == 1


def test_legacy_events_then_an_epoch_verify() -> None:
    assert verify_chain(keyed_chain(5, legacy=2), KEY) is None


def test_an_unsealed_legacy_chain_is_a_break_once_a_key_exists() -> None:
    broken = verify_chain(chain(3), KEY)
    assert broken is not None and "not sealed" in broken.reason


def test_an_unkeyed_event_after_the_epoch_is_a_break() -> None:
    events = keyed_chain(4, legacy=1)
    tampered = replace(events[3][1], outcome="failure")
    fields = {k: getattr(tampered, k) for k in AuditEvent.__slots__ if k != "hash"}
    events[3] = (events[3][0], replace(tampered, hash=event_digest(**fields)))
    broken = verify_chain(events, KEY)
    assert broken is not None and broken.event_id == 104


def test_checkpoint_signature_and_comparison() -> None:
    events = keyed_chain(3)
    head = ChainHead(3, events[-1][1].hash)
    signed = make_checkpoint(datetime(2026, 1, 2, tzinfo=UTC), {"clinic:1": head}, 3, KEY)
    assert checkpoint_signed(signed, KEY) and not checkpoint_signed(signed, b"x" * 32)
    assert compare_to_checkpoint("clinic:1", events, head) is None
    shorter = compare_to_checkpoint("clinic:1", events[:2], head)
    assert shorter is not None and "events removed" in shorter.reason
