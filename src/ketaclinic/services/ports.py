"""What the services need from the outside world, as Protocols.

Adapters implement these (``ketaclinic.adapters``); tests use in-memory fakes. A service opens one
unit of work per use case and commits once; the audit event is written in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from ketaclinic.domain.access import Role
from ketaclinic.domain.audit import AuditEvent
from ketaclinic.domain.course import CourseState
from ketaclinic.domain.patients import (
    Allergy,
    Measurement,
    Patient,
    PatientDetails,
    RelatedPerson,
    RelatedPersonDetails,
)
from ketaclinic.domain.safety import SafetyAssessment, SafetyTask, Urgency
from ketaclinic.domain.staff import Chair, Clinic, Membership, StaffMember
from ketaclinic.domain.treatment import Course, CourseTransition, PublishedProtocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...


class TokenSource(Protocol):
    def new_token(self) -> str:
        """A fresh unguessable token (URL-safe text)."""
        ...


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


@dataclass(frozen=True, slots=True)
class WebSession:
    id: int
    staff_id: int
    clinic_id: int
    csrf_token: str
    last_seen_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: int
    staff_id: int
    clinic_id: int
    expires_at: datetime
    revoked_at: datetime | None


class AuditLog(Protocol):
    def append(self, entry: AuditEntry, *, at: datetime) -> AuditEvent: ...
    def query(self, q: AuditQuery) -> Sequence[tuple[int, AuditEvent]]: ...
    def chains(self) -> Sequence[str]: ...
    def chain_events(self, chain: str) -> Sequence[tuple[int, AuditEvent]]: ...
    def head(self, chain: str) -> tuple[int, str] | None: ...


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


class AuthSessionRepository(Protocol):
    def add_web(
        self,
        token_hash: str,
        staff_id: int,
        clinic_id: int,
        csrf: str,
        *,
        at: datetime,
        client: str,
    ) -> WebSession: ...
    def web_by_hash(self, token_hash: str) -> WebSession | None: ...
    def touch_web(self, session_id: int, at: datetime) -> None: ...
    def end_web(self, session_id: int, at: datetime) -> None: ...
    def add_token(
        self, token_hash: str, staff_id: int, clinic_id: int, *, at: datetime, expires_at: datetime
    ) -> ApiToken: ...
    def token_by_hash(self, token_hash: str) -> ApiToken | None: ...
    def revoke_token(self, token_id: int, at: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class PatientSearch:
    clinic_id: int
    text: str = ""
    date_of_birth: date | None = None
    limit: int = 50
    offset: int = 0


class PatientRepository(Protocol):
    def add(
        self, clinic_id: int, mrn: str, details: PatientDetails, *, at: datetime
    ) -> Patient: ...
    def get(self, clinic_id: int, patient_id: int) -> Patient | None: ...
    def update(self, patient: Patient, details: PatientDetails, *, at: datetime) -> Patient: ...
    def search(self, q: PatientSearch) -> Sequence[Patient]: ...
    def count(self, clinic_id: int) -> int: ...
    def add_related(
        self, clinic_id: int, patient_id: int, person: RelatedPersonDetails, *, at: datetime
    ) -> RelatedPerson: ...
    def related(self, clinic_id: int, patient_id: int) -> Sequence[RelatedPerson]: ...
    def add_measurement(
        self, clinic_id: int, patient_id: int, m: Measurement, *, entered_by: int
    ) -> None: ...
    def measurements(self, clinic_id: int, patient_id: int) -> Sequence[Measurement]: ...
    def add_allergy(
        self,
        clinic_id: int,
        patient_id: int,
        substance: str,
        reaction: str,
        severity: str,
        *,
        at: datetime,
    ) -> Allergy: ...
    def allergies(self, clinic_id: int, patient_id: int) -> Sequence[Allergy]: ...


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


class CourseRepository(Protocol):
    def add(
        self, clinic_id: int, patient_id: int, version_id: int, *, by: int, at: datetime
    ) -> Course: ...
    def get(self, clinic_id: int, course_id: int) -> Course | None: ...
    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[Course]: ...
    def in_states(self, clinic_id: int, states: Sequence[CourseState]) -> Sequence[Course]: ...
    def move(
        self, course: Course, to: CourseState, *, by: int, at: datetime, reason: str
    ) -> Course: ...
    def history(self, clinic_id: int, course_id: int) -> Sequence[CourseTransition]: ...


class SafetyTaskRepository(Protocol):
    def open_task(
        self,
        clinic_id: int,
        patient_id: int,
        *,
        source: str,
        rule_id: str,
        reason: str,
        urgency: Urgency,
        at: datetime,
    ) -> SafetyTask: ...
    def get(self, clinic_id: int, task_id: int) -> SafetyTask | None: ...
    def open_for_patient(self, clinic_id: int, patient_id: int) -> Sequence[SafetyTask]: ...
    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[SafetyTask]: ...
    def open_in_clinic(self, clinic_id: int) -> Sequence[SafetyTask]: ...
    def resolve(
        self, task: SafetyTask, assessment: SafetyAssessment, *, by: int, at: datetime
    ) -> SafetyTask: ...


class UnitOfWork(Protocol):
    """One transaction. ``commit`` once at the end of a use case; leaving without it rolls back."""

    audit: AuditLog
    clinics: ClinicRepository
    staff: StaffRepository
    auth_sessions: AuthSessionRepository
    patients: PatientRepository
    protocols: ProtocolRepository
    courses: CourseRepository
    safety_tasks: SafetyTaskRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
