"""The in-memory unit of work: a snapshot of the committed rows taken on begin.

``InMemoryDatabase`` holds the committed rows of every faked area. Entering a unit of work copies
them (copy-on-begin); the repositories write to that copy only. ``commit`` publishes the copy as
the new committed state; ``rollback`` (or leaving the ``with`` block without a commit) drops it.
Like a database transaction, a write is invisible to any other unit of work until it is committed,
and of two units of work that overlap, the second to commit fails with ``Conflict`` (as a
serializable transaction would) rather than silently overwriting the first.

Areas without an in-memory repository are :class:`NotFaked`: any use fails loudly, naming the
repository and method, so a service test never passes against something it did not set up.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from types import TracebackType
from typing import Any, Self

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
from ketaclinic.services.ports import UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.ports import ProtocolRepository
from ketaclinic.services.scheduling.ports import ScheduleRepository
from tests.fakes.audit import AuditTables, InMemoryAuditLog
from tests.fakes.courses import (
    CourseTables,
    InMemoryCourseRepository,
    InMemoryProtocolRepository,
    InMemorySafetyTaskRepository,
)
from tests.fakes.dosing import DosingTables, InMemoryDosingRepository
from tests.fakes.infusion import (
    InfusionTables,
    InMemoryMonitorRegistry,
    InMemoryNotificationRepository,
    InMemorySessionRecordRepository,
    InMemorySessionRepository,
)
from tests.fakes.people import (
    InMemoryClinicRepository,
    InMemoryPatientRepository,
    InMemoryStaffRepository,
    PeopleTables,
)
from tests.fakes.scheduling import InMemoryScheduleRepository, ScheduleTables
from tests.fakes.vitals import (
    InMemoryAlarmRepository,
    InMemoryHl7Inbox,
    InMemoryReadingRepository,
    VitalsTables,
)


class NotFaked:
    """Stands in for a repository of an area this fake does not cover; any use is an error."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, method: str) -> Any:
        raise AssertionError(
            f"the in-memory unit of work has no {self._name} repository "
            f"({self._name}.{method} was called): test this use case against the database"
        )


@dataclass
class Rows:
    """The rows of every faked area (each a :class:`Tables`)."""

    audit: AuditTables = field(default_factory=AuditTables)
    people: PeopleTables = field(default_factory=PeopleTables)
    courses: CourseTables = field(default_factory=CourseTables)
    dosing: DosingTables = field(default_factory=DosingTables)
    infusion: InfusionTables = field(default_factory=InfusionTables)
    vitals: VitalsTables = field(default_factory=VitalsTables)
    schedule: ScheduleTables = field(default_factory=ScheduleTables)

    def copy(self) -> Rows:
        return replace(self, **{f.name: getattr(self, f.name).copy() for f in fields(self)})


@dataclass
class InMemoryDatabase:
    """The committed rows, and how many transactions committed (one per use case)."""

    committed: Rows = field(default_factory=Rows)
    commits: int = 0

    def begin(self) -> tuple[Rows, int]:
        """A snapshot of the committed rows and the commit it was taken at."""
        return self.committed.copy(), self.commits

    def publish(self, working: Rows, taken_at: int) -> None:
        """Make ``working`` the committed rows, unless another unit of work committed since the
        snapshot was taken: then the later one fails (serializable, never a lost update)."""
        if taken_at != self.commits:
            raise Conflict(
                "another change was saved meanwhile; reload and retry", field="transaction"
            )
        self.committed = working
        self.commits += 1


class InMemoryUnitOfWork:
    """Open with ``with``; ``commit()`` publishes the snapshot; leaving without it discards it."""

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
    notices: NoticeRepository
    sessions: SessionRepository
    monitors: MonitorRegistry
    readings: ReadingRepository
    alarms: AlarmRepository
    notifications: NotificationRepository
    hl7_inbox: Hl7Inbox
    schedule: ScheduleRepository
    outcomes: OutcomeRepository
    integration: IntegrationRepository
    coaching_notes: CoachingNoteRepository
    session_records: SessionRecordRepository
    questionnaire_mappings: QuestionnaireMappingRepository
    gateways: GatewayRegistry

    def __init__(self, database: InMemoryDatabase) -> None:
        self._db = database
        self._working: Rows | None = None
        self._taken_at = 0
        self._read_only = False
        for name in self.__annotations__:
            setattr(self, name, NotFaked(name))

    def read_only(self) -> Self:
        self._read_only = True
        return self

    def __enter__(self) -> Self:
        self._begin()
        return self

    def _begin(self) -> None:
        working, self._taken_at = self._db.begin()
        self._working = working
        self.audit = InMemoryAuditLog(working.audit)
        self.clinics = InMemoryClinicRepository(working.people)
        self.staff = InMemoryStaffRepository(working.people)
        self.patients = InMemoryPatientRepository(working.people)
        self.protocols = InMemoryProtocolRepository(working.courses)
        self.courses = InMemoryCourseRepository(working.courses)
        self.safety_tasks = InMemorySafetyTaskRepository(working.courses)
        self.dosing = InMemoryDosingRepository(working.dosing)
        self.sessions = InMemorySessionRepository(working.infusion)
        self.monitors = InMemoryMonitorRegistry(working.infusion)
        self.notifications = InMemoryNotificationRepository(working.infusion)
        self.session_records = InMemorySessionRecordRepository(working.infusion)
        self.readings = InMemoryReadingRepository(working.vitals)
        self.alarms = InMemoryAlarmRepository(working.vitals)
        self.hl7_inbox = InMemoryHl7Inbox(working.vitals)
        self.schedule = InMemoryScheduleRepository(working.schedule)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._working = None
        for name in self.__annotations__:
            setattr(self, name, NotFaked(name))

    def commit(self) -> None:
        """Publish the snapshot; later writes go to a fresh one (kept only by another commit)."""
        if self._working is None:
            raise RuntimeError("nothing to commit")
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self._db.publish(self._working, self._taken_at)
        self._begin()

    def rollback(self) -> None:
        """Drop every write since the last commit."""
        if self._working is not None:
            self._begin()


def unit_of_work_factory(database: InMemoryDatabase) -> UnitOfWorkFactory:
    """What ``build`` hands the services: a fresh unit of work over ``database`` per call."""

    def open_unit_of_work() -> UnitOfWork:
        return InMemoryUnitOfWork(database)

    return open_unit_of_work
