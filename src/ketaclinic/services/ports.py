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
from ketaclinic.domain.assessments import AssessmentLink, AssessmentResponse, NewResponse, Notice
from ketaclinic.domain.audit import AuditEvent
from ketaclinic.domain.consent import Signature, Withdrawal
from ketaclinic.domain.consent_documents import ConsentTemplate
from ketaclinic.domain.course import CourseState
from ketaclinic.domain.dosing.checkin import BetweenSessionCheckIn
from ketaclinic.domain.dosing.records import (
    Administration,
    DoseOrder,
    OrderContent,
    SessionResponse,
    StoredCheckIn,
    VerificationRecord,
)
from ketaclinic.domain.eligibility.signoff import SignedDecision
from ketaclinic.domain.evaluation import Evaluation
from ketaclinic.domain.evaluation_records import (
    StoredDecision,
    StoredEvaluation,
    StoredSignature,
    StoredWithdrawal,
)
from ketaclinic.domain.patients import (
    Allergy,
    Measurement,
    Patient,
    PatientDetails,
    RelatedPerson,
    RelatedPersonDetails,
)
from ketaclinic.domain.questionnaire_mappings import QuestionnaireMapping, StoredMapping
from ketaclinic.domain.safety import SafetyAssessment, SafetyTask, Urgency
from ketaclinic.domain.staff import Chair, Clinic, Membership, StaffMember
from ketaclinic.domain.treatment import Course, CourseTransition, PublishedProtocol
from ketaclinic.services.infusion_ports import (
    AlarmRepository,
    GatewayRegistry,
    Hl7Inbox,
    MonitorRegistry,
    NotificationRepository,
    ReadingRepository,
    SessionRepository,
)
from ketaclinic.services.integration_ports import CoachingNoteRepository, IntegrationRepository
from ketaclinic.services.outcome_ports import OutcomeRepository
from ketaclinic.services.scheduling_ports import ScheduleRepository
from ketaclinic.services.session_workflow_ports import SessionRecordRepository


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
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: int
    staff_id: int
    clinic_id: int
    expires_at: datetime
    revoked_at: datetime | None
    created_at: datetime | None = None


class AuditLog(Protocol):
    def append(self, entry: AuditEntry, *, at: datetime) -> AuditEvent: ...
    def query(self, q: AuditQuery) -> Sequence[tuple[int, AuditEvent]]: ...
    def chains(self) -> Sequence[str]: ...
    def chain_events(self, chain: str) -> Sequence[tuple[int, AuditEvent]]: ...
    def tail(self, chain: str) -> AuditEvent | None: ...
    def seal(self, chain: str, *, at: datetime) -> AuditEvent | None: ...


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


class AssessmentRepository(Protocol):
    def add(self, clinic_id: int, r: NewResponse, *, at: datetime) -> AssessmentResponse: ...
    def get(self, clinic_id: int, response_id: int) -> AssessmentResponse | None: ...
    def for_patient(
        self, clinic_id: int, patient_id: int, instrument_id: str | None = None
    ) -> Sequence[AssessmentResponse]: ...


class QuestionnaireMappingRepository(Protocol):
    def add(
        self, clinic_id: int, mapping: QuestionnaireMapping, *, by: int, at: datetime
    ) -> StoredMapping: ...
    def for_clinic(self, clinic_id: int) -> Sequence[StoredMapping]: ...
    def by_url(self, clinic_id: int, url: str) -> StoredMapping | None: ...


class AssessmentLinkRepository(Protocol):
    def add(
        self,
        clinic_id: int,
        *,
        patient_id: int,
        course_id: int | None,
        instrument_id: str,
        token_hash: str,
        form_token: str,
        created_by: int,
        at: datetime,
        expires_at: datetime,
        guardian_informed: bool,
    ) -> AssessmentLink: ...
    def by_token_hash(self, token_hash: str) -> AssessmentLink | None: ...
    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[AssessmentLink]: ...
    def mark_used(self, link: AssessmentLink, response_id: int, *, at: datetime) -> None: ...


