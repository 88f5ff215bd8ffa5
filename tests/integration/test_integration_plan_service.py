"""Integration plans on SQLite and PostgreSQL: generated from the pinned protocol's integration
section (ROOT for the adult IV pack, the KAT session plan, family sessions for adolescents),
edited by the coach, with the patient's own goal ratings over time (seed 000 step 6; seed 002;
seed 004)."""

from __future__ import annotations

import pytest

from ketaclinic.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.integration.plans import DEFAULT_PRACTICES, GoalInput, GoalStatus
from ketaclinic.services.audit.ports import AuditQuery
from tests.conftest import World, make_world
from tests.integration_world import course_on


def test_the_adult_iv_pack_generates_a_root_plan_with_all_four_domains(world: World) -> None:
    course_id, _ = course_on(world, "adult-iv-induction")
    plan = world.services.integration.generate_plan(world.actor(Role.COACH), course_id)
    assert plan.framework == "ROOT"
    assert [d.id for d in plan.domains] == ["regulate", "overcome", "open", "transform"]
    assert all(len(d.goals) == 1 and d.goals[0].status is GoalStatus.PROPOSED for d in plan.domains)
    assert plan.domains[0].goals[0].practices == (
        "nervous system regulation tools",
        "breathing practice",
    )
    again = world.services.integration.plan(world.actor(Role.NURSE), course_id).plan
    assert [d.title for d in again.domains] == [d.title for d in plan.domains]
    with pytest.raises(Conflict):
        world.services.integration.generate_plan(world.actor(Role.COACH), course_id)


def test_kat_and_adolescent_packs_plan_their_sessions(world: World) -> None:
    kat_course, _ = course_on(world, "kat-holistic", given="Wren")
    kat = world.services.integration.generate_plan(world.actor(Role.COACH), kat_course)
    assert kat.framework == "KAT"
    assert [d.id for d in kat.domains] == [
        "preparation",
        "experiential-session",
        "integration-coaching",
    ]
    assert kat.sessions.preparatory_min == 1 and kat.sessions.integration_after_each
    teen_course, _ = course_on(world, "adolescent-iv", given="Linnet")
    teen = world.services.integration.generate_plan(world.actor(Role.COACH), teen_course)
    assert teen.framework == "family" and teen.sessions.family_sessions
    assert "family-involvement" in [d.id for d in teen.domains]


def test_goals_are_edited_and_rated_over_time(world: World) -> None:
    course_id, _ = course_on(world, "adult-iv-induction")
    coach, s = world.actor(Role.COACH), world.services.integration
    plan = s.generate_plan(coach, course_id)
    goal = plan.domains[0].goals[0]
    edited = s.update_goal(
        coach,
        goal.id,
        GoalInput(
            "ignored",
            "Three calm breathing breaks a day",
            ("Paced breathing",),
            "breaks per day",
            GoalStatus.ACTIVE,
        ),
    )
    assert edited.domain_id == "regulate" and edited.status is GoalStatus.ACTIVE
    for rating in (3, 5, 7):
        s.rate_goal(coach, goal.id, rating, "synthetic")
        world.clock.advance(days=7)
    view = s.plan(world.actor(Role.PHYSICIAN), course_id)
    assert [r.rating for r in view.ratings[goal.id]] == [3, 5, 7]
    times = [r.at for r in view.ratings[goal.id]]
    assert times == sorted(times) and len(set(times)) == 3
    with pytest.raises(ValidationFailed) as bad:
        s.rate_goal(coach, goal.id, 11)
    assert bad.value.field == "rating"
    with pytest.raises(ValidationFailed) as wrong_domain:
        s.add_goal(coach, course_id, GoalInput("nonsense", "x"))
    assert wrong_domain.value.field == "domain_id"
    assert len(s.plan(coach, course_id).ratings[goal.id]) == 3  # nothing stored partially
    events = world.services.audit.search(world.actor(Role.AUDITOR), AuditQuery(world.clinic.id))
    actions = [e.action for _, e in events]
    assert actions.count("integration.goal_rate") == 3 and "integration.plan_generate" in actions


def test_only_coaches_edit_plans_and_the_library_is_seeded_and_editable(world: World) -> None:
    course_id, _ = course_on(world, "adult-iv-induction")
    with pytest.raises(PermissionDenied):
        world.services.integration.generate_plan(world.actor(Role.NURSE), course_id)
    library = world.services.integration.library(world.actor(Role.NURSE))
    assert len(library) == len(DEFAULT_PRACTICES)
    assert {p.category for p in library} >= {
        "regulation",
        "sleep",
        "nutrition",
        "therapy",
        "journaling",
    }
    coach = world.actor(Role.COACH)
    added = world.services.integration.add_practice(coach, "regulation", "Humming, 2 minutes")
    world.services.integration.set_practice_active(coach, library[0].id, False)
    after = {p.id: p for p in world.services.integration.library(coach)}
    assert added.id in after and not after[library[0].id].active


def test_plans_are_scoped_to_their_clinic(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    course_id, _ = course_on(world, "adult-iv-induction")
    world.services.integration.generate_plan(world.actor(Role.COACH), course_id)
    other = make_world(world.services.engine, tmp_path_factory.mktemp("o"), slug="otherclinic")
    with pytest.raises(NotFound):
        other.services.integration.plan(other.actor(Role.COACH), course_id)
