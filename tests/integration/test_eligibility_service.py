"""Eligibility sign-off through the services on SQLite and PostgreSQL: overrides with reasons,
acknowledged cautions, hard stops, the safety gate, stale decisions, and the audit trail.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from ketaclinic.domain.assessments.safety import Urgency
from ketaclinic.domain.errors import Conflict, PermissionDenied
from ketaclinic.domain.evaluation.eligibility import Decision, SignOffRefused
from ketaclinic.domain.evaluation.intake import Status
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.services.assessments.safety import SafetyFlag, open_tasks
from ketaclinic.services.audit.ports import AuditQuery
from ketaclinic.services.evaluation.eligibility import OverrideRequest, SignRequest
from tests.conftest import World
from tests.integration.test_evaluation_fixtures import (
    ADULT_INSTRUMENTS,
    enrol_adult,
    evaluation_for,
)
from tests.unit.test_eligibility_fixtures import amend

MANIA = "Past manic episode 2019, stable on no mood stabiliser for 5 years"


def with_mania_history(world: World) -> tuple[int, int]:
    enrolled = enrol_adult(world)
    evaluation = amend(evaluation_for(40, ADULT_INSTRUMENTS), psychiatric__mania=Status.PAST)
    stored = world.services.evaluations.record(
        world.actor(Role.APP), enrolled.course_id, evaluation
    )
    return enrolled.course_id, stored.version


def test_relative_finding_needs_a_physician_override_with_a_reason(world: World) -> None:
    course_id, version = with_mania_history(world)
    view = world.services.eligibility.view(world.actor(Role.APP), course_id)
    assert view.result is not None
    relative = [f for f in view.result.findings if f.overridable]
    assert relative and view.result.decision is Decision.ELIGIBLE_WITH_OVERRIDES
    rule = relative[0].rule
    with pytest.raises(SignOffRefused) as refused:  # the APP cannot sign it without an override
        world.services.eligibility.sign(world.actor(Role.APP), course_id, SignRequest(version))
    assert any(rule in r and "override" in r for r in refused.value.reasons)
    override = SignRequest(version, (OverrideRequest(rule, MANIA),))
    with pytest.raises(PermissionDenied):  # overriding is the physician's
        world.services.eligibility.sign(world.actor(Role.APP), course_id, override)
    with pytest.raises(SignOffRefused, match="cannot be signed"):
        empty = SignRequest(version, (OverrideRequest(rule, "   "),))
        world.services.eligibility.sign(world.actor(Role.PHYSICIAN), course_id, empty)
    stored = world.services.eligibility.sign(world.actor(Role.PHYSICIAN), course_id, override)
    assert [(o.rule, o.reason, o.role) for o in stored.decision.overrides] == [
        (rule, MANIA, "physician")
    ]
    world.services.courses.move(world.actor(Role.APP), course_id, CourseState.ELIGIBLE)
    events = world.services.audit.search(
        world.actor(Role.AUDITOR), AuditQuery(world.clinic.id, limit=500)
    )
    details = {e.action: e.detail for _id, e in events}
    assert details["eligibility.override"] == f"rule={rule} role=physician reason={MANIA}"
    assert "decision=eligible_with_overrides" in details["eligibility.sign"]


def test_hard_stop_is_signed_only_as_not_eligible(world: World) -> None:
    enrolled = enrol_adult(world)
    evaluation = amend(evaluation_for(40, ADULT_INSTRUMENTS), medical__aneurysm=Status.CURRENT)
    app = world.actor(Role.APP)
    stored = world.services.evaluations.record(app, enrolled.course_id, evaluation)
    with pytest.raises(SignOffRefused) as refused:
        request = SignRequest(stored.version, (OverrideRequest("aneurysm", "insist"),))
        world.services.eligibility.sign(world.actor(Role.PHYSICIAN), enrolled.course_id, request)
    assert any("hard stop cannot be overridden" in r for r in refused.value.reasons)
    decision = world.services.eligibility.sign(app, enrolled.course_id, SignRequest(stored.version))
    assert decision.decision.decision is Decision.NOT_ELIGIBLE
    world.services.courses.move(app, enrolled.course_id, CourseState.INELIGIBLE)


def test_open_safety_gate_blocks_signing_an_eligible_decision(world: World) -> None:
    enrolled = enrol_adult(world)
    app = world.actor(Role.APP)
    stored = world.services.evaluations.record(
        app, enrolled.course_id, evaluation_for(40, ADULT_INSTRUMENTS)
    )
    with world.services.uow() as uow:
        flag = SafetyFlag("phq9.item9", "PHQ-9 item 9 answered 1", Urgency.SAME_DAY)
        open_tasks(
            uow, world.clock, world.actor(Role.NURSE), enrolled.patient_id, [flag], source="t"
        )
        uow.commit()
    with pytest.raises(SignOffRefused) as refused:
        world.services.eligibility.sign(app, enrolled.course_id, SignRequest(stored.version))
    assert any("open safety gate" in r for r in refused.value.reasons)


def test_a_decision_on_an_older_evaluation_version_does_not_count(world: World) -> None:
    enrolled = enrol_adult(world)
    app = world.actor(Role.APP)
    evaluation = evaluation_for(40, ADULT_INSTRUMENTS)
    first = world.services.evaluations.record(app, enrolled.course_id, evaluation)
    world.services.eligibility.sign(app, enrolled.course_id, SignRequest(first.version))
    second = world.services.evaluations.record(
        app, enrolled.course_id, replace(evaluation, presenting_problem="Synthetic: revised")
    )
    assert second.version == first.version + 1
    view = world.services.eligibility.view(app, enrolled.course_id)
    assert view.decision is not None and not view.decision_current
    assert world.services.courses.view(app, enrolled.course_id).facts.eligibility is None
    with pytest.raises(Conflict, match="evaluation changed"):
        world.services.eligibility.sign(app, enrolled.course_id, SignRequest(first.version))
