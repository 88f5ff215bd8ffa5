"""A booked appointment on the clinic day, through the real services: a prepared course with a
signed dose order (``demo_pathway.prepare_course``), its induction series booked and confirmed by
the front desk, the clock moved to just after the first appointment. The patient then arrives at
the front desk (:func:`arrive`) and the nurse takes the session on (``walk_to``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ketaclinic.adapters.scheduling import CpSatScheduler
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.patients.people import Patient
from ketaclinic.domain.scheduling.booking import Booking
from ketaclinic.services.demo_pathway import prepare_course
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.scheduling.booking import ScheduleService
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.conftest import World
from tests.infusion_world import prepare_clinic
from tests.schedule_world import TEST_LIMITS, consent_in_force_stub


@dataclass(frozen=True)
class Booked:
    patient: Patient
    course_id: int
    order_id: int
    first: Booking


def booked_today(world: World) -> Booked:
    """A synthetic adult with a signed order and today's first appointment, five minutes in."""
    prepare_clinic(world, chairs=2, patients=1)
    s, desk = world.services, world.actor(Role.FRONT_DESK)
    [patient] = s.patients.search(desk, PatientSearch(world.clinic.id, "Demo-Infusion"))
    course_id, order_id = prepare_course(
        s.uow, world.clock, s.pathway(), world.clinic.id, patient.id
    )
    seed_demo_schedule(s.uow, world.clock, world.clinic.id)
    s.schedule = ScheduleService(
        s.uow, world.clock, CpSatScheduler(), consent_in_force_stub, limits=TEST_LIMITS
    )
    s.schedule.book_series(desk, course_id)
    first = min(s.schedule.confirm_series(desk, course_id), key=lambda b: b.start_at)
    world.clock.current = first.start_at + timedelta(minutes=5)
    return Booked(patient, course_id, order_id, first)


def arrive(world: World, booked: Booked) -> InfusionSession:
    """The front desk records the patient's arrival: the session opens, waiting for check-in."""
    return world.services.arrivals.check_in(world.actor(Role.FRONT_DESK), booked.first.id)
