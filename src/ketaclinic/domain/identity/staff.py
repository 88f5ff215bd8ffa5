"""Clinics, staff members and their memberships (one role per clinic)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ketaclinic.domain.identity.access import Role


@dataclass(frozen=True, slots=True)
class Clinic:
    id: int
    slug: str
    name: str
    timezone: str


@dataclass(frozen=True, slots=True)
class Chair:
    """A treatment chair (``features`` such as ``recliner`` or ``monitor``)."""

    id: int
    clinic_id: int
    name: str
    features: tuple[str, ...]
    in_service: bool


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: int
    email: str
    name: str
    active: bool
    failed_signins: int
    locked_until: datetime | None
    password_hash: str


@dataclass(frozen=True, slots=True)
class Membership:
    clinic_id: int
    staff_id: int
    role: Role


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated person acting in one clinic, with their role there.

    ``client`` is the network address the request came from (for the audit trail). A patient or
    guardian answering through an expiring link acts as ``Actor.for_link``.
    """

    staff_id: int | None
    role: Role | None
    clinic_id: int
    client: str = ""
    label: str = ""

    @property
    def role_name(self) -> str:
        return self.role.value if self.role is not None else self.label or "anonymous"
