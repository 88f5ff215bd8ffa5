"""Reassessment, outcome classification, the clinician's decision, booster plans and the relapse
watch through the services, on SQLite and PostgreSQL (clinical.md §3.2, §3.3, §3.4, §9.1, §9.2).

Setup note: no area fills ``induction_sessions_done`` yet, so the helper moves a consented course
from induction to reassessment through the course repository (one marked setup step); every other
move goes through the guarded services.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from ketaclinic.adapters.pdf.report import render_course_report
from ketaclinic.domain.consent.signatures import SignerRole
from ketaclinic.domain.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.outcomes.response import FutilityStatus, OutcomeClass, ScoreKind
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.services.outcomes.maintenance import BoosterEdit
from tests.conftest import World
from tests.integration.test_evaluation_fixtures import (
    ADULT_INSTRUMENTS,
    enrol_adult,
    evaluate_and_sign,
    evaluation_for,
    signature,
)

ADULT_CONSENT = "iv-ketamine-informed-consent"
# PHQ-9 totals: baseline 20, then sessions 1..6 -> 8 at session 6 is a 60 % drop (response)
RESPONDER = (20, 17, 15, 13, 11, 9, 8)


def phq9(total: int) -> dict[str, int]:
    """PHQ-9 answers summing to ``total`` with item 9 (self-harm) at 0, so no safety task opens."""
    assert 0 <= total <= 24
    answers = {str(i): 0 for i in range(1, 10)} | {"difficulty": 1}
    for item in range(1, 9):
        answers[str(item)] = min(3, total)
        total -= answers[str(item)]
    return answers


def wsas(total: int) -> dict[str, int]:
    items = ("work", "home", "social_leisure", "private_leisure", "relationships")
    return {item: min(8, max(0, total - 8 * n)) for n, item in enumerate(items)}


def induction_course(world: World) -> tuple[int, int]:
    """A consented adult course moved to induction through the guarded services."""
    enrolled = enrol_adult(world)
    app = world.actor(Role.APP)
    evaluate_and_sign(world, enrolled, evaluation_for(40, ADULT_INSTRUMENTS))
    given = signature(world, enrolled, ADULT_CONSENT, SignerRole.PATIENT)
    world.services.consents.sign(world.actor(Role.NURSE), enrolled.course_id, given)
    world.services.courses.move(app, enrolled.course_id, CourseState.CONSENTED)
    world.services.courses.move(app, enrolled.course_id, CourseState.INDUCTION)
    return enrolled.patient_id, enrolled.course_id


def record_series(world: World, course_id: int, totals: tuple[int, ...]) -> None:
    """Baseline then one PHQ-9 per induction session, dated a few hours apart in the past.

    The evaluation (``induction_course``) recorded a calm PHQ-9 the day before; the series'
    baseline is retaken after it (the latest baseline counts), so every score of the series is
    dated after the evaluation's."""
    nurse = world.actor(Role.NURSE)
    now = world.clock.now()
    for n, total in enumerate(totals):
        kind = ScoreKind.BASELINE if n == 0 else ScoreKind.SESSION
        world.services.outcomes.record_score(
            nurse,
            course_id,
            "phq9",
            phq9(total),
            kind=kind.value,
            session_number=n or None,
            answered_at=now - timedelta(hours=4 * (len(totals) - n)),
        )


def to_reassessment(world: World, course_id: int) -> None:
    """Setup step (see module docstring): induction -> reassessment through the repository."""
    physician = world.actor(Role.PHYSICIAN)
    with world.services.uow() as uow:
        course = uow.courses.get(world.clinic.id, course_id)
        assert course is not None and course.state is CourseState.INDUCTION
        uow.courses.move(
            course,
            CourseState.REASSESSMENT,
            by=physician.staff_id or 0,
            at=world.clock.now(),
            reason="six induction sessions done",
        )
        uow.commit()


def reassess(world: World, course_id: int, phq: int, work: int = 12) -> None:
    nurse = world.actor(Role.NURSE)
    kind = ScoreKind.REASSESSMENT.value
    world.services.outcomes.record_score(nurse, course_id, "phq9", phq9(phq), kind=kind)
    world.services.outcomes.record_score(nurse, course_id, "wsas", wsas(work), kind=kind)