class NoticeRepository(Protocol):
    def add(
        self,
        clinic_id: int,
        patient_id: int,
        *,
        kind: str,
        audience: str,
        ref: str,
        message: str,
        at: datetime,
    ) -> Notice: ...
    def for_audience(self, clinic_id: int, audience: str, limit: int = 50) -> Sequence[Notice]: ...
    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[Notice]: ...


class DosingRepository(Protocol):
    def add_checkin(
        self,
        clinic_id: int,
        patient_id: int,
        course_id: int,
        checkin: BetweenSessionCheckIn,
        *,
        by: int | None,
    ) -> StoredCheckIn: ...
    def checkins(self, clinic_id: int, course_id: int) -> Sequence[StoredCheckIn]: ...
    def add_order(
        self,
        clinic_id: int,
        patient_id: int,
        course_id: int,
        protocol_version_id: int,
        content: OrderContent,
        *,
        by: int,
        at: datetime,
    ) -> DoseOrder: ...
    def get_order(self, clinic_id: int, order_id: int) -> DoseOrder | None: ...
    def orders_for_course(self, clinic_id: int, course_id: int) -> Sequence[DoseOrder]: ...
    def orders_for_patient(self, clinic_id: int, patient_id: int) -> Sequence[DoseOrder]: ...
    def add_verification(
        self, order: DoseOrder, *, by: int, at: datetime, mismatches: Sequence[str]
    ) -> VerificationRecord: ...
    def verifications(self, clinic_id: int, order_id: int) -> Sequence[VerificationRecord]: ...
    def add_administration(
        self, order: DoseOrder, response: SessionResponse, *, by: int, at: datetime
    ) -> Administration: ...
    def administrations(self, clinic_id: int, course_id: int) -> Sequence[Administration]: ...


class EvaluationRepository(Protocol):
    def add_version(
        self, course: Course, evaluation: Evaluation, *, by: int, at: datetime
    ) -> StoredEvaluation: ...
    def latest(self, clinic_id: int, course_id: int) -> StoredEvaluation | None: ...
    def versions(self, clinic_id: int, course_id: int) -> Sequence[StoredEvaluation]: ...


class EligibilityRepository(Protocol):
    def add(
        self, course: Course, evaluation_version: int, decision: SignedDecision, *, by: int
    ) -> StoredDecision: ...
    def latest(self, clinic_id: int, course_id: int) -> StoredDecision | None: ...


class ConsentRepository(Protocol):
    def add_signature(
        self,
        course: Course,
        signature: Signature,
        *,
        related_person_id: int | None,
        image_png: str,
        by: int,
    ) -> StoredSignature: ...
    def get(self, clinic_id: int, signature_id: int) -> StoredSignature | None: ...
    def signatures(self, clinic_id: int, course_id: int) -> Sequence[StoredSignature]: ...
    def for_patient(self, clinic_id: int, patient_id: int) -> Sequence[StoredSignature]: ...
    def add_withdrawal(
        self, course: Course, withdrawal: Withdrawal, *, by: int
    ) -> StoredWithdrawal: ...
    def withdrawals(self, clinic_id: int, course_id: int) -> Sequence[StoredWithdrawal]: ...


class ConsentLibrary(Protocol):
    """The texts of consent documents by ``(document id, version)``."""

    def get(self, document_id: str, version: str) -> ConsentTemplate | None: ...


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
    evaluations: EvaluationRepository
    eligibility: EligibilityRepository
    consents: ConsentRepository
    dosing: DosingRepository
    assessments: AssessmentRepository
    assessment_links: AssessmentLinkRepository
    questionnaire_mappings: QuestionnaireMappingRepository
    notices: NoticeRepository
    sessions: SessionRepository
    monitors: MonitorRegistry
    readings: ReadingRepository
    alarms: AlarmRepository
    notifications: NotificationRepository
    hl7_inbox: Hl7Inbox
    gateways: GatewayRegistry
    schedule: ScheduleRepository
    outcomes: OutcomeRepository
    integration: IntegrationRepository
    coaching_notes: CoachingNoteRepository
    session_records: SessionRecordRepository

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
