"""Booking and the clinic calendar as use cases, on the in-memory fakes.

The induction series is proposed by the pure greedy engine (the production CP-SAT engine sits
behind the same ``Scheduler`` port and is exercised in the integration tier). Booking needs an
open course, consent in force and a clear safety gate; a manual move is checked against the same
hard constraints and audited either way. One commit per use case; a refusal stores nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ketaclinic.domain.consent.signatures import ConsentStatus
from ketaclinic.domain.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    SafetyBlock,
    ValidationFailed,
)
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.scheduling.booking import (
    Availability,
    Booking,
    BookingStatus,
    OpeningHours,
)
from ketaclinic.domain.scheduling.greedy import GreedyScheduler
from ketaclinic.services.ports import UnitOfWork
from ketaclinic.services.scheduling.booking import ScheduleService
from ketaclinic.services.scheduling.inputs import MoveRequest
from ketaclinic.services.scheduling.setup import CalendarService, seed_demo_schedule
from tests.unit.services.world import FakeWorld


@dataclass
class ConsentSwitch:
    """Stands in for ``ConsentService.allows_sessions`` (consent is tested in its own area)."""

    missing: tuple[str, ...] = ()
    asked: list[int] = field(default_factory=list)

    def __call__(self, uow: UnitOfWork, course: Course) -> ConsentStatus:
        self.asked.append(course.id)
        return ConsentStatus(missing=self.missing, blocks=())


@dataclass
class Scheduling:
    world: FakeWorld
    consent: ConsentSwitch
    schedule: ScheduleService
    calendar: CalendarService

    def book(self) -> tuple[Booking, ...]:
        proposal = self.schedule.book_series(
            self.world.actor(Role.FRONT_DESK), self.world.course.id
        )
        assert proposal.booked, proposal.explanation
        return proposal.bookings


@pytest.fixture
def scheduling(fake_world: FakeWorld) -> Scheduling:
    fake_world.move_course(CourseState.CONSENTED)
    seed_demo_schedule(fake_world.uow, fake_world.clock, fake_world.clinic.id)
    consent = ConsentSwitch()
    return Scheduling(
        fake_world,
        consent,
        ScheduleService(fake_world.uow, fake_world.clock, GreedyScheduler(), consent),
        CalendarService(fake_world.uow, fake_world.clock),
    )


def bookings(w: FakeWorld) -> list[Booking]:
    return list(w.committed.schedule.bookings.values())


# -- proposing the series ------------------------------------------------------------------
def test_the_whole_series_is_proposed_in_one_commit(scheduling: Scheduling) -> None:
    w, before = scheduling.world, scheduling.world.db.commits
    booked = scheduling.book()
    assert len(booked) == w.protocol.series.sessions
    assert {b.status for b in booked} == {BookingStatus.PROPOSED}
    assert [b.session_number for b in booked] == list(range(1, len(booked) + 1))
    assert bookings(w) == list(booked)
    assert w.db.commits == before + 1
    event = w.audit()[-1]
    assert (event.action, event.object_id, event.patient_id) == (
        "schedule.propose_series",
        str(w.course.id),
        w.patient_id,
    )
    assert scheduling.consent.asked == [w.course.id]


@pytest.mark.parametrize("role", [Role.NURSE, Role.COACH, Role.AUDITOR])
def test_only_schedulers_book(scheduling: Scheduling, role: Role) -> None:
    w = scheduling.world
    with pytest.raises(PermissionDenied):
        scheduling.schedule.book_series(w.actor(role), w.course.id)
    assert bookings(w) == []


def test_no_booking_without_consent_in_force(scheduling: Scheduling) -> None:
    scheduling.consent.missing = ("iv-ketamine-informed-consent",)
    with pytest.raises(SafetyBlock) as err:
        scheduling.book()
    assert err.value.field == "consent"
    assert bookings(scheduling.world) == [] and scheduling.world.actions() == []


def test_no_booking_while_a_safety_task_is_open(scheduling: Scheduling) -> None:
    scheduling.world.open_safety_task()
    before = scheduling.world.db.commits
    with pytest.raises(SafetyBlock) as err:
        scheduling.book()
    assert err.value.field == "safety_gate"
    assert bookings(scheduling.world) == [] and scheduling.world.db.commits == before


def test_no_booking_for_a_closed_course(scheduling: Scheduling) -> None:
    scheduling.world.move_course(CourseState.DISCONTINUED)
    with pytest.raises(Conflict) as err:
        scheduling.book()
    assert err.value.field == "course_id" and bookings(scheduling.world) == []


def test_a_booked_course_is_re_planned_not_booked_twice(scheduling: Scheduling) -> None:
    first = scheduling.book()
    with pytest.raises(Conflict) as err:
        scheduling.book()
    assert err.value.field == "course_id"
    assert bookings(scheduling.world) == list(first)


# -- confirming ----------------------------------------------------------------------------
def test_confirming_the_proposed_series_in_one_commit(scheduling: Scheduling) -> None:
    w = scheduling.world
    scheduling.book()
    before = w.db.commits
    done = scheduling.schedule.confirm_series(w.actor(Role.FRONT_DESK), w.course.id)
    assert {b.status for b in done} == {BookingStatus.CONFIRMED}
    assert {b.status for b in bookings(w)} == {BookingStatus.CONFIRMED}
    assert w.db.commits == before + 1
    assert w.audit()[-1].action == "schedule.confirm_series"
    with pytest.raises(Conflict):
        scheduling.schedule.confirm_series(w.actor(Role.FRONT_DESK), w.course.id)


def test_confirming_re_checks_consent_and_stores_nothing_when_withdrawn(
    scheduling: Scheduling,
) -> None:
    w = scheduling.world
    scheduling.book()
    scheduling.consent.missing = ("iv-ketamine-informed-consent",)
    with pytest.raises(SafetyBlock):
        scheduling.schedule.confirm_series(w.actor(Role.FRONT_DESK), w.course.id)
    assert {b.status for b in bookings(w)} == {BookingStatus.PROPOSED}


# -- moving by hand ------------------------------------------------------------------------
def test_a_manual_move_needs_a_reason(scheduling: Scheduling) -> None:
    first = scheduling.book()[0]
    with pytest.raises(ValidationFailed) as err:
        scheduling.schedule.move(
            scheduling.world.actor(Role.FRONT_DESK),
            first.id,
            MoveRequest(start_at=first.start_at, reason=" "),
        )
    assert err.value.field == "reason"


def test_a_move_outside_opening_hours_is_refused_and_audited(scheduling: Scheduling) -> None:
    w = scheduling.world
    first = scheduling.book()[0]
    night = datetime.combine(first.start_at.date(), datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=8
    )  # 02:00 in Chicago
    outcome = scheduling.schedule.move(
        w.actor(Role.FRONT_DESK), first.id, MoveRequest(start_at=night, reason="patient asked")
    )
    assert not outcome.accepted and outcome.violations
    assert w.committed.schedule.bookings[first.id] == first
    event = w.audit()[-1]
    assert (event.action, event.outcome) == ("schedule.move", "refused")


def test_a_refused_move_names_the_session_and_its_local_time_not_an_internal_id(
    scheduling: Scheduling,
) -> None:
    w = scheduling.world
    first = scheduling.book()[0]
    night = datetime.combine(first.start_at.date(), datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=8
    )  # 02:00 in Chicago
    outcome = scheduling.schedule.move(
        w.actor(Role.FRONT_DESK), first.id, MoveRequest(start_at=night, reason="patient asked")
    )
    local = night.astimezone(ZoneInfo("America/Chicago"))
    said = {v.rule.value: v.message for v in outcome.violations}
    assert said["SCH-OPENING-HOURS"] == (
        f"Session 1 on {local:%a %-d %b} at 02:00 is outside the clinic's opening hours"
    )
    assert not any(re.search(rf"\bb{first.id}\b", m) for m in said.values())


def test_another_clinic_sees_no_appointment(scheduling: Scheduling) -> None:
    w = scheduling.world
    first = scheduling.book()[0]
    outsider = w.outsider(Role.FRONT_DESK)
    assert scheduling.schedule.between(outsider, first.start_at, first.end_at) == []
    with pytest.raises(NotFound):
        scheduling.schedule.series_of_patient(outsider, w.patient_id)
    with pytest.raises(NotFound):
        scheduling.schedule.move(outsider, first.id, MoveRequest(first.start_at, "x"))


# -- the calendar --------------------------------------------------------------------------
def test_opening_hours_one_span_per_weekday(scheduling: Scheduling) -> None:
    w = scheduling.world
    with pytest.raises(ValidationFailed) as err:
        scheduling.calendar.set_hours(
            w.actor(Role.ADMIN), [OpeningHours(1, 480, 600), OpeningHours(1, 700, 900)]
        )
    assert err.value.field == "weekday"
    before = w.db.commits
    scheduling.calendar.set_hours(w.actor(Role.ADMIN), [OpeningHours(5, 540, 780)])
    assert list(w.committed.schedule.hours.values()) == [OpeningHours(5, 540, 780)]
    assert w.db.commits == before + 1 and w.audit()[-1].action == "schedule.hours"


def test_a_day_is_closed_once_with_a_reason(scheduling: Scheduling) -> None:
    w = scheduling.world
    day = date(2026, 12, 25)
    with pytest.raises(ValidationFailed) as no_reason:
        scheduling.calendar.add_closure(w.actor(Role.ADMIN), day, " ")
    scheduling.calendar.add_closure(w.actor(Role.ADMIN), day, "Holiday")
    with pytest.raises(ValidationFailed) as twice:
        scheduling.calendar.add_closure(w.actor(Role.ADMIN), day, "Again")
    assert (no_reason.value.field, twice.value.field) == ("reason", "day")
    assert [c.reason for c in w.committed.schedule.closures.values()] == ["Holiday"]


def test_patient_preferences_stay_in_the_patients_clinic(scheduling: Scheduling) -> None:
    w = scheduling.world
    windows = [Availability(0, 480, 720)]
    with pytest.raises(NotFound):
        scheduling.calendar.set_patient_preferences(
            w.outsider(Role.FRONT_DESK), w.patient_id, windows, 540
        )
    with pytest.raises(ValidationFailed) as err:
        scheduling.calendar.set_patient_preferences(
            w.actor(Role.FRONT_DESK), w.patient_id, windows, 1440
        )
    assert err.value.field == "preferred_start_min"
    assert w.committed.schedule.availability == {}
    scheduling.calendar.set_patient_preferences(
        w.actor(Role.FRONT_DESK), w.patient_id, windows, 540
    )
    assert w.committed.schedule.preferences == {(w.clinic.id, w.patient_id): 540}
