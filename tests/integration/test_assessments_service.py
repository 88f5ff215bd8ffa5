"""Recording responses, self-report links, the safety gate they open, trajectories and status.

Runs on SQLite and PostgreSQL (the ``world`` fixture).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ketaclinic.adapters.db.assessments.tables import assessment_responses
from ketaclinic.adapters.db.assessments.tables_safety import safety_tasks
from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.assessments.instruments.trajectory import OutcomeStatus
from ketaclinic.domain.assessments.records import AnsweredBy, ResponseSource
from ketaclinic.domain.assessments.safety import Disposition, RiskLevel, SafetyAssessment
from ketaclinic.domain.consent.signatures import ConsentStatus
from ketaclinic.domain.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from ketaclinic.domain.evaluation.eligibility.engine import Decision
from ketaclinic.domain.evaluation.eligibility.signoff import SignedDecision
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.course import ConsentFacts, CourseState, EligibilityFacts
from ketaclinic.domain.patients.people import (
    PatientDetails,
    RelatedPersonDetails,
    RelationshipKind,
    SexAtBirth,
)
from ketaclinic.services.assessments.links import LinkUnavailable
from tests.conftest import World

PHQ9_ITEM9_ONE = {**{str(i): 1 for i in range(1, 9)}, "9": 1}  # total 9, item 9 positive
PHQ9_CLEAR = {str(i): 2 for i in range(1, 10)} | {"9": 0}  # total 16


def count(world: World, table: object) -> int:
    with world.services.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def a_patient(world: World, born: date = date(1984, 4, 4)) -> int:
    details = PatientDetails("Avery", "Demo-Aspen", born, SexAtBirth.FEMALE)
    return world.services.patients.register(world.actor(Role.FRONT_DESK), details).id


def consented_course(world: World, patient_id: int) -> int:
    """A course on the signed-off adult pack, moved to consented with stand-in area facts."""
    [published] = world.services.protocols.publish(
        world.clinic.id, [shipped_protocol("adult-iv-induction")]
    )
    physician = world.actor(Role.PHYSICIAN)
    items = world.services.protocols.signoff_items(physician, published.id)
    world.services.protocols.sign_off(physician, published.id, [i.path for i in items])
    at = world.clock.now()
    signed = SignedDecision(Decision.ELIGIBLE, (), (), frozenset(), "1", "physician", at, at)
    world.services.courses.add_fact_provider(lambda uow, course, protocol: EligibilityFacts(signed))
    world.services.courses.add_fact_provider(
        lambda uow, course, protocol: ConsentFacts(ConsentStatus((), ()))
    )
    course = world.services.courses.open(physician, patient_id, published.id)
    for state in (CourseState.EVALUATING, CourseState.ELIGIBLE, CourseState.CONSENTED):
        world.services.courses.move(physician, course.id, state)
    return course.id


def test_item9_positive_response_is_stored_with_its_task_and_a_prescriber_notice(
    world: World,
) -> None:
    patient = a_patient(world)
    recorded = world.services.assessments.record(
        world.actor(Role.NURSE), patient, "phq9", {**PHQ9_ITEM9_ONE, "difficulty": 2}
    )
    r = recorded.response
    assert (r.total, r.band, r.instrument_version) == (9, "mild", "1")
    assert r.answers == {**PHQ9_ITEM9_ONE, "difficulty": 2}
    assert r.safety_flags == ("phq9.item9_positive",)
    assert (r.answered_by, r.source, r.recorded_by) == (
        AnsweredBy.STAFF,
        ResponseSource.CHART,
        world.actor(Role.NURSE).staff_id,
    )
    [task] = recorded.tasks
    assert task.source == f"assessment:{r.id}" and task.open
    [notice] = world.services.safety.notices(world.actor(Role.APP))
    assert notice.ref == f"safety_task:{task.id}" and "Avery" not in notice.message
    assert world.services.safety.worklist(world.actor(Role.NURSE))[0].id == task.id
    with pytest.raises(PermissionDenied):  # suicide-risk tasks are not the front desk's to read
        world.services.safety.worklist(world.actor(Role.FRONT_DESK))
    with pytest.raises(PermissionDenied):
        world.services.safety.notices(world.actor(Role.NURSE))


def test_bad_or_incomplete_answers_store_nothing_and_name_the_item(world: World) -> None:
    patient = a_patient(world)
    nurse = world.actor(Role.NURSE)
    with pytest.raises(ValidationFailed) as bad:
        world.services.assessments.record(nurse, patient, "phq9", {**PHQ9_CLEAR, "9": 4})
    assert "answers.9" in bad.value.errors
    missing = dict(PHQ9_CLEAR)
    del missing["3"]
    with pytest.raises(ValidationFailed) as incomplete:
        world.services.assessments.record(nurse, patient, "phq9", missing)
    assert list(incomplete.value.errors) == ["answers.3"]
    assert count(world, assessment_responses) == 0 and count(world, safety_tasks) == 0
    with pytest.raises(PermissionDenied):
        world.services.assessments.record(world.actor(Role.FRONT_DESK), patient, "phq9", PHQ9_CLEAR)


def test_an_incomplete_response_with_item9_positive_is_kept_with_its_task(world: World) -> None:
    patient = a_patient(world)
    missing = {**PHQ9_CLEAR, "9": 3}
    del missing["3"]
    recorded = world.services.assessments.record(world.actor(Role.NURSE), patient, "phq9", missing)
    r = recorded.response
    assert not r.complete and r.total is None and r.band is None
    assert r.answers["9"] == 3 and "3" not in r.answers
    [task] = recorded.tasks
    assert task.open and task.source == f"assessment:{r.id}"
    assert count(world, assessment_responses) == 1 and count(world, safety_tasks) == 1


def test_open_task_blocks_induction_until_a_physician_documents_safe_to_continue(
    world: World,
) -> None:
    patient = a_patient(world)
    course = consented_course(world, patient)
    recorded = world.services.assessments.record(
        world.actor(Role.NURSE), patient, "phq9", PHQ9_ITEM9_ONE, course_id=course
    )
    physician = world.actor(Role.PHYSICIAN)
    with pytest.raises(InvalidTransition) as refused:
        world.services.courses.move(physician, course, CourseState.INDUCTION)
    assert any("safety_gate_clear" in reason for reason in refused.value.reasons)
    world.services.safety.assess(
        world.actor(Role.PHYSICIAN),
        recorded.tasks[0].id,
        SafetyAssessment(
            RiskLevel.LOW, "Safety plan written; crisis line given.", Disposition.CONTINUE_TREATMENT
        ),
    )
    moved = world.services.courses.move(physician, course, CourseState.INDUCTION)
    assert moved.state is CourseState.INDUCTION


def test_a_link_is_single_use_and_stores_the_answers_as_the_patients(world: World) -> None:
    patient = a_patient(world)
    created = world.services.links.create(world.actor(Role.COACH), patient, "phq9")
    assert created.token not in repr(created.link)
    form = world.services.links.open(created.token)
    assert form.instrument.id == "phq9"
    with pytest.raises(PermissionDenied):
        world.services.links.submit(created.token, "forged", PHQ9_CLEAR)
    recorded = world.services.links.submit(created.token, form.link.form_token, PHQ9_ITEM9_ONE)
    assert recorded.response.answered_by is AnsweredBy.PATIENT
    assert recorded.response.link_id == created.link.id and recorded.tasks
    with pytest.raises(LinkUnavailable, match="already been answered"):
        world.services.links.submit(created.token, form.link.form_token, PHQ9_CLEAR)
    assert count(world, assessment_responses) == 1


def test_an_expired_or_unknown_link_stores_nothing(world: World) -> None:
    patient = a_patient(world)
    created = world.services.links.create(world.actor(Role.NURSE), patient, "gad7")
    world.clock.advance(hours=world.services.settings.assessment_link_hours)
    with pytest.raises(LinkUnavailable, match="expired"):
        world.services.links.open(created.token)
    answers = {str(i): 0 for i in range(1, 8)}
    with pytest.raises(LinkUnavailable, match="expired"):
        world.services.links.submit(created.token, created.link.form_token, answers)
    with pytest.raises(LinkUnavailable, match="not valid"):
        world.services.links.open("no-such-token")
    assert count(world, assessment_responses) == 0


def test_an_adolescents_link_goes_to_the_patient_and_records_the_guardian_notice(
    world: World,
) -> None:
    today = world.clock.now().date()
    teen = a_patient(world, born=date(today.year - 15, 1, 1))
    guardian = world.services.patients.add_related(
        world.actor(Role.FRONT_DESK),
        teen,
        RelatedPersonDetails(RelationshipKind.GUARDIAN, "Gale Demo-Aspen", "mother", "555-0100"),
    )
    created = world.services.links.create(world.actor(Role.NURSE), teen, "phq-a")
    assert created.link.guardian_informed
    with world.services.uow() as uow:
        [notice] = uow.notices.for_patient(world.clinic.id, teen)
    assert notice.kind == "guardian_informed" and str(guardian.id) in notice.message
    adult = world.services.links.create(world.actor(Role.NURSE), a_patient(world), "phq9")
    assert not adult.link.guardian_informed


def test_clinician_rated_instruments_are_not_sent_as_links(world: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        world.services.links.create(world.actor(Role.NURSE), a_patient(world), "madrs")
    assert refused.value.field == "instrument_id"


def test_the_cssrs_screener_goes_out_on_a_link_and_a_positive_answer_opens_an_urgent_task(
    world: World,
) -> None:
    patient = a_patient(world)
    created = world.services.links.create(world.actor(Role.NURSE), patient, "cssrs-screen")
    form = world.services.links.open(created.token)
    assert all(item.patient_text for item in form.instrument.items)
    intent = {"1": 1, "2": 1, "3": 0, "4": 1, "5": 0, "6": 0}  # ideation with some intent
    recorded = world.services.links.submit(created.token, form.link.form_token, intent)
    assert recorded.response.answered_by is AnsweredBy.PATIENT
    assert recorded.response.source is ResponseSource.LINK
    [task] = recorded.tasks
    assert task.rule_id == "cssrs-screen.high_risk" and task.urgency.value == "urgent"
    assert count(world, safety_tasks) == 1


def test_trajectory_status_follows_the_courses_protocol(world: World) -> None:
    patient = a_patient(world)
    course = consented_course(world, patient)
    nurse = world.actor(Role.NURSE)
    world.services.assessments.record(nurse, patient, "phq9", PHQ9_CLEAR, course_id=course)
    world.clock.advance(days=21)
    later = {str(i): 0 for i in range(1, 10)} | {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1}
    # after the first infusion: a session score, not another baseline
    outcomes = world.services.outcomes
    outcomes.record_score(nurse, course, "phq9", later, kind="session", session_number=1)
    trajectory = world.services.assessments.trajectory(nurse, patient, "phq9")
    summary = trajectory.summary
    assert summary is not None
    assert (summary.baseline.total, summary.latest.total, summary.change) == (16, 5, -11)
    assert summary.percent_change == Decimal("-68.8")
    assert summary.status is OutcomeStatus.RESPONSE
    assert trajectory.response_threshold == Decimal(8)
    assert world.clock.now() - timedelta(days=21) == summary.baseline.at


def test_trajectory_baseline_is_the_courses_not_an_earlier_untagged_zero(world: World) -> None:
    """A 0 answered before the course existed (no course link) is drawn but is no baseline."""
    patient = a_patient(world)
    nurse = world.actor(Role.NURSE)
    zero = {str(i): 0 for i in range(1, 10)} | {"difficulty": 0}
    world.services.assessments.record(nurse, patient, "phq9", zero)
    world.clock.advance(days=1)
    course = consented_course(world, patient)
    world.services.assessments.record(nurse, patient, "phq9", PHQ9_CLEAR, course_id=course)
    trajectory = world.services.assessments.trajectory(nurse, patient, "phq9")
    assert [p.total for p in trajectory.points] == [0, 16]
    assert trajectory.summary is not None and trajectory.summary.baseline is not None
    assert trajectory.summary.baseline.total == 16
    assert trajectory.response_threshold == Decimal(8)


def test_another_clinics_patient_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        world.services.assessments.responses(world.actor(Role.NURSE), 999_999)
    with pytest.raises(NotFound):
        world.services.links.create(world.actor(Role.NURSE), 999_999, "phq9")
