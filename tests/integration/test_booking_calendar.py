"""The calendar the booking reads, on SQLite and PostgreSQL: patient availability and preferred
time, clinic closures, shift roles, and input errors naming their field."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete

from ketaclinic.adapters.db.scheduling.tables import staff_shifts
from ketaclinic.domain.errors import NotFound, ValidationFailed
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.scheduling import Constraint
from ketaclinic.domain.scheduling.booking import (
    Availability,
    BookedShape,
    BookingKind,
    BookingStatus,
    NewBooking,
    OpeningHours,
    ShiftRole,
)
from tests.conftest import World
from tests.schedule_world import Booked, schedule_world

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def booked(world: World) -> Booked:
    return schedule_world(world, patients=1)


def test_sessions_fall_inside_the_patients_availability(world: World, booked: Booked) -> None:
    course = booked.courses[0]
    windows = [Availability(d, 13 * 60, 18 * 60) for d in (1, 3, 4)]  # Tue, Thu, Fri afternoons
    world.services.calendar.set_patient_preferences(
        world.actor(Role.FRONT_DESK), course.patient_id, windows, 14 * 60
    )
    proposal = booked.schedule.book_series(world.actor(Role.FRONT_DESK), course.id)
    assert len(proposal.bookings) == 6
    for b in proposal.bookings:
        local = b.start_at.astimezone(CHICAGO)
        assert local.weekday() in (1, 3, 4)
        assert local.hour >= 13 and b.end_at.astimezone(CHICAGO).hour <= 18


def test_no_session_on_a_closure_day(world: World, booked: Booked) -> None:
    admin = world.actor(Role.ADMIN)
    closed = [date(2026, 3, 4), date(2026, 3, 6), date(2026, 3, 9)]
    for day in closed:
        world.services.calendar.add_closure(admin, day, "staff training")
    proposal = booked.schedule.book_series(world.actor(Role.FRONT_DESK), booked.courses[0].id)
    assert len(proposal.bookings) == 6
    assert not {b.start_at.astimezone(CHICAGO).date() for b in proposal.bookings} & set(closed)
    with pytest.raises(ValidationFailed) as twice:
        world.services.calendar.add_closure(admin, closed[0], "again")
    assert twice.value.field == "day"


def test_a_series_that_cannot_fit_is_explained_and_nothing_is_stored(
    world: World, booked: Booked
) -> None:
    course = booked.courses[0]
    only_mondays = [Availability(0, 8 * 60, 18 * 60)]  # 6 sessions 48 h apart cannot fit 21 days
    world.services.calendar.set_patient_preferences(
        world.actor(Role.FRONT_DESK), course.patient_id, only_mondays, None
    )
    proposal = booked.schedule.book_series(world.actor(Role.FRONT_DESK), course.id)
    assert not proposal.booked
    assert proposal.explanation is not None and proposal.explanation.reasons
    with world.services.uow() as uow:
        assert uow.schedule.for_course(world.clinic.id, course.id) == []


def test_shift_roles_and_bad_input_name_the_field(world: World, booked: Booked) -> None:
    admin = world.actor(Role.ADMIN)
    start = world.clock.now() + timedelta(days=1)
    with pytest.raises(ValidationFailed) as wrong_role:
        world.services.calendar.add_shift(
            admin,
            world.actor(Role.FRONT_DESK).staff_id or 0,
            ShiftRole.NURSE,
            start,
            start + timedelta(hours=8),
        )
    assert wrong_role.value.field == "staff_id"
    with pytest.raises(NotFound):
        world.services.calendar.add_shift(
            admin, 999_999, ShiftRole.NURSE, start, start + timedelta(hours=8)
        )
    with pytest.raises(ValidationFailed) as backwards:
        world.services.calendar.add_shift(
            admin, world.actor(Role.NURSE).staff_id or 0, ShiftRole.NURSE, start, start
        )
    assert backwards.value.field == "end_at"
    with pytest.raises(ValidationFailed) as bad_hours:
        OpeningHours(2, 18 * 60, 8 * 60)
    assert bad_hours.value.field == "close_min"
    with pytest.raises(ValidationFailed) as twice:
        world.services.calendar.set_hours(
            admin, [OpeningHours(0, 480, 600), OpeningHours(0, 700, 800)]
        )
    assert twice.value.field == "weekday"
    with pytest.raises(ValidationFailed) as pref:
        world.services.calendar.set_patient_preferences(
            world.actor(Role.FRONT_DESK), booked.courses[0].patient_id, [], 2000
        )
    assert pref.value.field == "preferred_start_min"


def test_a_prescriber_shift_is_required_while_dosing(world: World, booked: Booked) -> None:
    """With prescribers on shift only on Tuesdays, every session is on a Tuesday (or refused)."""
    with world.services.engine.begin() as conn:
        conn.execute(
            delete(staff_shifts).where(
                staff_shifts.c.clinic_id == world.clinic.id, staff_shifts.c.role == "prescriber"
            )
        )
    admin = world.actor(Role.ADMIN)
    physician = world.actor(Role.PHYSICIAN).staff_id or 0
    for week in range(4):
        day = date(2026, 3, 3) + timedelta(days=7 * week)
        start = datetime.combine(day, time(8), tzinfo=CHICAGO)
        world.services.calendar.add_shift(
            admin, physician, ShiftRole.PRESCRIBER, start, start + timedelta(hours=10)
        )
    proposal = booked.schedule.book_series(world.actor(Role.FRONT_DESK), booked.courses[0].id)
    assert not proposal.booked  # 6 sessions 48 h apart cannot all be on Tuesdays in 21 days
    assert proposal.explanation is not None
    assert Constraint.PRESCRIBER_ON_SITE in proposal.explanation.blocking


def test_coaching_appointments_take_their_room_but_never_a_nurse(world: World) -> None:
    """A coaching appointment (room + coach, no dosing) blocks its chair; infusions go around it
    and clinic-wide re-plans leave it where it is."""
    booked = schedule_world(world, chairs=1, patients=1)
    course = booked.courses[0]
    with world.services.uow() as uow:
        room = uow.clinics.chairs(world.clinic.id)[0].id
        coaching = [
            NewBooking(
                course.id,
                course.patient_id,
                room,
                world.actor(Role.COACH).staff_id or 0,
                datetime.combine(date(2026, 3, d), time(8), tzinfo=CHICAGO),
                datetime.combine(date(2026, 3, d), time(18), tzinfo=CHICAGO),
                BookingKind.COACHING,
                BookingStatus.CONFIRMED,
                0,
                BookedShape(0, 600, 0, 0),
            )
            for d in range(2, 7)  # the whole first week
        ]
        held = uow.schedule.add_bookings(world.clinic.id, coaching, at=world.clock.now())
        uow.commit()
    desk = world.actor(Role.FRONT_DESK)
    proposal = booked.schedule.book_series(desk, course.id)
    assert len(proposal.bookings) == 6
    assert min(b.start_at for b in proposal.bookings).astimezone(CHICAGO).date() >= date(2026, 3, 9)
    booked.schedule.confirm_series(desk, course.id)
    outcome = booked.replans.staff_unavailable(
        desk,
        world.actor(Role.NURSE).staff_id or 0,
        start_at=datetime.combine(date(2026, 3, 9), time(0), tzinfo=CHICAGO),
        end_at=datetime.combine(date(2026, 3, 10), time(0), tzinfo=CHICAGO),
        reason="off sick",
    )
    assert outcome.to_call  # the Monday session had the only nurse
    with world.services.uow() as uow:
        after = [uow.schedule.get(world.clinic.id, b.id) for b in held]
    assert after == held  # coaching untouched
