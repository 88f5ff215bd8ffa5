"""Scheduling test setup on a ``World``: the adult IV pack signed off, chairs, synthetic adults,
the demo calendar (Mon-Fri 08:00-18:00 local, every nurse and prescriber on shift) and one open
course per patient.

Consent is replaced by ``consent_in_force_stub``, a test double that reports consent complete, so
booking can be exercised without collecting signatures; the real consent check is exercised by
``test_booking_refused_without_consent``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.adapters.scheduling import CpSatScheduler
from ketaclinic.domain.consent.signatures import ConsentStatus
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.scheduling import SolveLimits
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.ports import UnitOfWork
from ketaclinic.services.scheduling.booking import ScheduleService
from ketaclinic.services.scheduling.replan import ReplanService
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.conftest import World
from tests.infusion_world import prepare_clinic

TEST_LIMITS = SolveLimits(time_limit_s=5.0, num_workers=1, random_seed=0)


def consent_in_force_stub(uow: UnitOfWork, course: Course) -> ConsentStatus:
    """Test double for ``ConsentService.allows_sessions``: consent complete for every course."""
    return ConsentStatus(missing=(), blocks=())


@dataclass
class Booked:
    schedule: ScheduleService
    replans: ReplanService
    courses: list[Course]


def schedule_world(world: World, *, chairs: int = 3, patients: int = 3) -> Booked:
    """Prepare the clinic and open one course per patient; services use the consent stub."""
    prepare_clinic(world, chairs=chairs, patients=patients)
    seed_demo_schedule(world.services.uow, world.clock, world.clinic.id)
    physician = world.actor(Role.PHYSICIAN)
    version = world.services.protocols.published(physician)[0].id
    found = world.services.patients.search(
        physician, PatientSearch(world.clinic.id, text="Demo-Infusion")
    )
    courses = [world.services.courses.open(physician, p.id, version) for p in found]
    schedule = ScheduleService(
        world.services.uow, world.clock, CpSatScheduler(), consent_in_force_stub, limits=TEST_LIMITS
    )
    return Booked(schedule, ReplanService(schedule), courses)
