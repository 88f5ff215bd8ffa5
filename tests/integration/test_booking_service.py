"""Booking an induction series through the service, on SQLite and PostgreSQL: one action for the
whole series, consent and safety gate refusals, manual moves, re-plans and a chair outage."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from ketaclinic.adapters.scheduling import CpSatScheduler
from ketaclinic.domain.assessments.safety import Urgency
from ketaclinic.domain.audit.events import AuditEvent
from ketaclinic.domain.errors import Conflict, NotFound, SafetyBlock, ValidationFailed
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.scheduling import Constraint, ReplanStatus
from ketaclinic.domain.scheduling.booking import Booking, BookingKind, BookingStatus
from ketaclinic.services.audit.ports import AuditQuery
from ketaclinic.services.outcomes.booster_booking import BoosterBookingService
from ketaclinic.services.outcomes.maintenance import BoosterEdit
from ketaclinic.services.scheduling.inputs import DropReason, DropRequest, MoveRequest
from tests.conftest import World
from tests.schedule_world import Booked, schedule_world

CHICAGO = ZoneInfo("America/Chicago")


def _events(world: World) -> list[AuditEvent]:
    with world.services.uow() as uow:
        return [e for _, e in uow.audit.query(AuditQuery(world.clinic.id, limit=1000))]


def _assert_valid_series(bookings: list[Booking] | tuple[Booking, ...]) -> None:
    """Six sessions, starts >= 48 h apart, all within 21 days, Mon-Fri 08:00-18:00 local."""
    starts = sorted(b.start_at for b in bookings)
    assert len(starts) == 6
    assert all(b - a >= timedelta(hours=48) for a, b in pairwise(starts))
    assert max(b.end_at for b in bookings) - starts[0] <= timedelta(days=21)
    for b in bookings:
        local_start, local_end = b.start_at.astimezone(CHICAGO), b.end_at.astimezone(CHICAGO)
        assert local_start.weekday() < 5
        assert local_start.hour >= 8
        assert (local_end.hour, local_end.minute) <= (18, 0)
        assert b.end_at - b.start_at == timedelta(minutes=120)  # protocol chair time


@pytest.fixture
def booked(world: World) -> Booked:
    return schedule_world(world)


def test_a_whole_series_is_proposed_in_one_action_then_confirmed(
    world: World, booked: Booked
) -> None:
    desk = world.actor(Role.FRONT_DESK)
    course = booked.courses[0]
    proposal = booked.schedule.book_series(desk, course.id)
    assert proposal.booked and proposal.explanation is None
    assert {b.status for b in proposal.bookings} == {BookingStatus.PROPOSED}
    assert [b.session_number for b in proposal.bookings] == [1, 2, 3, 4, 5, 6]
    _assert_valid_series(proposal.bookings)
    assert min(b.start_at for b in proposal.bookings) >= world.clock.now()
    confirmed = booked.schedule.confirm_series(desk, course.id)
    assert {b.status for b in confirmed} == {BookingStatus.CONFIRMED}
    actions = [e.action for e in _events(world)]
    assert "schedule.propose_series" in actions and "schedule.confirm_series" in actions


def test_series_of_several_patients_share_the_clinic_without_clashes(
    world: World, booked: Booked
) -> None:
    desk = world.actor(Role.FRONT_DESK)
    all_bookings = []
    for course in booked.courses:
        all_bookings += list(booked.schedule.book_series(desk, course.id).bookings)
    for b in all_bookings:
        same_chair = [o for o in all_bookings if o.chair_id == b.chair_id and o.id != b.id]
        assert all(o.end_at <= b.start_at or b.end_at <= o.start_at for o in same_chair)


def test_booking_twice_is_refused(world: World, booked: Booked) -> None:
    desk = world.actor(Role.FRONT_DESK)
    booked.schedule.book_series(desk, booked.courses[0].id)
    with pytest.raises(Conflict) as refused:
        booked.schedule.book_series(desk, booked.courses[0].id)
    assert refused.value.field == "course_id"


def test_booking_refused_without_consent(world: World, booked: Booked) -> None:
    """The real consent check: a course with no signatures cannot be booked."""
    course = booked.courses[0]
    with pytest.raises(SafetyBlock) as refused:
        world.services.schedule.book_series(world.actor(Role.FRONT_DESK), course.id)
    assert refused.value.field == "consent"
    with world.services.uow() as uow:
        assert uow.schedule.for_course(world.clinic.id, course.id) == []


def test_booking_refused_while_the_safety_gate_is_open(world: World, booked: Booked) -> None:
    course = booked.courses[0]
    with world.services.uow() as uow:
        uow.safety_tasks.open_task(
            world.clinic.id,
            course.patient_id,
            source="test:1",
            rule_id="PHQ9-ITEM9",
            reason="item 9 positive",
            urgency=Urgency.URGENT,
            at=world.clock.now(),
        )
        uow.commit()
    with pytest.raises(SafetyBlock) as refused:
        booked.schedule.book_series(world.actor(Role.FRONT_DESK), course.id)
    assert refused.value.field == "safety_gate"
    with world.services.uow() as uow:
        assert uow.schedule.for_course(world.clinic.id, course.id) == []


def test_booking_needs_schedule_write(world: World, booked: Booked) -> None:
    from ketaclinic.domain.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        booked.schedule.book_series(world.actor(Role.NURSE), booked.courses[0].id)


def test_unknown_course_is_not_found(world: World, booked: Booked) -> None:
    with pytest.raises(NotFound):
        booked.schedule.book_series(world.actor(Role.FRONT_DESK), 999_999)


def _series(world: World, booked: Booked) -> list[Booking]:
    desk = world.actor(Role.FRONT_DESK)
    course = booked.courses[0]
    booked.schedule.book_series(desk, course.id)
    return booked.schedule.confirm_series(desk, course.id)


def test_a_move_that_breaks_the_minimum_gap_is_refused(world: World, booked: Booked) -> None:
    series = sorted(_series(world, booked), key=lambda b: b.start_at)
    fourth, third = series[3], series[2]
    outcome = booked.schedule.move(
        world.actor(Role.FRONT_DESK),
        fourth.id,
        MoveRequest(start_at=third.start_at + timedelta(hours=24), reason="patient asked"),
    )
    assert not outcome.accepted
    assert Constraint.SPACING in {v.rule for v in outcome.violations}
    with world.services.uow() as uow:
        assert uow.schedule.get(world.clinic.id, fourth.id) == fourth
    moves = [e for e in _events(world) if e.action == "schedule.move"]
    assert [e.outcome for e in moves] == ["refused"]


def test_a_move_that_keeps_every_rule_is_accepted_with_its_reason(
    world: World, booked: Booked
) -> None:
    series = sorted(_series(world, booked), key=lambda b: b.start_at)
    fourth, last = series[3], series[5]
    chairs = [c.id for c in world.services.calendar.directory(world.actor(Role.ADMIN)).chairs]
    other = next(c for c in chairs if c != fourth.chair_id)
    desk = world.actor(Role.FRONT_DESK)
    outcome = booked.schedule.move(
        desk,
        fourth.id,
        MoveRequest(start_at=fourth.start_at, chair_id=other, reason="bus timetable"),
    )
    assert outcome.accepted, outcome.violations
    later = last.start_at + timedelta(days=2)  # still >= 48 h after session 5, inside 21 days
    if later.astimezone(CHICAGO).weekday() >= 5:
        later += timedelta(days=2)
    moved = booked.schedule.move(desk, last.id, MoveRequest(start_at=later, reason="work shift"))
    assert moved.accepted, moved.violations
    with world.services.uow() as uow:
        stored = uow.schedule.get(world.clinic.id, fourth.id)
        stored_last = uow.schedule.get(world.clinic.id, last.id)
    assert stored is not None and stored.chair_id == other and "bus timetable" in stored.note
    assert stored_last is not None and stored_last.start_at == later
    assert stored_last.end_at - stored_last.start_at == last.end_at - last.start_at


def test_a_move_needs_a_reason(world: World, booked: Booked) -> None:
    series = _series(world, booked)
    with pytest.raises(ValidationFailed) as refused:
        MoveRequest(start_at=series[0].start_at, reason=" ")
    assert refused.value.field == "reason"


def test_a_cancelled_session_is_replanned_within_the_window(world: World, booked: Booked) -> None:
    series = sorted(_series(world, booked), key=lambda b: b.start_at)
    outcome = booked.replans.drop(
        world.actor(Role.FRONT_DESK),
        series[1].id,
        DropRequest(DropReason.POSTPONED, "dose postponed"),
    )
    assert outcome.status is ReplanStatus.REPLANNED
    assert outcome.dropped.status is BookingStatus.CANCELLED
    _assert_valid_series(outcome.bookings)
    assert series[1].id not in {b.id for b in outcome.bookings}


def test_a_missed_session_whose_window_cannot_be_met_offers_options(
    world: World, booked: Booked
) -> None:
    series = sorted(_series(world, booked), key=lambda b: b.start_at)
    world.clock.current = series[0].start_at + timedelta(days=21) - timedelta(hours=1)
    outcome = booked.replans.drop(
        world.actor(Role.FRONT_DESK), series[5].id, DropRequest(DropReason.MISSED, "no show")
    )
    assert outcome.status is ReplanStatus.WINDOW_MISSED
    assert outcome.explanation is not None and Constraint.WINDOW in outcome.explanation.blocking
    assert outcome.options and outcome.options[0].minutes_over_window > 0
    assert outcome.dropped.status is BookingStatus.MISSED
    assert [b.id for b in outcome.bookings] == [b.id for b in series[:5]]  # nothing else moved


def test_a_chair_out_of_service_moves_its_sessions_and_lists_who_to_call(
    world: World, booked: Booked
) -> None:
    desk = world.actor(Role.FRONT_DESK)
    for course in booked.courses:
        booked.schedule.book_series(desk, course.id)
        booked.schedule.confirm_series(desk, course.id)
    with world.services.uow() as uow:
        before = uow.schedule.active_between(
            world.clinic.id, world.clock.now(), world.clock.now() + timedelta(days=60)
        )
    chair = before[0].chair_id
    hit = [b for b in before if b.chair_id == chair]
    outcome = booked.replans.chair_out_of_service(
        desk,
        chair,
        start_at=world.clock.now(),
        end_at=world.clock.now() + timedelta(days=60),
        reason="pump fault",
    )
    with world.services.uow() as uow:
        after = uow.schedule.active_between(
            world.clinic.id, world.clock.now(), world.clock.now() + timedelta(days=60)
        )
    assert chair not in {b.chair_id for b in after}
    moved_ids = {c.before.id for c in outcome.to_call}
    assert moved_ids <= {b.id for b in hit}
    assert len(outcome.to_call) + len(outcome.reassigned) == len(hit)
    assert {c.before.id for c in outcome.reassigned} <= {b.id for b in hit}
    for course in booked.courses:
        own = [b for b in after if b.course_id == course.id]
        if len(own) == 6:
            _assert_valid_series(own)


def test_a_nurse_off_sick_moves_that_days_sessions_and_lists_who_to_call(
    world: World, booked: Booked
) -> None:
    series = sorted(_series(world, booked), key=lambda b: b.start_at)
    first = series[0]
    local = first.start_at.astimezone(CHICAGO)
    day_start = local.replace(hour=0, minute=0)
    outcome = booked.replans.staff_unavailable(
        world.actor(Role.FRONT_DESK),
        first.nurse_id,
        start_at=day_start,
        end_at=day_start + timedelta(days=1),
        reason="off sick",
    )
    assert first.id in {c.before.id for c in outcome.to_call}  # the only nurse: it must move
    with world.services.uow() as uow:
        after = uow.schedule.active_between(
            world.clinic.id, day_start, day_start + timedelta(days=1)
        )
    assert after == []
    with pytest.raises(NotFound):
        booked.replans.staff_unavailable(
            world.actor(Role.FRONT_DESK),
            999_999,
            start_at=day_start,
            end_at=day_start + timedelta(days=1),
            reason="off sick",
        )


def _plan_after_series(
    world: World, booked: Booked, course_id: int, last: datetime
) -> BoosterBookingService:
    """Setup: the course moved to reassessment through the repository (its series is booked,
    not given), the prescriber's booster plan stored from the day of its last session; the
    booster booking service uses the same consent stub as ``booked.schedule``."""
    physician = world.actor(Role.PHYSICIAN)
    with world.services.uow() as uow:
        course = uow.courses.get(world.clinic.id, course_id)
        assert course is not None
        uow.courses.move(
            course,
            CourseState.REASSESSMENT,
            by=physician.staff_id or 0,
            at=world.clock.now(),
            reason="six induction sessions done",
        )
        uow.commit()
    start = last.astimezone(ZoneInfo(world.clinic.timezone)).date()
    world.services.maintenance.store(physician, course_id, start)
    return BoosterBookingService(world.services.uow, world.clock, booked.schedule, CpSatScheduler())


def test_a_maintenance_booster_is_booked_with_the_same_engine(world: World, booked: Booked) -> None:
    series = sorted(_series(world, booked), key=lambda b: b.start_at)
    course_id = series[0].course_id
    last = series[-1].start_at
    boosters = _plan_after_series(world, booked, course_id, last)
    placed = boosters.book(world.actor(Role.FRONT_DESK), course_id, 1)
    assert len(placed.bookings) == 1 and placed.unplaced == ()
    booster = placed.bookings[0]
    assert booster.kind is BookingKind.BOOSTER and booster.status is BookingStatus.PROPOSED
    # the stored plan (adult IV pack ladder): booster 1 seven days after the last session, +/-1
    assert timedelta(days=5) <= booster.start_at - last <= timedelta(days=9)
    assert booster.start_at - last >= timedelta(hours=48)
    with pytest.raises(Conflict):  # boosters are not moved through the series rules
        booked.schedule.move(
            world.actor(Role.FRONT_DESK),
            booster.id,
            MoveRequest(start_at=booster.start_at, reason="x"),
        )
    outcome = booked.replans.chair_out_of_service(
        world.actor(Role.FRONT_DESK),
        series[0].chair_id,
        start_at=world.clock.now(),
        end_at=world.clock.now() + timedelta(days=3),
        reason="pump fault",
    )
    assert booster.id not in {c.before.id for c in outcome.to_call}


def test_a_booster_is_never_placed_within_the_minimum_gap_of_the_series(
    world: World, booked: Booked
) -> None:
    series = sorted(_series(world, booked), key=lambda b: b.start_at)
    course_id, last = series[0].course_id, series[-1].start_at
    boosters = _plan_after_series(world, booked, course_id, last)
    physician = world.actor(Role.PHYSICIAN)
    on_last = last.astimezone(ZoneInfo(world.clinic.timezone)).date()
    edit = BoosterEdit(1, on_last, "booster on the day of the last session")
    world.services.maintenance.store(physician, course_id, world.clock.now().date(), [edit])
    result = boosters.book(world.actor(Role.FRONT_DESK), course_id, 1)
    assert result.bookings == () and result.unplaced == (1,)
