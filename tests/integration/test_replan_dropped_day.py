"""A re-plan after a cancelled, missed or postponed session never offers the dropped
appointment's clinic day back to the course (the patient said they cannot come then), on SQLite
and PostgreSQL; a not-dosed release still re-plans from the next clinic day."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.scheduling import ReplanStatus
from ketaclinic.domain.scheduling.booking import Booking, BookingStatus
from ketaclinic.services.scheduling.inputs import DropReason, DropRequest
from tests.conftest import World
from tests.schedule_world import Booked, schedule_world

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def booked(world: World) -> Booked:
    return schedule_world(world)


def _series(world: World, booked: Booked) -> list[Booking]:
    desk = world.actor(Role.FRONT_DESK)
    course = booked.courses[0]
    booked.schedule.book_series(desk, course.id)
    return sorted(booked.schedule.confirm_series(desk, course.id), key=lambda b: b.start_at)


def _day(b: Booking) -> date:
    return b.start_at.astimezone(CHICAGO).date()


@pytest.mark.parametrize("why", list(DropReason))
def test_the_dropped_sessions_day_is_not_offered_back(
    world: World, booked: Booked, why: DropReason
) -> None:
    series = _series(world, booked)
    second = series[1]
    if why is DropReason.MISSED:  # a no-show is marked once the appointment has begun
        world.clock.current = second.start_at + timedelta(minutes=30)
    outcome = booked.replans.drop(
        world.actor(Role.FRONT_DESK), second.id, DropRequest(why, "cannot come that day")
    )
    assert outcome.status is ReplanStatus.REPLANNED
    assert outcome.dropped.status in (BookingStatus.CANCELLED, BookingStatus.MISSED)
    active = sorted(outcome.bookings, key=lambda b: b.start_at)
    assert len(active) == 6 and second.id not in {b.id for b in active}
    assert _day(second) not in {_day(b) for b in active}, [b.start_at for b in active]
    assert all(b - a >= timedelta(hours=48) for a, b in pairwise(x.start_at for x in active))
    assert active[-1].end_at - active[0].start_at <= timedelta(days=21)
    assert [b.session_number for b in active] == [1, 2, 3, 4, 5, 6]
