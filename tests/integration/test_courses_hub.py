"""Protocol publication, physician sign-off, courses pinned to a version, and the safety gate.

Runs on SQLite and PostgreSQL (the ``world`` fixture).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.assessments.safety import Disposition, RiskLevel, SafetyAssessment, Urgency
from ketaclinic.domain.errors import (
    InvalidTransition,
    PermissionDenied,
    SafetyBlock,
    ValidationFailed,
)
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from ketaclinic.domain.protocols.signoff import signoff_items
from ketaclinic.services.assessments.safety import SafetyFlag, ensure_clear, open_tasks
from tests.conftest import World

THRESHOLD = "monitoring.alert_rules[bp-systolic-pause].threshold"


def publish_adult(world: World) -> int:
    pack = shipped_protocol("adult-iv-induction")
    [published] = world.services.protocols.publish(world.clinic.id, [pack])
    return published.id


def sign(world: World, version_id: int) -> None:
    physician = world.actor(Role.PHYSICIAN)
    items = world.services.protocols.signoff_items(physician, version_id)
    world.services.protocols.sign_off(physician, version_id, [i.path for i in items])


def a_patient(world: World) -> int:
    details = PatientDetails("Emerson", "Demo-Elm", date(1985, 6, 1), SexAtBirth.FEMALE)
    return world.services.patients.register(world.actor(Role.FRONT_DESK), details).id


def test_publishing_twice_keeps_one_immutable_version(world: World) -> None:
    first = publish_adult(world)
    assert publish_adult(world) == first
    view = world.services.protocols.view(world.actor(Role.NURSE), first)
    assert view.protocol.hash == view.published.hash == shipped_protocol("adult-iv-induction").hash


def test_a_protocol_not_signed_off_cannot_be_chosen_for_a_course(world: World) -> None:
    version = publish_adult(world)
    with pytest.raises(SafetyBlock, match="not signed off"):
        world.services.courses.open(world.actor(Role.PHYSICIAN), a_patient(world), version)


def test_sign_off_needs_every_flagged_default_and_a_physician(world: World) -> None:
    version = publish_adult(world)
    physician = world.actor(Role.PHYSICIAN)
    items = world.services.protocols.signoff_items(physician, version)
    assert len(items) > 5
    with pytest.raises(SafetyBlock) as caught:
        world.services.protocols.sign_off(physician, version, [i.path for i in items[1:]])
    assert caught.value.reasons == (f"not confirmed: {items[0].path}",)
    with pytest.raises(PermissionDenied):
        world.services.protocols.sign_off(world.actor(Role.APP), version, [i.path for i in items])
    signed = world.services.protocols.sign_off(physician, version, [i.path for i in items])
    assert signed.signed_off and signed.signed_off_by == physician.staff_id


def test_adopted_threshold_is_a_new_version_and_old_courses_keep_the_old_rule(world: World) -> None:
    base = publish_adult(world)
    sign(world, base)
    physician = world.actor(Role.PHYSICIAN)
    course = world.services.courses.open(physician, a_patient(world), base)
    adopted = world.services.protocols.adopt(
        physician, base, {THRESHOLD: 170}, new_version="1.0.0-local.1"
    )
    assert adopted.hash != world.services.protocols.view(physician, base).published.hash
    changes = world.services.protocols.compare(physician, base, adopted.id)
    assert [c.path for c in changes if c.path not in {"version", "base"}] == [THRESHOLD]
    old = world.services.courses.view(physician, course.id).protocol
    rule = next(r for r in old.monitoring.alert_rules if r.id == "bp-systolic-pause")
    assert rule.threshold == Decimal(180)
    with pytest.raises(SafetyBlock):  # the adopted copy needs its own sign-off
        world.services.courses.open(physician, a_patient(world), adopted.id)


def test_course_moves_by_the_state_machine_with_every_reason(world: World) -> None:
    version = publish_adult(world)
    sign(world, version)
    app = world.actor(Role.APP)
    course = world.services.courses.open(app, a_patient(world), version)
    moved = world.services.courses.move(app, course.id, CourseState.EVALUATING)
    assert moved.state is CourseState.EVALUATING
    with pytest.raises(InvalidTransition) as caught:
        world.services.courses.move(app, course.id, CourseState.ELIGIBLE)
    assert any("eligibility" in r for r in caught.value.reasons)
    with pytest.raises(InvalidTransition, match="induction"):
        world.services.courses.move(app, course.id, CourseState.INDUCTION)
    stopped = world.services.courses.move(
        app, course.id, CourseState.DISCONTINUED, reason="patient moved away"
    )
    view = world.services.courses.view(app, stopped.id)
    assert [(h.from_state, h.to_state) for h in view.history] == [
        (CourseState.REFERRED, CourseState.EVALUATING),
        (CourseState.EVALUATING, CourseState.DISCONTINUED),
    ]


def test_safety_gate_blocks_until_a_prescriber_documents_an_assessment(world: World) -> None:
    version = publish_adult(world)
    sign(world, version)
    patient = a_patient(world)
    nurse = world.actor(Role.NURSE)
    with world.services.uow() as uow:
        [task] = open_tasks(
            uow,
            world.clock,
            nurse,
            patient,
            [SafetyFlag("phq9.item9_positive", "PHQ-9 item 9 = 1", Urgency.SAME_DAY)],
            source="assessment:1",
        )
        uow.commit()
    with world.services.uow() as uow, pytest.raises(SafetyBlock) as caught:
        ensure_clear(uow, world.clinic.id, patient)
    assert "PHQ-9 item 9" in caught.value.reasons[0]
    course = world.services.courses.open(world.actor(Role.PHYSICIAN), patient, version)
    assert world.services.courses.view(nurse, course.id).facts.open_safety_gates
    assessment = SafetyAssessment(
        RiskLevel.LOW, "Safety plan reviewed; crisis line given.", Disposition.CONTINUE_TREATMENT
    )
    with pytest.raises(PermissionDenied):
        world.services.safety.assess(nurse, task.id, assessment)
    with pytest.raises(ValidationFailed):
        world.services.safety.assess(
            world.actor(Role.APP),
            task.id,
            SafetyAssessment(
                RiskLevel.HIGH, "Seen today, plan made.", Disposition.CONTINUE_TREATMENT
            ),
        )
    with pytest.raises(PermissionDenied) as app_clears:  # only a physician lifts the gate
        world.services.safety.assess(world.actor(Role.APP), task.id, assessment)
    assert "safety_disposition" in str(app_clears.value)
    world.services.safety.assess(world.actor(Role.PHYSICIAN), task.id, assessment)
    with world.services.uow() as uow:
        ensure_clear(uow, world.clinic.id, patient)
    assert world.services.safety.worklist(nurse) == []


def test_signoff_items_match_the_pack(world: World) -> None:
    version = publish_adult(world)
    items = world.services.protocols.signoff_items(world.actor(Role.PHYSICIAN), version)
    expected = signoff_items(shipped_protocol("adult-iv-induction"))
    assert sorted(i.path for i in items) == sorted(i.path for i in expected)
