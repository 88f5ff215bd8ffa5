"""A session in a chair without an appointment (an unscheduled visit a prescriber opened) holds
that chair for the scheduler, on SQLite and PostgreSQL: series booking and a patient's re-plan
plan around it, a manual move into it is refused naming the chair and the time, and it holds the
chair until it closes (or, still open, for the protocol's chair time or until now)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ketaclinic.adapters.scheduling import CpSatScheduler
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from ketaclinic.domain.scheduling import (
    Constraint,
    Problem,
    ReplanStatus,
    SolveLimits,
    SolveResult,
)
from ketaclinic.domain.scheduling.booking import Booking
from ketaclinic.services.infusion.demo_sessions import start_demo_sessions
from ketaclinic.services.outcomes.booster_booking import BoosterBookingService
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.scheduling.booking import ScheduleService
from ketaclinic.services.scheduling.inputs import DropReason, DropRequest, MoveRequest
from ketaclinic.services.scheduling.occupancy import ChairHold, chair_holds
from ketaclinic.services.scheduling.replan import ReplanService
from tests.conftest import World
from tests.infusion_world import Walked, walked_session
from tests.integration.test_outcome_service import reassess, responder_in_reassessment
from tests.integration.test_outcome_service_boosters import clinic_with_chairs
from tests.schedule_world import TEST_LIMITS, Booked, consent_in_force_stub, schedule_world

CHICAGO = ZoneInfo("America/Chicago")
OPENING_MIN = 8 * 60  # the demo calendar opens at 08:00, when the walk-in starts


@pytest.fixture
def walk_in(world: World) -> tuple[Booked, Walked]:
    """One chair; a walk-in infusing in it from opening; a second patient with an open course
    who prefers to start at opening (so the planner would pick the walk-in's chair and time)."""
    booked = schedule_world(world, chairs=1, patients=2)
    physician = world.actor(Role.PHYSICIAN)
    patients = world.services.patients.search(
        physician, PatientSearch(world.clinic.id, text="Demo-Infusion")
    )
    other = next(p for p in patients if p.id != booked.courses[0].patient_id)
    walked = walked_session(world, prepared=True, patient=other)
    world.services.calendar.set_patient_preferences(
        world.actor(Role.FRONT_DESK), booked.courses[0].patient_id, (), OPENING_MIN
    )
    return booked, walked


def _holds(walked: Walked, b: Booking, chair_min: timedelta) -> bool:
    """Whether ``b`` overlaps the walk-in's chair time (opened at its ``created_at``)."""
    start = walked.session.created_at
    return b.chair_id == walked.chair_id and b.start_at < start + chair_min and start < b.end_at


def test_series_booking_plans_around_a_session_without_appointment(
    world: World, walk_in: tuple[Booked, Walked]
) -> None:
    booked, walked = walk_in
    desk = world.actor(Role.FRONT_DESK)
    proposal = booked.schedule.book_series(desk, booked.courses[0].id)
    assert proposal.booked
    first = min(proposal.bookings, key=lambda b: b.start_at)
    chair_min = first.end_at - first.start_at  # the same protocol's chair time
    assert walked.session.appointment_id is None and walked.session.state is SessionState.INFUSING
    assert not any(_holds(walked, b, chair_min) for b in proposal.bookings)


def test_a_move_into_the_chair_is_refused_naming_chair_and_time(
    world: World, walk_in: tuple[Booked, Walked]
) -> None:
    booked, walked = walk_in
    desk = world.actor(Role.FRONT_DESK)
    course = booked.courses[0]
    booked.schedule.book_series(desk, course.id)
    booked.schedule.confirm_series(desk, course.id)
    series = sorted(booked.schedule.series_of_patient(desk, course.patient_id), key=_start)
    at = walked.session.created_at + timedelta(minutes=30)
    outcome = booked.schedule.move(desk, series[0].id, MoveRequest(start_at=at, reason="asked"))
    assert not outcome.accepted
    clash = next(v for v in outcome.violations if v.rule is Constraint.CHAIR_CAPACITY)
    opened = walked.session.created_at.astimezone(CHICAGO)
    assert clash.message.startswith(f"Chair 1 is taken on {opened:%a %-d %b %Y} from 08:00 to ")
    assert "without an appointment" in clash.message
    after = booked.schedule.series_of_patient(desk, course.patient_id)
    assert sorted(after, key=_start)[0].start_at == series[0].start_at  # nothing moved


def test_a_replan_keeps_out_of_the_chair(world: World, walk_in: tuple[Booked, Walked]) -> None:
    booked, walked = walk_in
    desk = world.actor(Role.FRONT_DESK)
    course = booked.courses[0]
    booked.schedule.book_series(desk, course.id)
    booked.schedule.confirm_series(desk, course.id)
    series = sorted(booked.schedule.series_of_patient(desk, course.patient_id), key=_start)
    chair_min = series[0].end_at - series[0].start_at
    outcome = booked.replans.drop(
        desk, series[0].id, DropRequest(DropReason.CANCELLED, "patient unwell this morning")
    )
    assert outcome.status is ReplanStatus.REPLANNED
    assert not any(_holds(walked, b, chair_min) for b in outcome.bookings)


def test_a_walk_in_holds_its_chair_until_its_expected_end_then_for_the_rest_of_the_day(
    world: World, walk_in: tuple[Booked, Walked]
) -> None:
    booked, walked = walk_in
    opened = walked.session.created_at
    routine = booked.schedule.routine
    recovery = timedelta(minutes=65)  # the adult IV pack's recovery minimum

    def held() -> list[ChairHold]:
        with world.services.uow() as uow:
            return chair_holds(uow, world.clinic.id, routine, since=opened, now=world.clock.now())

    order, _ = world.services.orders.get(world.actor(Role.NURSE), walked.order_id)
    started = walked.session.dosing_started_at
    assert started is not None
    expected = started + timedelta(minutes=order.content.duration_min) + recovery
    assert held() == [
        ChairHold(
            walked.session.id,
            walked.session.patient_id,
            walked.chair_id,
            world.actor(Role.NURSE).staff_id,
            opened,
            expected,
        )
    ]
    world.clock.advance(hours=3)  # still infusing past its expected end: the rest of the day
    midnight = datetime.combine(
        world.clock.now().astimezone(CHICAGO).date() + timedelta(days=1), time.min, CHICAGO
    )
    assert [h.end_at for h in held()] == [midnight]
    stopped_at = world.clock.now()
    world.services.sessions.move(
        world.actor(Role.NURSE), walked.session.id, SessionState.STOPPED, reason="test"
    )
    world.clock.advance(hours=1)
    with world.services.uow() as uow:
        stopped = uow.sessions.get(world.clinic.id, walked.session.id)
    assert stopped is not None and stopped.closed_at is None  # stopped is not closed: still held
    assert [h.end_at for h in held()] == [stopped_at + recovery]  # the recovery minimum


def test_the_desk_cannot_book_the_chair_of_an_open_session_later_that_day(
    world: World, walk_in: tuple[Booked, Walked]
) -> None:
    """The walk-in overran its expected end and is still open: the scheduler offers its chair
    to nobody for the rest of the day, and a move into it is refused (chair capacity)."""
    booked, walked = walk_in
    desk = world.actor(Role.FRONT_DESK)
    course = booked.courses[0]
    booked.schedule.book_series(desk, course.id)
    booked.schedule.confirm_series(desk, course.id)
    series = sorted(booked.schedule.series_of_patient(desk, course.patient_id), key=_start)
    assert series[0].chair_id == walked.chair_id  # the clinic's one chair
    world.clock.advance(hours=3)  # 11:00: the walk-in is still infusing, past its expected end
    later = world.clock.now() + timedelta(hours=3)  # 14:00 the same day
    outcome = booked.schedule.move(desk, series[0].id, MoveRequest(start_at=later, reason="asked"))
    assert not outcome.accepted
    clash = next(v for v in outcome.violations if v.rule is Constraint.CHAIR_CAPACITY)
    assert "without an appointment" in clash.message
    after = sorted(booked.schedule.series_of_patient(desk, course.patient_id), key=_start)
    assert after[0].start_at == series[0].start_at  # nothing moved


def _start(b: Booking) -> datetime:
    return b.start_at


class Recording:
    """The clinic's engine, keeping every problem it is asked to solve."""

    name = "recording"

    def __init__(self) -> None:
        self.engine, self.problems = CpSatScheduler(), list[Problem]()

    def solve(self, problem: Problem, limits: SolveLimits) -> SolveResult:
        self.problems.append(problem)
        return self.engine.solve(problem, limits)


def test_a_clinic_replan_holds_the_walk_in_too(
    world: World, walk_in: tuple[Booked, Walked]
) -> None:
    booked, walked = walk_in
    desk, physician = world.actor(Role.FRONT_DESK), world.actor(Role.PHYSICIAN)
    engine = Recording()
    schedule = ScheduleService(
        world.services.uow, world.clock, engine, consent_in_force_stub, limits=TEST_LIMITS
    )
    schedule.book_series(desk, booked.courses[0].id)
    start = world.clock.now() + timedelta(days=1)
    ReplanService(schedule).staff_unavailable(
        desk,
        physician.staff_id or 0,
        start_at=start,
        end_at=start + timedelta(hours=2),
        reason="called away",
    )
    hold = f"s{walked.session.id}"
    assert len(engine.problems) == 2  # the series, then the clinic re-plan
    assert all(hold in {a.id for a in p.fixed} for p in engine.problems)


def test_booster_booking_holds_a_walk_in(world: World) -> None:
    clinic_with_chairs(world)
    _, course_id = responder_in_reassessment(world)
    reassess(world, course_id, 8)
    desk, physician = world.actor(Role.FRONT_DESK), world.actor(Role.PHYSICIAN)
    other = world.services.patients.register(
        desk, PatientDetails("Rowan", "Demo-Walkin", date(1979, 5, 6), SexAtBirth.FEMALE)
    )
    walked = walked_session(world, prepared=True, patient=other)
    world.services.maintenance.store(physician, course_id, world.clock.now().date())
    engine = Recording()
    schedule = ScheduleService(
        world.services.uow, world.clock, engine, consent_in_force_stub, limits=TEST_LIMITS
    )
    BoosterBookingService(world.services.uow, world.clock, schedule, engine).book(desk, course_id)
    [problem] = engine.problems
    assert f"s{walked.session.id}" in {a.id for a in problem.fixed}


def test_the_demos_monitored_sessions_take_a_free_chair_and_hold_it(world: World) -> None:
    booked = schedule_world(world, chairs=2, patients=3)
    desk = world.actor(Role.FRONT_DESK)
    course = booked.courses[0]
    world.services.calendar.set_patient_preferences(desk, course.patient_id, (), OPENING_MIN)
    booked.schedule.book_series(desk, course.id)
    now = world.clock.now()
    first = min(booked.schedule.series_of_patient(desk, course.patient_id), key=_start)
    assert first.start_at == now  # the first session is booked in a chair at opening
    s = world.services
    [demo] = start_demo_sessions(
        s.uow,
        s.pathway(),
        s.sessions,
        world.clinic.id,
        workflow=s.session_workflow,
        count=1,
        clock=world.clock,
    )
    assert demo.session.appointment_id is None and demo.session.chair_id != first.chair_id
    with s.uow() as uow:
        holds = chair_holds(uow, world.clinic.id, booked.schedule.routine, since=now, now=now)
    assert [(h.session_id, h.chair_id) for h in holds] == [(demo.session.id, demo.session.chair_id)]
