"""What the services need from the outside world, as Protocols.

Adapters implement these (``ketaclinic.adapters``); tests use in-memory fakes. A service opens one
unit of work per use case and commits once; the audit event is written in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ketaclinic.domain.audit.events import AuditEvent


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What a service asks the audit log to record; the log assigns chain, seq and hashes."""

    action: str
    clinic_id: int | None
    actor_id: int | None
    actor_role: str
    object_type: str
    object_id: str
    patient_id: int | None = None
    outcome: str = "success"
    client: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class AuditQuery:
    clinic_id: int
    patient_id: int | None = None
    actor_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 200


class AuditLog(Protocol):
    def append(self, entry: AuditEntry, *, at: datetime) -> AuditEvent: ...
    def query(self, q: AuditQuery) -> Sequence[tuple[int, AuditEvent]]: ...
    def chains(self) -> Sequence[str]: ...
    def chain_events(self, chain: str) -> Sequence[tuple[int, AuditEvent]]: ...
    def tail(self, chain: str) -> AuditEvent | None: ...
    def seal(self, chain: str, *, at: datetime) -> AuditEvent | None: ...
