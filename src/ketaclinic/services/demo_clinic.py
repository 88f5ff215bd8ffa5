"""Demo only: the whole demo clinic as ``ketaclinic demo`` seeds it, in one place.

The staff and patients, months of history made through the services at their own times, the
calendar and the maintenance boosters, the pathway patient ready for an infusion, the patients
waiting at each later stage, the ketamine-assisted therapy patient whose first journey is today,
and the simulated monitor gateway. The command line and the browser
tests that check the clinic as a user sees it both call :func:`seed_demo_clinic`, so the checked
pages carry the same data as the demo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ketaclinic.domain.protocols.model import Protocol as ProtocolPack
from ketaclinic.services.demo import DemoResult, seed_demo
from ketaclinic.services.demo_history import (
    HISTORY_DAYS,
    HistoryCourse,
    HistoryServices,
    SeedingClock,
    book_demo_boosters,
    seed_demo_history,
)
from ketaclinic.services.demo_kat_day import KatDayPatient, KatDayServices, seed_demo_kat_day
from ketaclinic.services.demo_pathway import PathwayPatient, PathwayServices, seed_demo_pathway
from ketaclinic.services.demo_stages import StagePatient, seed_demo_stages
from ketaclinic.services.dosing.checkins import CheckinService
from ketaclinic.services.dosing.orders import OrderService
from ketaclinic.services.identity.staff_admin import StaffAdminService
from ketaclinic.services.infusion.demo_session_day import DayServices
from ketaclinic.services.infusion.demo_sessions import SIMULATOR_GATEWAY
from ketaclinic.services.infusion.gateways import GatewayService
from ketaclinic.services.infusion.monitoring import MonitoringService
from ketaclinic.services.infusion.session_opening import SessionOpeningService
from ketaclinic.services.infusion.sessions import SessionService
from ketaclinic.services.infusion.workflow import SessionWorkflowService
from ketaclinic.services.integration.coaching import CoachingService
from ketaclinic.services.outcomes.booster_booking import BoosterBookingService
from ketaclinic.services.outcomes.maintenance import MaintenanceService
from ketaclinic.services.outcomes.reassessment import OutcomeService
from ketaclinic.services.patients.registry import PatientService
from ketaclinic.services.ports import Clock, UnitOfWork
from ketaclinic.services.protocols.publishing import ProtocolService
from ketaclinic.services.scheduling.booking import ScheduleService
from ketaclinic.services.scheduling.setup import seed_demo_schedule


class DemoClock(SeedingClock, Protocol):
    """The seeding clock, which after the history follows the clinic's own time again."""

    def catch_up(self) -> None: ...


class DemoServices(Protocol):
    """The use cases the demo clinic is seeded through (the composition root's ``Services``)."""

    def uow(self) -> UnitOfWork: ...

    def pathway(self) -> PathwayServices: ...

    @property
    def clock(self) -> Clock: ...
    @property
    def staff(self) -> StaffAdminService: ...
    @property
    def patients(self) -> PatientService: ...
    @property
    def protocols(self) -> ProtocolService: ...
    @property
    def orders(self) -> OrderService: ...
    @property
    def checkins(self) -> CheckinService: ...
    @property
    def sessions(self) -> SessionService: ...
    @property
    def session_workflow(self) -> SessionWorkflowService: ...
    @property
    def monitoring(self) -> MonitoringService: ...
    @property
    def outcomes(self) -> OutcomeService: ...
    @property
    def maintenance(self) -> MaintenanceService: ...
    @property
    def schedule(self) -> ScheduleService: ...
    @property
    def boosters(self) -> BoosterBookingService: ...
    @property
    def gateways(self) -> GatewayService: ...
    @property
    def coaching(self) -> CoachingService: ...
    @property
    def arrivals(self) -> SessionOpeningService: ...


@dataclass(frozen=True, slots=True)
class DemoClinic:
    """What the seeding made (empty parts were already there)."""

    result: DemoResult
    opened_days: int
    pathway: PathwayPatient | None
    stages: list[StagePatient]
    history: list[HistoryCourse]
    kat_day: KatDayPatient | None = None


def history_services(s: DemoServices) -> HistoryServices:
    """The use cases the demo's history goes through."""
    day = DayServices(s.clock, s.orders, s.checkins, s.sessions, s.session_workflow, s.monitoring)
    return HistoryServices(s.pathway(), day, s.outcomes, s.maintenance)


def kat_day_services(s: DemoServices) -> KatDayServices:
    """The use cases the demo's KAT day patient goes through."""
    return KatDayServices(s.pathway(), s.coaching, s.arrivals, s.sessions)


def demo_clock_start(until: datetime) -> datetime:
    """Where the seeding clock starts so the clinic's history ends at ``until``."""
    return until - timedelta(days=HISTORY_DAYS)


def seed_demo_clinic(
    s: DemoServices, clock: DemoClock, packs: Sequence[ProtocolPack], *, until: datetime
) -> DemoClinic:
    """Seed the demo clinic once (a second run changes nothing). ``clock`` is the services'
    clock, standing at :func:`demo_clock_start` of ``until``; it is moved forward through the
    history to ``until``, then follows the clinic's time for the calendar and today's patients."""
    result = seed_demo(s.uow, clock, s.staff, s.patients, s.protocols, packs)
    clinic_id = result.clinic.id
    history = seed_demo_history(s.uow, clock, history_services(s), clinic_id, until=until)
    clock.catch_up()
    opened_days = seed_demo_schedule(s.uow, clock, clinic_id)
    book_demo_boosters(s.boosters, s.schedule, s.uow, clinic_id, history)
    pathway = seed_demo_pathway(s.uow, clock, s.pathway(), clinic_id)
    stages = seed_demo_stages(s.uow, clock, s.pathway(), s.outcomes, clinic_id)
    kat_day = seed_demo_kat_day(s.uow, clock, kat_day_services(s), clinic_id)
    s.gateways.bootstrap_add(clinic_id, SIMULATOR_GATEWAY, by="demo")
    return DemoClinic(result, opened_days, pathway, stages, history, kat_day)
