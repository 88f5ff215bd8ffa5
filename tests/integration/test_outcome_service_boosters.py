"""Booking a stored booster plan through the scheduling engine, on SQLite and PostgreSQL:
every window placed inside its dates on the clinic's calendar, refused without a plan or twice,
and only with schedule-write permission (clinical.md §3.3)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from ketaclinic.domain.errors import Conflict, PermissionDenied
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.scheduling.booking import BookingKind, BookingStatus
from ketaclinic.services.outcomes.maintenance import BoosterEdit
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.conftest import World
from tests.integration.test_outcome_service import reassess, responder_in_reassessment


def clinic_with_chairs(world: World) -> None:
    with world.services.uow() as uow:
        for n in range(2):
            uow.clinics.add_chair(world.clinic.id, f"Chair {n + 1}", ("monitor",))
        uow.commit()
    seed_demo_schedule(world.services.uow, world.clock, world.clinic.id)


def test_stored_plan_is_booked_inside_each_window(world: World) -> None:
    clinic_with_chairs(world)
    _, course_id = responder_in_reassessment(world)
    reassess(world, course_id, 8)
    physician, desk = world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    with pytest.raises(Conflict, match="store the booster plan first"):
        world.services.boosters.book(desk, course_id)
    stored = world.services.maintenance.store(physician, course_id, world.clock.now().date())
    booked = world.services.boosters.book(desk, course_id)
    assert booked.unplaced == ()
    assert [b.session_number for b in booked.bookings] == [1, 2, 3]
    zone = ZoneInfo(world.clinic.timezone)
    for booking, window in zip(booked.bookings, stored.plan.windows, strict=True):
        assert booking.kind is BookingKind.BOOSTER and booking.status is BookingStatus.PROPOSED
        day = booking.start_at.astimezone(zone).date()
        assert window.earliest_on <= day <= window.latest_on
    with pytest.raises(Conflict, match="already has booked boosters"):
        world.services.boosters.book(desk, course_id)
    with pytest.raises(PermissionDenied):
        world.services.boosters.book(world.actor(Role.NURSE), course_id)


def test_the_desks_worklist_lists_stored_plans_with_boosters_still_to_book(world: World) -> None:
    clinic_with_chairs(world)
    _, course_id = responder_in_reassessment(world)
    reassess(world, course_id, 8)
    physician, desk = world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    assert world.services.boosters.to_book(desk, course_id) is None  # no plan: nothing to book
    assert world.services.boosters.due_to_book(desk) == []
    today = world.clock.now().date()
    first = world.services.maintenance.store(physician, course_id, today)
    edit = BoosterEdit(1, today + timedelta(days=12), "patient away next week")
    stored = world.services.maintenance.store(physician, course_id, today, [edit])
    [due] = world.services.boosters.due_to_book(desk)  # the plan in force: the latest stored
    assert due.course_id == course_id and due.windows == stored.plan.windows
    assert due.windows != first.plan.windows
    assert due.next.number == 1 and due.patient_name
    world.services.boosters.book(desk, course_id, 1)
    [due] = world.services.boosters.due_to_book(desk)
    assert [w.number for w in due.windows] == [2, 3]
    assert world.services.boosters.to_book(desk, course_id) == due.windows
    world.services.boosters.book(desk, course_id)  # every remaining booster at once
    assert world.services.boosters.due_to_book(desk) == []
    assert world.services.boosters.to_book(desk, course_id) == ()
    with pytest.raises(PermissionDenied):
        world.services.boosters.due_to_book(world.actor(Role.NURSE))