def responder_in_reassessment(world: World) -> tuple[int, int]:
    patient_id, course_id = induction_course(world)
    record_series(world, course_id, RESPONDER)
    to_reassessment(world, course_id)
    return patient_id, course_id


def test_responder_is_classified_with_every_number_and_stability(world: World) -> None:
    _, course_id = responder_in_reassessment(world)
    reader = world.actor(Role.NURSE)
    before = world.services.outcomes.review(reader, course_id)
    assert before.completed_sessions == 6 and not before.reassessment_recorded
    assert [v.after_session for v in before.visits] == [6, 6]
    assert before.visits[1].due_on - before.visits[0].due_on == timedelta(days=7)
    assert "wsas" in before.missing_instruments
    reassess(world, course_id, 9)
    world.clock.advance(days=7)
    reassess(world, course_id, 8)
    review = world.services.outcomes.review(reader, course_id)
    assert review.reassessment_recorded and review.missing_instruments == ("gad7", "pcl5")
    assert review.outcome.outcome is OutcomeClass.RESPONSE
    assert review.outcome.change is not None
    assert (review.outcome.change.baseline, review.outcome.change.latest) == (20, 8)
    assert str(review.outcome.change.percent_drop) == "60.0"
    stability = review.outcome.stability
    assert stability is not None and stability.holds and stability.change_points == -1


def test_decision_needs_a_reason_and_maintenance_needs_a_stored_plan(world: World) -> None:
    _, course_id = responder_in_reassessment(world)
    physician = world.actor(Role.PHYSICIAN)
    reassess(world, course_id, 9)
    with pytest.raises(ValidationFailed) as no_reason:
        world.services.outcomes.decide(physician, course_id, CourseState.MAINTENANCE, " ")
    assert no_reason.value.errors == {"reason": "a written reason is required"}
    with pytest.raises(InvalidTransition) as no_plan:
        world.services.outcomes.decide(physician, course_id, CourseState.MAINTENANCE, "responder")
    assert any("maintenance_planned" in r for r in no_plan.value.reasons)
    start = world.clock.now().date()
    proposal = world.services.maintenance.propose(physician, course_id, start)
    assert [w.interval_days for w in proposal.windows] == [7, 14, 28]
    moved_to = proposal.windows[1].target_on + timedelta(days=2)
    edit = BoosterEdit(2, moved_to, "patient travelling that week")
    stored = world.services.maintenance.store(physician, course_id, start, [edit])
    assert stored.plan.windows[1].target_on == moved_to
    assert stored.plan.windows[1].edited_reason == "patient travelling that week"
    assert stored.plan.windows[2].target_on == proposal.windows[2].target_on + timedelta(days=2)
    moved = world.services.outcomes.decide(
        physician, course_id, CourseState.MAINTENANCE, "response at session 6, holding"
    )
    assert moved.state is CourseState.MAINTENANCE
    history = world.services.courses.view(physician, course_id).history
    assert history[-1].to_state is CourseState.MAINTENANCE


