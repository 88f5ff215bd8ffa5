"""Where treatment stands, on SQLite and PostgreSQL: a patient infusing right now is shown in
their chair (which chair, which session, since when), never as "nothing booked"; the next
booking is said in plain words."""

from __future__ import annotations

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.scheduling.booking import BookingKind
from ketaclinic.services.patients.chart_summary import booking_words
from tests.conftest import World
from tests.infusion_world import walked_session
from tests.schedule_world import schedule_world


def test_a_patient_infusing_now_is_in_their_chair(world: World) -> None:
    walked = walked_session(world)
    nurse = world.actor(Role.NURSE)
    world.clock.advance(minutes=20)
    summary = world.services.chart_summaries.summary(nurse, walked.session.patient_id)
    assert summary.in_chair is not None
    assert summary.in_chair.chair_name == "Chair 1" and summary.in_chair.what == "unscheduled visit"
    assert summary.in_chair.session.state is SessionState.INFUSING
    assert summary.in_chair.checked_in_at == walked.session.checked_in_at
    assert summary.in_chair.dose_started_at == walked.session.dosing_started_at
    assert summary.next_booking is None and summary.next_words == ""


def test_no_session_open_means_nobody_in_a_chair_and_bookings_in_words(world: World) -> None:
    booked = schedule_world(world)
    desk = world.actor(Role.FRONT_DESK)
    course = booked.courses[0]
    booked.schedule.book_series(desk, course.id)
    summary = world.services.chart_summaries.summary(desk, course.patient_id)
    assert summary.in_chair is None
    assert summary.next_booking is not None
    assert summary.next_booking.kind is BookingKind.INDUCTION
    assert summary.next_words == "Induction session 1"
    assert booking_words(summary.next_booking) == "Induction session 1"
