"""The payloads of the board's PostgreSQL notifications: events packed under the size limit."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

NOTIFY_LIMIT = 7900  # PostgreSQL's NOTIFY payload limit is 8000 bytes


def notify_payloads(clinic_id: int, events: Sequence[Mapping[str, Any]]) -> list[str]:
    """``events`` as NOTIFY payloads ``{"clinic_id", "events": [...]}``, each under the limit;
    an event too large on its own goes slimmed, for the board to refetch."""
    head = len(_pack(clinic_id, []))
    payloads: list[str] = []
    chunk: list[str] = []
    size = 0
    for event in events:
        data = json.dumps(event, separators=(",", ":"))
        if head + len(data) > NOTIFY_LIMIT:
            data = json.dumps(slim(event), separators=(",", ":"))
        if chunk and head + size + len(chunk) + len(data) > NOTIFY_LIMIT:
            payloads.append(_pack(clinic_id, chunk))
            chunk, size = [], 0
        chunk.append(data)
        size += len(data)
    if chunk:
        payloads.append(_pack(clinic_id, chunk))
    return payloads


def _pack(clinic_id: int, encoded: list[str]) -> str:
    return f'{{"clinic_id":{int(clinic_id)},"events":[{",".join(encoded)}]}}'


def slim(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event's ids and state only, marked for the board to refetch the rest."""
    kept = {k: event[k] for k in ("type", "chair_id", "session_id", "state") if k in event}
    return {**kept, "refetch": True}
