"""What the services need from the outside world, as Protocols.

Adapters implement these (``ketaclinic.adapters``); tests use in-memory fakes. A service opens one
unit of work per use case and commits once; the audit event is written in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from ketaclinic.domain.patients.treatment import PublishedProtocol


class ProtocolRepository(Protocol):
    def publish(
        self,
        clinic_id: int,
        *,
        protocol_id: str,
        version: str,
        hash: str,
        title: str,
        base_ref: str | None,
        content: str,
        at: datetime,
        by: int | None,
    ) -> PublishedProtocol: ...
    def get(self, clinic_id: int, version_id: int) -> PublishedProtocol | None: ...
    def find(self, clinic_id: int, protocol_id: str, version: str) -> PublishedProtocol | None: ...
    def list(self, clinic_id: int) -> Sequence[PublishedProtocol]: ...
    def content(self, clinic_id: int, version_id: int) -> str: ...
    def sign_off(
        self,
        clinic_id: int,
        version_id: int,
        *,
        hash: str,
        by: int,
        at: datetime,
        confirmed_paths: Sequence[str],
    ) -> None: ...
