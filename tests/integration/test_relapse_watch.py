"""Relapse watch on SQLite and PostgreSQL: the check instrument's due dates reach the worklist,
PHQ-9s the patient answers through a questionnaire link count as checks, and meeting the rule
puts the patient on the prescriber's worklist (clinical.md §3.4, §9.2)."""

from __future__ import annotations

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.course import CourseState
from tests.conftest import World
from tests.integration.test_outcome_service import phq9, reassess, responder_in_reassessment


def in_maintenance(world: World) -> tuple[int, int]:
    patient_id, course_id = responder_in_reassessment(world)
    reassess(world, course_id, 8)
    physician = world.actor(Role.PHYSICIAN)
    world.services.maintenance.store(physician, course_id, world.clock.now().date())
    world.services.outcomes.decide(physician, course_id, CourseState.MAINTENANCE, "responder")
    return patient_id, course_id


def answer_by_link(world: World, patient_id: int, course_id: int, total: int) -> None:
    nurse = world.actor(Role.NURSE)
    created = world.services.links.create(nurse, patient_id, "phq9", course_id)
    form = world.services.links.open(created.token)
    world.services.links.submit(created.token, form.link.form_token, phq9(total))


def test_check_due_then_link_answers_meet_the_rule(world: World) -> None:
    patient_id, course_id = in_maintenance(world)
    physician = world.actor(Role.PHYSICIAN)
    assert world.services.outcomes.worklist(physician) == []
    world.clock.advance(days=7)  # relapse_watch_every_days = 7 in the adult pack
    [due] = world.services.outcomes.worklist(physician)
    assert due.kind == "relapse_check_due" and due.patient.id == patient_id
    assert due.review.relapse is not None
    assert due.review.relapse.next_check_on == world.clock.now().date()
    answer_by_link(world, patient_id, course_id, 11)
    assert world.services.outcomes.worklist(physician) == []  # answered: next due in 7 days
    world.clock.advance(days=6)
    answer_by_link(world, patient_id, course_id, 15)
    [entry] = world.services.outcomes.worklist(physician)
    assert entry.kind == "relapse" and entry.patient.id == patient_id
    assert entry.review.relapse is not None
    assert [s.total for s in entry.review.relapse.watch.met[0].meeting_scores] == [11, 15]


def test_scores_below_the_threshold_keep_the_patient_off_the_worklist(world: World) -> None:
    patient_id, course_id = in_maintenance(world)
    physician = world.actor(Role.PHYSICIAN)
    for total in (9, 10, 9):  # never two consecutive checks >= 10
        world.clock.advance(days=6)
        answer_by_link(world, patient_id, course_id, total)
    kinds = [e.kind for e in world.services.outcomes.worklist(physician)]
    assert "relapse" not in kinds


def test_re_induction_is_a_new_course_on_the_same_patient(world: World) -> None:
    patient_id, course_id = in_maintenance(world)
    physician = world.actor(Role.PHYSICIAN)
    for total in (12, 14):
        world.clock.advance(days=7)
        answer_by_link(world, patient_id, course_id, total)
    [entry] = world.services.outcomes.worklist(physician)
    assert entry.kind == "relapse"
    world.services.outcomes.decide(
        physician, course_id, CourseState.COMPLETED, "relapse: re-induction on a new course"
    )
    old = world.services.courses.view(physician, course_id)
    again = world.services.courses.open(physician, patient_id, old.course.protocol_version_id)
    assert again.id != course_id and again.patient_id == patient_id
    assert world.services.outcomes.worklist(physician) == []  # the new course starts afresh
    kept = world.services.outcomes.review(physician, course_id)
    assert kept.relapse is not None and kept.relapse.watch.relapse  # history stays on the old one
