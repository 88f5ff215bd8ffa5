"""The composition root: ``build(settings)`` wires adapters into services.

Nothing happens at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine

from ketaclinic.adapters.clock import SecretsTokenSource, SystemClock
from ketaclinic.adapters.consent_texts import ShippedConsentLibrary
from ketaclinic.adapters.db.engine import make_engine
from ketaclinic.adapters.db.uow import SqlUnitOfWork
from ketaclinic.adapters.live_events import InProcessBroker, make_broker
from ketaclinic.adapters.password_list import common_passwords
from ketaclinic.adapters.passwords import Argon2PasswordHasher
from ketaclinic.adapters.scheduling import CpSatScheduler
from ketaclinic.domain.assessments.records import GuardianNotice
from ketaclinic.services.assessments.links import LinkService
from ketaclinic.services.assessments.questionnaire_mappings import QuestionnaireMappingService
from ketaclinic.services.assessments.responses import AssessmentService
from ketaclinic.services.assessments.safety import SafetyService
from ketaclinic.services.audit.exceptions import AuditExceptionService
from ketaclinic.services.audit.group_commit import GroupCommit
from ketaclinic.services.audit.read_audit import ReadAuditService
from ketaclinic.services.audit.trail import AuditService
from ketaclinic.services.consent.consents import ConsentService
from ketaclinic.services.demo_pathway import PathwayServices
from ketaclinic.services.dosing.checkins import CheckinService
from ketaclinic.services.dosing.orders import OrderService
from ketaclinic.services.dosing.to_sign import OrdersToSignService
from ketaclinic.services.evaluation.eligibility import EligibilityService, eligibility_facts
from ketaclinic.services.evaluation.evaluations import EvaluationService
from ketaclinic.services.identity.directory import DirectoryService
from ketaclinic.services.identity.ports import PasswordHasher, TokenSource
from ketaclinic.services.identity.signin_throttle import SignInThrottle, ThrottlePolicy
from ketaclinic.services.identity.staff_admin import StaffAdminService
from ketaclinic.services.identity.staff_sessions import IdentityPolicy, IdentityService
from ketaclinic.services.infusion.alarm_response import AlarmService
from ketaclinic.services.infusion.board import BoardService
from ketaclinic.services.infusion.board_memory import BoardMemory
from ketaclinic.services.infusion.due_now import DueNowService
from ketaclinic.services.infusion.gateways import GatewayService
from ketaclinic.services.infusion.induction_facts import induction_facts
from ketaclinic.services.infusion.monitor_messages import IngestLimits
from ketaclinic.services.infusion.monitoring import MonitoringService
from ketaclinic.services.infusion.session_opening import SessionOpeningService
from ketaclinic.services.infusion.sessions import SessionService
from ketaclinic.services.infusion.workflow import SessionWorkflowService
from ketaclinic.services.integration.caseload import CaseloadService
from ketaclinic.services.integration.coaching import CoachingService, JourneyService
from ketaclinic.services.integration.coaching_booking import CoachingBookingService
from ketaclinic.services.integration.plans import IntegrationService
from ketaclinic.services.integration.portal import PortalService
from ketaclinic.services.outcomes.booster_booking import BoosterBookingService
from ketaclinic.services.outcomes.dashboard import DashboardService
from ketaclinic.services.outcomes.maintenance import MaintenanceService
from ketaclinic.services.outcomes.overdue import OverdueService
from ketaclinic.services.outcomes.reassessment import OutcomeService
from ketaclinic.services.outcomes.reports import ReportService
from ketaclinic.services.outcomes.review import symptom_change
from ketaclinic.services.patients.banner import PatientBannerService
from ketaclinic.services.patients.chart_summary import ChartSummaryService
from ketaclinic.services.patients.courses import CourseService
from ketaclinic.services.patients.registry import PatientService
from ketaclinic.services.ports import Clock, UnitOfWork
from ketaclinic.services.protocols.publishing import ProtocolService
from ketaclinic.services.scheduling.booking import ScheduleService
from ketaclinic.services.scheduling.replan import ReplanService
from ketaclinic.services.scheduling.setup import CalendarService
from ketaclinic.services.scheduling.to_confirm import SeriesToConfirmService
from ketaclinic.settings import Environment, Settings


@dataclass
class Services:
    """Everything an entry point may call. Built once per process by :func:`build`."""

    settings: Settings
    engine: Engine
    clock: Clock
    tokens: TokenSource
    hasher: PasswordHasher
    identity: IdentityService
    staff: StaffAdminService
    patients: PatientService
    audit: AuditService
    protocols: ProtocolService
    courses: CourseService
    safety: SafetyService
    assessments: AssessmentService
    questionnaire_mappings: QuestionnaireMappingService
    links: LinkService
    audit_key: bytes = field(repr=False)
    # audit appends of page reads, committed together across concurrent requests
    audit_appends: GroupCommit = field(repr=False)

    orders: OrderService = field(init=False)
    checkins: CheckinService = field(init=False)
    live: InProcessBroker = field(init=False)
    sessions: SessionService = field(init=False)
    arrivals: SessionOpeningService = field(init=False)
    monitoring: MonitoringService = field(init=False)
    gateways: GatewayService = field(init=False)
    alarms: AlarmService = field(init=False)
    board: BoardService = field(init=False)
    evaluations: EvaluationService = field(init=False)
    eligibility: EligibilityService = field(init=False)
    consents: ConsentService = field(init=False)
    schedule: ScheduleService = field(init=False)
    replans: ReplanService = field(init=False)
    series_to_confirm: SeriesToConfirmService = field(init=False)
    calendar: CalendarService = field(init=False)
    integration: IntegrationService = field(init=False)
    coaching: CoachingService = field(init=False)
    journeys: JourneyService = field(init=False)
    caseload: CaseloadService = field(init=False)
    portal: PortalService = field(init=False)
    coaching_bookings: CoachingBookingService = field(init=False)
    session_workflow: SessionWorkflowService = field(init=False)
    outcomes: OutcomeService = field(init=False)
    maintenance: MaintenanceService = field(init=False)
    dashboard: DashboardService = field(init=False)
    reports: ReportService = field(init=False)
    overdue: OverdueService = field(init=False)
    read_audit: ReadAuditService = field(init=False)
    boosters: BoosterBookingService = field(init=False)
    due_now: DueNowService = field(init=False)
    orders_to_sign: OrdersToSignService = field(init=False)
    banners: PatientBannerService = field(init=False)
    chart_summaries: ChartSummaryService = field(init=False)
    audit_exceptions: AuditExceptionService = field(init=False)
    directory: DirectoryService = field(init=False)

    def __post_init__(self) -> None:
        # dosing reads course facts through the one CourseService (its providers included)
        self.orders = OrderService(self.uow, self.clock, self.courses)
        self.checkins = CheckinService(self.uow, self.clock)
        # infusion day: board events fan out after each commit (LISTEN/NOTIFY on PostgreSQL)
        # and keep the board's opening in memory for the next board to open
        self.live = make_broker(self.engine, BoardMemory())
        self.sessions = SessionService(self.uow, self.clock, self.live)
        self.arrivals = SessionOpeningService(self.uow, self.clock, self.live)
        self.monitoring = MonitoringService(
            self.uow,
            self.clock,
            self.live,
            unknown_session_ack=self.settings.hl7_ack_unknown_session,
            limits=IngestLimits(
                max_age=timedelta(hours=self.settings.hl7_max_age_hours),
                max_ahead=timedelta(minutes=self.settings.hl7_max_ahead_min),
            ),
        )
        self.gateways = GatewayService(self.uow, self.clock)
        self.alarms = AlarmService(self.uow, self.clock, self.live)
        self.board = BoardService(self.uow, self.clock, self.live.memory)
        # evaluation, eligibility and consent: they fill the eligibility and consent course facts
        self.evaluations = EvaluationService(self.uow, self.clock)
        self.eligibility = EligibilityService(self.uow, self.clock)
        self.consents = ConsentService(self.uow, self.clock, ShippedConsentLibrary())
        self.courses.add_fact_provider(eligibility_facts)
        self.courses.add_fact_provider(self.consents.facts)
        self.courses.add_fact_provider(induction_facts)
        # scheduling: CP-SAT behind the Scheduler port; booking checks consent and the safety gate
        self.schedule = ScheduleService(
            self.uow, self.clock, CpSatScheduler(), self.consents.allows_sessions
        )
        self.replans = ReplanService(self.schedule)
        self.series_to_confirm = SeriesToConfirmService(self.uow, self.clock)
        # maintenance boosters are booked by the same engine as the series (clinical.md §3.3)
        self.boosters = BoosterBookingService(self.uow, self.clock, self.schedule, CpSatScheduler())
        self.calendar = CalendarService(self.uow, self.clock)
        # integration and KAT coaching (the KAT guard runs inside session start)
        self.integration = IntegrationService(self.uow, self.clock)
        self.coaching = CoachingService(self.uow, self.clock)
        self.journeys = JourneyService(self.uow, self.clock)
        self.coaching_bookings = CoachingBookingService(self.uow, self.clock)
        self.caseload = CaseloadService(self.uow, self.clock, self.integration)
        self.portal = PortalService(
            self.uow, self.clock, self.tokens, self.settings.assessment_link_hours
        )
        # infusion day, the clinical workflow: check-in to discharge on the sessions above
        self.session_workflow = SessionWorkflowService(
            self.uow, self.clock, self.live, self.courses, self.replans
        )
        # outcomes: reassessment and maintenance course facts; primary-instrument change for dosing
        self.outcomes = OutcomeService(self.uow, self.clock, self.courses)
        self.maintenance = MaintenanceService(self.uow, self.clock)
        self.courses.add_fact_provider(self.outcomes.facts)
        self.orders.set_symptom_source(symptom_change)
        self.dashboard = DashboardService(self.uow)
        self.reports = ReportService(self.uow, self.clock)
        self.overdue = OverdueService(self.uow, self.clock)
        # every read of patient data at the edge is audited through this one service
        self.read_audit = ReadAuditService(self.uow, self.clock, self.audit_appends)
        # the "Today" worklists and the patient banner: reads only
        self.due_now = DueNowService(self.uow, self.clock)
        self.orders_to_sign = OrdersToSignService(self.uow)
        self.banners = PatientBannerService(self.uow, self.clock)
        self.chart_summaries = ChartSummaryService(self.uow, self.clock)
        self.audit_exceptions = AuditExceptionService(self.uow)
        self.directory = DirectoryService(self.uow)

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.engine, self.audit_key)

    def pathway(self) -> PathwayServices:
        """The use cases the demo's prepared patients go through (demo seeding only)."""
        return PathwayServices(
            self.patients,
            self.courses,
            self.evaluations,
            self.eligibility,
            self.consents,
            self.orders,
            self.schedule,
        )

    def close(self) -> None:
        self.live.close()
        self.engine.dispose()


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    tokens: TokenSource | None = None,
    engine: Engine | None = None,
) -> Services:
    """Wire the real adapters. Tests may pass a fixed clock, a token source or an engine."""
    engine = engine or make_engine(settings.effective_database_url)
    clock = clock or SystemClock()
    tokens = tokens or SecretsTokenSource()
    hasher = Argon2PasswordHasher(fast=settings.environment is Environment.TEST)

    audit_key = settings.audit_key_bytes()

    def uow_factory() -> UnitOfWork:
        return SqlUnitOfWork(engine, audit_key)

    appends = GroupCommit(uow_factory)

    policy = IdentityPolicy(
        idle_timeout=timedelta(minutes=settings.idle_timeout_min),
        token_lifetime=timedelta(minutes=settings.token_lifetime_min),
        lockout_after_failures=settings.lockout_after_failures,
        lockout=timedelta(minutes=settings.lockout_min),
        session_lifetime=timedelta(hours=settings.session_absolute_hours),
        reauth_window=timedelta(minutes=settings.reauth_window_min),
    )
    throttle = SignInThrottle(
        clock,
        ThrottlePolicy(
            failures_per_address=settings.signin_failures_per_address,
            failures_per_account=settings.signin_failures_per_account,
            window=timedelta(minutes=settings.signin_throttle_window_min),
        ),
    )
    return Services(
        settings=settings,
        engine=engine,
        clock=clock,
        tokens=tokens,
        hasher=hasher,
        identity=IdentityService(uow_factory, clock, hasher, tokens, policy, throttle),
        staff=StaffAdminService(uow_factory, clock, hasher, common_passwords()),
        patients=PatientService(uow_factory, clock, appends),
        audit=AuditService(uow_factory, clock, audit_key),
        audit_key=audit_key,
        audit_appends=appends,
        protocols=ProtocolService(uow_factory, clock),
        courses=CourseService(uow_factory, clock),
        safety=SafetyService(uow_factory, clock),
        assessments=AssessmentService(uow_factory, clock),
        questionnaire_mappings=QuestionnaireMappingService(uow_factory, clock),
        links=LinkService(
            uow_factory,
            clock,
            tokens,
            link_hours=settings.assessment_link_hours,
            guardian_notice=GuardianNotice(settings.assessment_guardian_notice),
        ),
    )
