"""What the services need from the outside world, as Protocols.

Adapters implement these (``ketaclinic.adapters``); tests use in-memory fakes. A service opens one
unit of work per use case and commits once; the audit event is written in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Chair, Clinic, Membership, StaffMember


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...


class TokenSource(Protocol):
    def new_token(self) -> str:
        """A fresh unguessable token (URL-safe text)."""
        ...


@dataclass(frozen=True, slots=True)
class StaffWebSession:
    id: int
    staff_id: int
    clinic_id: int
    csrf_token: str
    last_seen_at: datetime
    ended_at: datetime | None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: int
    staff_id: int
    clinic_id: int
    expires_at: datetime
    revoked_at: datetime | None
    created_at: datetime | None = None


class ClinicRepository(Protocol):
    def add(
        self, slug: str, name: str, timezone: str, mrn_prefix: str, *, at: datetime
    ) -> Clinic: ...
    def get(self, clinic_id: int) -> Clinic | None: ...
    def by_slug(self, slug: str) -> Clinic | None: ...
    def list(self) -> Sequence[Clinic]: ...
    def next_mrn(self, clinic_id: int) -> str: ...
    def add_chair(self, clinic_id: int, name: str, features: tuple[str, ...]) -> int: ...
    def chairs(self, clinic_id: int) -> Sequence[Chair]: ...


class StaffRepository(Protocol):
    def add(self, email: str, name: str, password_hash: str, *, at: datetime) -> StaffMember: ...
    def get(self, staff_id: int) -> StaffMember | None: ...
    def by_email(self, email: str) -> StaffMember | None: ...
    def list_for_clinic(self, clinic_id: int) -> Sequence[tuple[StaffMember, Role]]: ...
    def memberships(self, staff_id: int) -> Sequence[Membership]: ...
    def set_membership(self, staff_id: int, clinic_id: int, role: Role) -> None: ...
    def record_signin_failure(self, staff_id: int, locked_until: datetime | None) -> None: ...
    def record_signin_success(self, staff_id: int) -> None: ...
    def set_active(self, staff_id: int, active: bool) -> None: ...
    def set_password_hash(self, staff_id: int, password_hash: str) -> None: ...


class StaffSessionRepository(Protocol):
    def add_web(
        self,
        token_hash: str,
        staff_id: int,
        clinic_id: int,
        csrf: str,
        *,
        at: datetime,
        client: str,
    ) -> StaffWebSession: ...
    def web_by_hash(self, token_hash: str) -> StaffWebSession | None: ...
    def touch_web(self, session_id: int, at: datetime) -> None: ...
    def end_web(self, session_id: int, at: datetime) -> None: ...
    def add_token(
        self, token_hash: str, staff_id: int, clinic_id: int, *, at: datetime, expires_at: datetime
    ) -> ApiToken: ...
    def token_by_hash(self, token_hash: str) -> ApiToken | None: ...
    def revoke_token(self, token_id: int, at: datetime) -> None: ...
