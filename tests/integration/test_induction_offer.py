"""An induction series is offered and booked only while the course's state allows it, on SQLite
and PostgreSQL: a course past induction (in reassessment) or discontinued, with no booking, is
refused naming the rule and the course, nothing is stored, and the panel's decision agrees."""

from __future__ import annotations

import pytest

from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.services.patients.courses import get_course
from ketaclinic.services.scheduling.offers import may_book_induction
from tests.conftest import World
from tests.integration.test_outcome_service import responder_in_reassessment
from tests.integration.test_outcome_service_boosters import clinic_with_chairs


@pytest.mark.parametrize("state", [CourseState.REASSESSMENT, CourseState.DISCONTINUED])
def test_a_course_past_induction_gets_no_induction_series(world: World, state: CourseState) -> None:
    clinic_with_chairs(world)
    _, course_id = responder_in_reassessment(world)
    physician, desk = world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    if state is CourseState.DISCONTINUED:
        world.services.courses.move(physician, course_id, state, reason="patient moved away")
    with world.services.uow() as uow:
        course = get_course(uow, world.clinic.id, course_id)
        assert course.state is state and not uow.schedule.for_course(world.clinic.id, course_id)
    assert not may_book_induction(course)
    with pytest.raises(Conflict) as refused:
        world.services.schedule.book_series(desk, course_id)
    assert refused.value.field == "course_id"
    assert refused.value.detail.startswith(
        "schedule.induction_stage: No induction series for this course: "
    )
    with world.services.uow() as uow:
        assert not uow.schedule.for_course(world.clinic.id, course_id)
