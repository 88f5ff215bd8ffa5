"""The shared seams: the clock and the unit of work, typed against each area's ports.

Every area keeps its own storage Protocols beside its services in ``services/<area>/ports.py``;
adapters implement them (``ketaclinic.adapters``), tests use in-memory fakes. A service opens one
unit of work per use case and commits once; the audit event is written in the same unit of work."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from ketaclinic.services.assessments.ports import (
    AssessmentLinkRepository,
    AssessmentRepository,
    NoticeRepository,
    QuestionnaireMappingRepository,
    SafetyTaskRepository,
)
from ketaclinic.services.audit.ports import AuditLog
from ketaclinic.services.consent.ports import ConsentRepository
from ketaclinic.services.dosing.ports import DosingRepository
from ketaclinic.services.evaluation.ports import EligibilityRepository, EvaluationRepository
from ketaclinic.services.identity.ports import (
    ClinicRepository,
    StaffRepository,
    StaffSessionRepository,
)
from ketaclinic.services.infusion.ports import (
    AlarmRepository,
    GatewayRegistry,
    Hl7Inbox,
    MonitorRegistry,
    NotificationRepository,
    ReadingRepository,
    SessionRecordRepository,
    SessionRepository,
)
from ketaclinic.services.integration.ports import CoachingNoteRepository, IntegrationRepository
from ketaclinic.services.outcomes.ports import OutcomeRepository
from ketaclinic.services.patients.ports import CourseRepository, PatientRepository
from ketaclinic.services.protocols.ports import ProtocolRepository
from ketaclinic.services.scheduling.ports import ScheduleRepository


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class UnitOfWork(Protocol):
    """One transaction. ``commit`` once at the end of a use case; leaving without it rolls back.

    ``uow_factory().read_only()`` opens a unit that only reads: it takes no write lock when it
    begins (SQLite) and any write or commit in it fails. A use case that reads patient data and
    audits the read appends the audit event in its own short (writing) unit afterwards.
    """

    audit: AuditLog
    clinics: ClinicRepository
    staff: StaffRepository
    staff_sessions: StaffSessionRepository
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

    def read_only(self) -> Self: ...
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
