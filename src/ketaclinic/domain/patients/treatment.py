"""A patient's treatment course and the published protocol version it is pinned to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.protocols.model import protocol_name


@dataclass(frozen=True, slots=True)
class PublishedProtocol:
    """A protocol version as published in one clinic (immutable; ``hash`` identifies content)."""

    id: int
    clinic_id: int
    protocol_id: str
    version: str
    hash: str
    title: str
    base_ref: str | None
    published_at: datetime
    signed_off_by: int | None = None
    signed_off_at: datetime | None = None

    @property
    def ref(self) -> str:
        return f"{self.protocol_id}@{self.version}"

    @property
    def name(self) -> str:
        """What staff call the protocol (its title's name part), never its ``protocol_id``."""
        return protocol_name(self.title)

    @property
    def label(self) -> str:
        """Its name and version as pages show them: ``Adult IV ketamine induction 1.1.0``."""
        return f"{self.name} {self.version}"

    @property
    def base_label(self) -> str | None:
        """The version it was adopted from, named like :attr:`label` (None: not adopted)."""
        if self.base_ref is None:
            return None
        protocol_id, _, version = self.base_ref.partition("@")
        return f"{self.name} {version}" if protocol_id == self.protocol_id else self.base_ref

    @property
    def signed_off(self) -> bool:
        return self.signed_off_at is not None


@dataclass(frozen=True, slots=True)
class Course:
    id: int
    clinic_id: int
    patient_id: int
    protocol_version_id: int
    state: CourseState
    opened_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class CourseTransition:
    from_state: CourseState
    to_state: CourseState
    at: datetime
    by_staff: int
    reason: str
