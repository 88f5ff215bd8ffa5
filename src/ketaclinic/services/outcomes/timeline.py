"""Where a score sits on its course's timeline, read from the protocol and the course's progress.

Every complete response recorded for a course is tagged in the same unit of work that stores it
(``services.assessments.responses.store_response`` calls :func:`tag_from_timeline`), so nobody
tags by hand and no score is left off the course:

- before the first induction session is discharged (evaluation, consent, induction day 1):
  **baseline** (clinical.md §9.2: baseline at evaluation, before the first infusion);
- during induction, after session *n* of the protocol's series was discharged: **session n**;
- once induction is done (every induction session discharged, or a prescriber ended induction
  early with a written reason, which moves the course to reassessment): **reassessment**;
- in maintenance or after completion: **relapse watch** (clinical.md §3.4).

The same module holds the one gate on reassessment and outcome classification
(:func:`reassessment_closed` / :func:`ensure_reassessment_open`): they open only when induction
is done or ended early. The outcome review, the score recording of every entry point and the
course guards read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.domain.assessments.records import AssessmentResponse
from ketaclinic.domain.errors import SafetyBlock
from ketaclinic.domain.outcomes.response import Reason, ScoreKind
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.services.infusion.induction_facts import induction_facts
from ketaclinic.services.ports import UnitOfWork
from ketaclinic.services.protocols.publishing import load_published
from ketaclinic.services.scheduling.course_kind import course_is_kat

RULE_ID = "outcome.reassessment_after_induction"
RULE_SOURCE = "clinical.md §9.2"
PAST_INDUCTION = frozenset(
    {CourseState.REASSESSMENT, CourseState.MAINTENANCE, CourseState.COMPLETED}
)
BEFORE_INDUCTION = frozenset(
    {
        CourseState.REFERRED,
        CourseState.EVALUATING,
        CourseState.ELIGIBLE,
        CourseState.INELIGIBLE,
        CourseState.CONSENTED,
    }
)


@dataclass(frozen=True, slots=True)
class TimelineTag:
    """Why a score was taken, as the course's timeline says."""

    kind: ScoreKind
    session_number: int | None = None


def reassessment_closed(uow: UnitOfWork, course: Course, protocol: Protocol) -> Reason | None:
    """None when reassessment and outcome classification are open for the course; otherwise
    the rule that keeps them closed, with the induction count (clinical.md §9.2: reassess after
    the induction series)."""
    if course.state in PAST_INDUCTION:
        return None
    facts = induction_facts(uow, course, protocol)
    if facts.sessions_planned > 0 and facts.sessions_done >= facts.sessions_planned:
        return None
    series, session = (
        ("the KAT series", "KAT sessions")
        if course_is_kat(uow, course)
        else ("induction", "induction sessions")
    )
    message = (
        f"reassessment and outcome classification open once {series} is done: "
        f"{facts.sessions_done} of {facts.sessions_planned} {session} discharged "
        f"(or a prescriber ends {series} early with a reason)"
    )
    return Reason(RULE_ID, message, RULE_SOURCE)


def ensure_reassessment_open(uow: UnitOfWork, course: Course, protocol: Protocol) -> None:
    """Refuse (409, naming the rule) a reassessment before induction is done or ended early."""
    closed = reassessment_closed(uow, course, protocol)
    if closed is not None:
        raise SafetyBlock(
            "reassessment is not open yet",
            reasons=(f"{closed.rule_id}: {closed.message}",),
            field="kind",
        )


def timeline_tag(uow: UnitOfWork, course: Course, protocol: Protocol) -> TimelineTag | None:
    """The tag a score recorded now gets on ``course`` (None for a discontinued course)."""
    if course.state in BEFORE_INDUCTION:
        return TimelineTag(ScoreKind.BASELINE)
    if course.state is CourseState.INDUCTION:
        facts = induction_facts(uow, course, protocol)
        if facts.sessions_done == 0:
            return TimelineTag(ScoreKind.BASELINE)
        if facts.sessions_done < facts.sessions_planned:
            return TimelineTag(ScoreKind.SESSION, facts.sessions_done)
        return TimelineTag(ScoreKind.REASSESSMENT)
    if course.state is CourseState.REASSESSMENT:
        return TimelineTag(ScoreKind.REASSESSMENT)
    if course.state in (CourseState.MAINTENANCE, CourseState.COMPLETED):
        return TimelineTag(ScoreKind.RELAPSE_WATCH)
    return None


def tag_from_timeline(uow: UnitOfWork, response: AssessmentResponse) -> TimelineTag | None:
    """Tag a stored, complete response with its course's timeline point (caller commits)."""
    if response.course_id is None or response.total is None:
        return None
    course = uow.courses.get(response.clinic_id, response.course_id)
    if course is None:
        return None
    protocol = load_published(uow, course.clinic_id, course.protocol_version_id).protocol
    tag = timeline_tag(uow, course, protocol)
    if tag is not None:
        uow.outcomes.tag(
            course.clinic_id,
            course.id,
            response.id,
            tag.kind,
            tag.session_number,
            at=response.recorded_at,
        )
    return tag


def current_course(uow: UnitOfWork, clinic_id: int, patient_id: int) -> Course | None:
    """The patient's latest open course (a score answered without one belongs to it)."""
    open_courses = [
        c
        for c in uow.courses.for_patient(clinic_id, patient_id)
        if c.state is not CourseState.DISCONTINUED
    ]
    return max(open_courses, key=lambda c: c.id, default=None)
