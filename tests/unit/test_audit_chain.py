"""The audit hash chain detects an edited, reordered or removed event."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ketaclinic.domain.audit import GENESIS, AuditEvent, event_digest, verify_chain


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
