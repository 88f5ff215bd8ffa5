"""Each fake assigned to its port: mypy (strict) proves every fake implements its Protocol.

Checked with the source tree (``[tool.mypy] packages`` lists ``tests.fakes``); importing this
module at run time also builds one of each.
"""

from __future__ import annotations

from ketaclinic.services.assessments.ports import SafetyTaskRepository
from ketaclinic.services.audit.ports import AuditLog
from ketaclinic.services.dosing.ports import DosingRepository
from ketaclinic.services.identity.ports import ClinicRepository, StaffRepository, TokenSource
from ketaclinic.services.infusion.ports import (
    AlarmRepository,
    Hl7Inbox,
    MonitorRegistry,
    NotificationRepository,
    ReadingRepository,
    SessionRecordRepository,
    SessionRepository,
)
from ketaclinic.services.patients.ports import CourseRepository, PatientRepository
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.ports import ProtocolRepository
from ketaclinic.services.scheduling.ports import ScheduleRepository
from tests.fakes import CountingTokens, FakeClock
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
from tests.fakes.uow import InMemoryDatabase, InMemoryUnitOfWork, unit_of_work_factory
from tests.fakes.vitals import (
    InMemoryAlarmRepository,
    InMemoryHl7Inbox,
    InMemoryReadingRepository,
    VitalsTables,
)

audit_log: AuditLog = InMemoryAuditLog(AuditTables())
clinics: ClinicRepository = InMemoryClinicRepository(PeopleTables())
staff: StaffRepository = InMemoryStaffRepository(PeopleTables())
patients: PatientRepository = InMemoryPatientRepository(PeopleTables())
protocols: ProtocolRepository = InMemoryProtocolRepository(CourseTables())
courses: CourseRepository = InMemoryCourseRepository(CourseTables())
safety_tasks: SafetyTaskRepository = InMemorySafetyTaskRepository(CourseTables())
dosing: DosingRepository = InMemoryDosingRepository(DosingTables())
sessions: SessionRepository = InMemorySessionRepository(InfusionTables())
monitors: MonitorRegistry = InMemoryMonitorRegistry(InfusionTables())
notifications: NotificationRepository = InMemoryNotificationRepository(InfusionTables())
session_records: SessionRecordRepository = InMemorySessionRecordRepository(InfusionTables())
readings: ReadingRepository = InMemoryReadingRepository(VitalsTables())
alarms: AlarmRepository = InMemoryAlarmRepository(VitalsTables())
hl7_inbox: Hl7Inbox = InMemoryHl7Inbox(VitalsTables())
schedule: ScheduleRepository = InMemoryScheduleRepository(ScheduleTables())
unit_of_work: UnitOfWork = InMemoryUnitOfWork(InMemoryDatabase())
unit_of_work_factory_: UnitOfWorkFactory = unit_of_work_factory(InMemoryDatabase())
clock: Clock = FakeClock()
tokens: TokenSource = CountingTokens()
