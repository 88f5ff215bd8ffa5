"""An unscheduled visit (a prescriber opens a session without an appointment) is refused in a chair
that is booked for another patient while the visit would hold it (from now for the protocol's chair
time) or that has a session open in it, on SQLite and PostgreSQL: the refusal names the chair
field, the rule and who holds the chair when (clinic local time, never another patient's name),
nothing is stored, and the prescriber can open the visit in a chair the service lists as free."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.scheduling.booking import Booking
from tests.conftest import World
from tests.schedule_world import Booked, schedule_world

CHICAGO = ZoneInfo("America/Chicago")
OPENING_MIN = 8 * 60  # the demo calendar opens at 08:00, when the clock stands


@pytest.fixture
def first_booked(world: World) -> tuple[Booked, Booking]:
    """Two chairs; the first patient's confirmed series starts now, in one of them."""
    booked = schedule_world(world, chairs=2, patients=3)
    desk = world.actor(Role.FRONT_DESK)
    course = booked.courses[0]
    world.services.calendar.set_patient_preferences(desk, course.patient_id, (), OPENING_MIN)
    booked.schedule.book_series(desk, course.id)
    booked.schedule.confirm_series(desk, course.id)
    first = min(booked.schedule.series_of_patient(desk, course.patient_id), key=_start)
    assert first.start_at == world.clock.now()
    return booked, first


def _sessions(world: World, booked: Booked) -> int:
    with world.services.uow() as uow:
        return sum(
            len(uow.sessions.for_patient(world.clinic.id, c.patient_id)) for c in booked.courses
        )


def _chair_name(world: World, chair_id: int) -> str:
    with world.services.uow() as uow:
        return next(c.name for c in uow.clinics.chairs(world.clinic.id) if c.id == chair_id)


def _patient_name(world: World, course: Course) -> str:
    with world.services.uow() as uow:
        patient = uow.patients.get(world.clinic.id, course.patient_id)
    assert patient is not None
    return patient.details.family_name


def test_a_chair_booked_for_another_patient_is_refused(
    world: World, first_booked: tuple[Booked, Booking]
) -> None:
    booked, first = first_booked
    physician = world.actor(Role.PHYSICIAN)
    walk_in = booked.courses[1]
    stored = _sessions(world, booked)
    with pytest.raises(Conflict) as refused:
        world.services.arrivals.open_unscheduled(
            physician, walk_in.id, first.chair_id, reason="unwell, seen today"
        )
    start, end = first.start_at.astimezone(CHICAGO), first.end_at.astimezone(CHICAGO)
    chair = _chair_name(world, first.chair_id)
    assert refused.value.field == "chair_id"
    assert refused.value.detail == (
        f"session.chair_free: {chair} is booked from {start:%H:%M} to {end:%H:%M} "
        "for another patient; choose a free chair"
    )
    assert _patient_name(world, booked.courses[0]) not in refused.value.detail
    assert _sessions(world, booked) == stored  # nothing opened

    chairs = world.services.arrivals.chairs_for_visit(physician, walk_in.id)
    free = [c.id for c, is_free in chairs if is_free]
    assert first.chair_id not in free and len(free) == 1
    opened = world.services.arrivals.open_unscheduled(
        physician, walk_in.id, free[0], reason="unwell, seen today"
    )
    assert opened.chair_id == free[0] and opened.appointment_id is None


def test_a_booking_later_in_the_visits_chair_time_is_refused_one_after_it_is_not(
    world: World, first_booked: tuple[Booked, Booking]
) -> None:
    booked, first = first_booked
    physician = world.actor(Role.PHYSICIAN)
    chair_time = first.end_at - first.start_at  # the same protocol's chair time
    world.clock.current = first.start_at - chair_time + timedelta(minutes=15)
    with pytest.raises(Conflict) as refused:
        world.services.arrivals.open_unscheduled(
            physician, booked.courses[1].id, first.chair_id, reason="early walk-in"
        )
    assert "for another patient" in refused.value.detail
    world.clock.current = first.start_at - chair_time  # the visit would end as the booking starts
    opened = world.services.arrivals.open_unscheduled(
        physician, booked.courses[1].id, first.chair_id, reason="early walk-in"
    )
    assert opened.chair_id == first.chair_id


def test_a_chair_with_a_session_open_in_it_is_refused(
    world: World, first_booked: tuple[Booked, Booking]
) -> None:
    booked, _ = first_booked
    physician = world.actor(Role.PHYSICIAN)
    [free] = [
        c.id
        for c, is_free in world.services.arrivals.chairs_for_visit(physician, booked.courses[1].id)
        if is_free
    ]
    world.services.arrivals.open_unscheduled(
        physician, booked.courses[1].id, free, reason="first walk-in"
    )
    world.clock.advance(hours=3)  # still open past its chair time: it still holds the chair
    stored = _sessions(world, booked)
    with pytest.raises(Conflict) as refused:
        world.services.arrivals.open_unscheduled(
            physician, booked.courses[2].id, free, reason="second walk-in"
        )
    opened_at = (world.clock.now() - timedelta(hours=3)).astimezone(CHICAGO)
    assert refused.value.field == "chair_id"
    assert refused.value.detail == (
        f"session.chair_free: {_chair_name(world, free)} has another patient in it: "
        f"a session open since {opened_at:%H:%M}; choose a free chair"
    )
    assert _sessions(world, booked) == stored


def test_the_patients_own_booking_in_the_chair_is_no_clash(
    world: World, first_booked: tuple[Booked, Booking]
) -> None:
    booked, first = first_booked
    opened = world.services.arrivals.open_unscheduled(
        world.actor(Role.PHYSICIAN), booked.courses[0].id, first.chair_id, reason="came early"
    )
    assert opened.chair_id == first.chair_id


def _start(b: Booking) -> datetime:
    return b.start_at
