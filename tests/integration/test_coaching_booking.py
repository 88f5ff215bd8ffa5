"""Coaching appointments in the schedule on SQLite and PostgreSQL: a room and the coach are booked
together, neither can be double-booked, bad input names its field (seed 004)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ketaclinic.domain.errors import Conflict, PermissionDenied, ValidationFailed
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.integration.plans import NoteKind
from ketaclinic.domain.scheduling.booking import BookingKind
from tests.conftest import World
from tests.integration_world import course_on


def test_a_coaching_session_books_a_room_and_the_coach(world: World) -> None:
    course_id, room = course_on(world, "kat-holistic")
    other_course, _ = course_on(world, "kat-holistic", given="Plover")
    coach = world.actor(Role.COACH)
    book = world.services.coaching_bookings.book
    start = world.clock.now() + timedelta(days=2)
    booked = book(
        coach, course_id, NoteKind.PREPARATORY, start, 50, room_id=room, coach_id=coach.staff_id
    )
    assert booked.kind is BookingKind.COACHING and booked.end_at == start + timedelta(minutes=50)
    assert booked.chair_id == room and booked.nurse_id == coach.staff_id
    with pytest.raises(Conflict) as room_taken:
        book(
            coach,
            other_course,
            NoteKind.PREPARATORY,
            start + timedelta(minutes=20),
            50,
            room_id=room,
            coach_id=world.actor(Role.PHYSICIAN).staff_id,
        )
    assert room_taken.value.field == "room_id"
    with world.services.uow() as uow:
        other_room = uow.clinics.add_chair(world.clinic.id, "Quiet room 2", ())
        uow.commit()
    with pytest.raises(Conflict) as coach_taken:
        book(
            coach,
            other_course,
            NoteKind.PREPARATORY,
            start,
            30,
            room_id=other_room,
            coach_id=coach.staff_id,
        )
    assert coach_taken.value.field == "coach_id"
    later = book(
        coach,
        other_course,
        NoteKind.PREPARATORY,
        start + timedelta(minutes=50),
        30,
        room_id=room,
        coach_id=coach.staff_id,
    )
    assert later.start_at == booked.end_at
    assert [b.id for b in world.services.coaching_bookings.for_course(coach, course_id)] == [
        booked.id
    ]


def test_bad_bookings_name_the_field(world: World) -> None:
    course_id, room = course_on(world, "kat-holistic")
    coach, book = world.actor(Role.COACH), world.services.coaching_bookings.book
    start = world.clock.now() + timedelta(days=1)
    with pytest.raises(ValidationFailed) as nurse:
        book(
            coach,
            course_id,
            NoteKind.INTEGRATION,
            start,
            50,
            room_id=room,
            coach_id=world.actor(Role.NURSE).staff_id,
        )
    assert "coach_id" in nurse.value.errors
    with pytest.raises(ValidationFailed) as long:
        book(
            coach,
            course_id,
            NoteKind.INTEGRATION,
            start,
            600,
            room_id=room,
            coach_id=coach.staff_id,
        )
    assert long.value.field == "duration_min"
    with pytest.raises(PermissionDenied):
        book(
            world.actor(Role.FRONT_DESK),
            course_id,
            NoteKind.INTEGRATION,
            start,
            50,
            room_id=room,
            coach_id=coach.staff_id,
        )
    assert world.services.coaching_bookings.for_course(coach, course_id) == []


def test_a_room_with_a_patient_in_it_without_an_appointment_is_not_booked(world: World) -> None:
    course_id, room = course_on(world, "kat-holistic")
    other_course, _ = course_on(world, "kat-holistic", given="Plover")
    coach, physician = world.actor(Role.COACH), world.actor(Role.PHYSICIAN)
    coach_id = coach.staff_id
    walk_in = world.services.sessions.create(
        physician, other_course, room, unscheduled_reason="walk-in"
    )
    book = world.services.coaching_bookings.book
    start = world.clock.now() + timedelta(minutes=30)
    with pytest.raises(Conflict) as taken:
        book(coach, course_id, NoteKind.PREPARATORY, start, 50, room_id=room, coach_id=coach_id)
    assert taken.value.field == "room_id"
    assert "without an appointment" in str(taken.value) and "Mon 2 Mar 2026" in str(taken.value)
    world.services.sessions.move(physician, walk_in.id, SessionState.CANCELLED, reason="left")
    booked = book(
        coach, course_id, NoteKind.PREPARATORY, start, 50, room_id=room, coach_id=coach_id
    )
    assert booked.chair_id == room
