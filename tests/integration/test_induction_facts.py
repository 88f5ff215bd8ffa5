"""The induction series counts toward reassessment only when its sessions end in discharge.

Sessions are placed in their states through the repository (their clinical workflow is tested in
test_session_workflow.py); the course move itself goes through the guarded service.
"""

from __future__ import annotations

from datetime import date

import pytest

from ketaclinic.domain.errors import InvalidTransition
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from tests.conftest import World
from tests.integration.test_courses_hub import publish_adult, sign


def course_in_induction(world: World) -> tuple[int, int]:
    version = publish_adult(world)
    sign(world, version)
    patient = world.services.patients.register(
        world.actor(Role.FRONT_DESK),
        PatientDetails("Harper", "Demo-Hazel", date(1982, 2, 2), SexAtBirth.FEMALE),
    )
    course = world.services.courses.open(world.actor(Role.PHYSICIAN), patient.id, version)
    with world.services.uow() as uow:
        staff = world.actor(Role.PHYSICIAN).staff_id
        assert staff is not None
        moved = uow.courses.move(
            course, CourseState.INDUCTION, by=staff, at=world.clock.now(), reason="test setup"
        )
        uow.commit()
    return moved.id, patient.id


def give_sessions(world: World, course_id: int, patient_id: int, n: int, end: SessionState) -> None:
    staff = world.actor(Role.NURSE).staff_id
    assert staff is not None
    with world.services.uow() as uow:
        chair = uow.clinics.add_chair(world.clinic.id, f"Chair T{n}{end.value}", ("monitor",))
        for _ in range(n):
            s = uow.sessions.add(
                world.clinic.id,
                course_id=course_id,
                patient_id=patient_id,
                chair_id=chair,
                by=staff,
                at=world.clock.now(),
            )
            uow.sessions.move(s, end, by=staff, at=world.clock.now(), reason="test setup")
        uow.commit()


def test_reassessment_waits_for_six_discharged_sessions(world: World) -> None:
    course_id, patient_id = course_in_induction(world)
    physician = world.actor(Role.PHYSICIAN)
    give_sessions(world, course_id, patient_id, 5, SessionState.DISCHARGED)
    give_sessions(world, course_id, patient_id, 1, SessionState.CANCELLED)
    with pytest.raises(InvalidTransition) as caught:
        world.services.courses.move(physician, course_id, CourseState.REASSESSMENT)
    assert any("5 of 6 sessions done" in r for r in caught.value.reasons)
    give_sessions(world, course_id, patient_id, 1, SessionState.DISCHARGED)
    assert (
        world.services.courses.move(physician, course_id, CourseState.REASSESSMENT).state
        is CourseState.REASSESSMENT
    )
