"""The SQLAlchemy unit of work: one connection, one transaction, one commit point."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.exc import IntegrityError

from ketaclinic.adapters.db.assessments.questionnaire_mapping_repository import (
    SqlQuestionnaireMappingRepository,
)
from ketaclinic.adapters.db.assessments.repository import (
    SqlAssessmentLinkRepository,
    SqlAssessmentRepository,
    SqlNoticeRepository,
)
from ketaclinic.adapters.db.assessments.safety_repository import SqlSafetyTaskRepository
from ketaclinic.adapters.db.audit.log import SqlAuditLog
from ketaclinic.adapters.db.consent.repository import SqlConsentRepository
from ketaclinic.adapters.db.dosing.repository import SqlDosingRepository
from ketaclinic.adapters.db.engine import READ_ONLY_OPTION
from ketaclinic.adapters.db.evaluation.repository import (
    SqlEligibilityRepository,
    SqlEvaluationRepository,
)
from ketaclinic.adapters.db.identity.repository import (
    SqlClinicRepository,
    SqlStaffRepository,
    SqlStaffSessionRepository,
)
from ketaclinic.adapters.db.infusion.alarm_repository import SqlAlarmRepository
from ketaclinic.adapters.db.infusion.gateway_repository import SqlGatewayRegistry
from ketaclinic.adapters.db.infusion.hl7_inbox_repository import SqlHl7Inbox
from ketaclinic.adapters.db.infusion.record_repository import SqlSessionRecordRepository
from ketaclinic.adapters.db.infusion.repository import (
    SqlMonitorRegistry,
    SqlNotificationRepository,
    SqlSessionRepository,
)
from ketaclinic.adapters.db.infusion.vitals_repository import SqlReadingRepository
from ketaclinic.adapters.db.integration.coaching_note_repository import SqlCoachingNoteRepository
from ketaclinic.adapters.db.integration.repository import SqlIntegrationRepository
from ketaclinic.adapters.db.outcomes.repository import SqlOutcomeRepository
from ketaclinic.adapters.db.patients.course_repository import SqlCourseRepository
from ketaclinic.adapters.db.patients.repository import SqlPatientRepository
from ketaclinic.adapters.db.protocols.repository import SqlProtocolRepository
from ketaclinic.adapters.db.scheduling.repository import OCCUPANCY_CONSTRAINT, SqlScheduleRepository
from ketaclinic.domain.errors import Conflict
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


class SqlUnitOfWork:
    """Open with ``with``; ``commit()`` once; leaving without a commit rolls everything back."""

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

    def __init__(self, engine: Engine, audit_key: bytes) -> None:
        self._engine = engine
        self._audit_key = audit_key
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None
        self._read_only = False

    @property
    def connection(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._conn

    def read_only(self) -> Self:
        """Open (with ``with``) as a read-only transaction: a deferred ``BEGIN`` with
        ``query_only`` on SQLite, ``READ ONLY`` on PostgreSQL; writing or committing fails."""
        if self._conn is not None:
            raise RuntimeError("read_only() is chosen before the unit of work is opened")
        self._read_only = True
        return self

    def __enter__(self) -> Self:
        self._conn = self._engine.connect()
        if self._read_only:
            self._conn.execution_options(**{READ_ONLY_OPTION: True})
        self._tx = self._conn.begin()
        conn = self._conn
        self.audit = SqlAuditLog(conn, self._audit_key)
        self.clinics = SqlClinicRepository(conn)
        self.staff = SqlStaffRepository(conn)
        self.staff_sessions = SqlStaffSessionRepository(conn)
        self.patients = SqlPatientRepository(conn)
        self.protocols = SqlProtocolRepository(conn)
        self.courses = SqlCourseRepository(conn)
        self.safety_tasks = SqlSafetyTaskRepository(conn)
        self.evaluations = SqlEvaluationRepository(conn)
        self.eligibility = SqlEligibilityRepository(conn)
        self.consents = SqlConsentRepository(conn)
        self.sessions = SqlSessionRepository(conn)
        self.monitors = SqlMonitorRegistry(conn)
        self.readings = SqlReadingRepository(conn)
        self.alarms = SqlAlarmRepository(conn)
        self.notifications = SqlNotificationRepository(conn)
        self.hl7_inbox = SqlHl7Inbox(conn)
        self.gateways = SqlGatewayRegistry(conn)
        self.schedule = SqlScheduleRepository(conn)
        self.integration = SqlIntegrationRepository(conn)
        self.coaching_notes = SqlCoachingNoteRepository(conn)
        self.session_records = SqlSessionRecordRepository(conn)
        self.dosing = SqlDosingRepository(conn)
        self.assessments = SqlAssessmentRepository(conn)
        self.assessment_links = SqlAssessmentLinkRepository(conn)
        self.questionnaire_mappings = SqlQuestionnaireMappingRepository(conn)
        self.notices = SqlNoticeRepository(conn)
        self.outcomes = SqlOutcomeRepository(conn, self.assessments)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        finally:
            if self._conn is not None:
                self._conn.close()
            self._conn, self._tx = None, None

    def commit(self) -> None:
        """Commit; a deferred occupancy clash found at commit is a 409, never a 500."""
        if self._tx is None:
            raise RuntimeError("nothing to commit")
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        try:
            self._tx.commit()
        except IntegrityError as clash:
            if _constraint_of(clash) == OCCUPANCY_CONSTRAINT:
                raise Conflict(
                    "a chair, nurse or coach would be double-booked by another appointment "
                    "booked meanwhile; reload the schedule and try again",
                    field="start_at",
                ) from clash
            raise

    def rollback(self) -> None:
        if self._tx is not None and self._tx.is_active:
            self._tx.rollback()


def _constraint_of(error: IntegrityError) -> str | None:
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return str(name) if name else None