def test_relapse_watch_puts_the_patient_on_the_prescriber_worklist(world: World) -> None:
    patient_id, course_id = responder_in_reassessment(world)
    physician, nurse = world.actor(Role.PHYSICIAN), world.actor(Role.NURSE)
    reassess(world, course_id, 8)
    start = world.clock.now().date()
    world.services.maintenance.store(physician, course_id, start)
    world.services.outcomes.decide(physician, course_id, CourseState.MAINTENANCE, "responder")
    assert world.services.outcomes.worklist(physician) == []
    watch = ScoreKind.RELAPSE_WATCH.value
    for total in (12, 6, 11):  # a score under 10 resets the run
        world.clock.advance(days=7)
        world.services.outcomes.record_score(nurse, course_id, "phq9", phq9(total), kind=watch)
    assert world.services.outcomes.worklist(physician) == []
    world.clock.advance(days=7)
    world.services.outcomes.record_score(nurse, course_id, "phq9", phq9(13), kind=watch)
    [entry] = world.services.outcomes.worklist(physician)
    assert entry.kind == "relapse" and entry.patient.id == patient_id
    relapse = entry.review.relapse
    assert relapse is not None and relapse.watch.relapse
    assert [s.total for s in relapse.watch.met[0].meeting_scores] == [11, 13]
    assert [s.total for s in relapse.checks] == [12, 6, 11, 13]
    notices = world.services.safety.notices(physician)
    assert any(n.kind == "relapse" for n in notices)
    # the referring clinician's report says so too, and flags a missed check as overdue
    world.clock.advance(days=30)
    report = world.services.reports.course_report(physician, course_id)
    text = "\n".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(render_course_report(report, clinic_tz="UTC"))).pages
    )
    flat = " ".join(text.split())  # a justified line is extracted with wider spaces
    met_at = relapse.watch.met[0].meeting_scores[-1].administered_at
    assert relapse.watch.met[0].met_at == met_at
    met_on = met_at.astimezone(ZoneInfo(world.clinic.timezone))  # the clinic's time
    assert (
        f"RELAPSE RULE MET on {met_on:%a %-d %b %Y %H:%M}: "
        "PHQ-9 10 points or above on 2 consecutive scores"
    ) in flat
    assert "\u2265 10" in flat and ">= 10" not in flat  # the cited source, signs as signs
    assert "(OVERDUE)" in flat


def test_futility_prompt_is_decision_support_on_the_worklist(world: World) -> None:
    patient_id, course_id = induction_course(world)
    record_series(world, course_id, (20, 19, 18, 17))  # 15 % drop after session 3
    physician = world.actor(Role.PHYSICIAN)
    review = world.services.outcomes.review(physician, course_id)
    assert review.futility.status is FutilityStatus.REVIEW_PROMPTED
    [entry] = world.services.outcomes.worklist(physician)
    assert entry.kind == "futility_review" and entry.patient.id == patient_id
    view = world.services.courses.view(physician, course_id)
    assert view.course.state is CourseState.INDUCTION  # never an automatic stop


def test_bad_tags_are_refused_naming_the_field_and_nothing_is_stored(world: World) -> None:
    patient_id, course_id = induction_course(world)
    nurse = world.actor(Role.NURSE)
    before = world.services.assessments.responses(nurse, patient_id)  # the evaluation's baseline
    cases = [
        ({"kind": "weekly"}, "kind"),
        ({"kind": "session"}, "session_number"),
        ({"kind": "session", "session_number": 0}, "session_number"),
        ({"kind": "baseline", "session_number": 2}, "session_number"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationFailed) as caught:
            world.services.outcomes.record_score(nurse, course_id, "phq9", phq9(10), **kwargs)  # type: ignore[arg-type]
        assert field in caught.value.errors
    assert world.services.assessments.responses(nurse, patient_id) == before
    with pytest.raises(PermissionDenied):
        world.services.outcomes.record_score(
            world.actor(Role.FRONT_DESK), course_id, "phq9", phq9(10), kind="baseline"
        )
    with pytest.raises(NotFound):
        world.services.outcomes.review(nurse, course_id + 999)


def test_symptom_source_feeds_the_dosing_screen(world: World) -> None:
    _, course_id = induction_course(world)
    record_series(world, course_id, (20, 19, 18, 18))
    from ketaclinic.services.outcomes.review import symptom_change

    view = world.services.courses.view(world.actor(Role.APP), course_id)
    with world.services.uow() as uow:
        change = symptom_change(uow, view.course, view.protocol)
    assert change is not None and (change.baseline_score, change.latest_score) == (20, 18)


def test_plan_refused_in_the_past_or_outside_reassessment(world: World) -> None:
    _, course_id = induction_course(world)
    physician = world.actor(Role.PHYSICIAN)
    today = world.clock.now().date()
    with pytest.raises(ValidationFailed) as past:
        world.services.maintenance.store(physician, course_id, today - timedelta(days=1))
    assert "start_on" in past.value.errors
    from ketaclinic.domain.errors import Conflict

    with pytest.raises(Conflict):
        world.services.maintenance.store(physician, course_id, today)
    assert world.services.maintenance.plan(physician, course_id) is None
    assert isinstance(today, date)
