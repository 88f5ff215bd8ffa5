"""Response assessment: scores tagged by visit, the outcome review, the clinician's decision and
the prescriber's outcome worklist (clinical.md §9).

Walk: a score is recorded through the assessment rules
(``services.assessments.responses.store_response``: scoring, safety flags and tasks) and tagged with
its course, visit kind and induction session in the SAME unit of work. The review classifies the
course on the protocol's primary instrument (``domain.outcomes.response``); the futility prompt and
the relapse watch are decision support only: a clinician decides and the course moves through
``CourseService.move`` with the written reason. Sources: clinical.md §3.2 (futility review), §3.4
(relapse rules), §9.1 (outcome definitions), §9.2 (reassessment after induction and 1-2 weeks
later).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from ketaclinic.domain.assessments.records import AnsweredBy, ResponseSource
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.identity.access import Permission
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.outcomes.response import ScoreKind
from ketaclinic.domain.outcomes.standing import relapse_met_at
from ketaclinic.domain.patients.course import CourseState, OutcomeFacts
from ketaclinic.domain.patients.people import Patient
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.services.assessments.responses import (
    PRESCRIBERS,
    Answered,
    Recorded,
    score_answers,
    store_response,
)
from ketaclinic.services.audit.trail import record
from ketaclinic.services.identity.authorization import require
from ketaclinic.services.outcomes.overdue import clinic_today, relapse_review_pending
from ketaclinic.services.outcomes.review import WATCH_KINDS, CourseReview, build_review
from ketaclinic.services.outcomes.timeline import ensure_reassessment_open
from ketaclinic.services.patients.courses import CourseService, get_course
from ketaclinic.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ketaclinic.services.protocols.publishing import load_published

MAX_SESSION_NUMBER = 50
GATED_KINDS = frozenset({ScoreKind.REASSESSMENT, *WATCH_KINDS})
DECISIONS = (CourseState.MAINTENANCE, CourseState.COMPLETED, CourseState.DISCONTINUED)
WATCHED_STATES = (
    CourseState.INDUCTION,
    CourseState.REASSESSMENT,
    CourseState.MAINTENANCE,
    CourseState.COMPLETED,
)


#: The plain next step for each course guard that can hold a decision back.
NEXT_ACTIONS: Mapping[str, str] = {
    "reassessed": "Record the reassessment first",
    "maintenance_planned": "Store the maintenance plan first",
    "consent_complete": "Complete the consent first",
}


@dataclass(frozen=True, slots=True)
class Blocker:
    """One course guard refusing a decision now: its id, plain reason and the step that lifts it."""

    guard: str
    message: str
    action: str


@dataclass(frozen=True, slots=True)
class DecisionOption:
    """One clinician decision and what, if anything, holds it back now."""

    to: CourseState
    blocking_reasons: tuple[Blocker, ...]

    @property
    def can_decide(self) -> bool:
        return not self.blocking_reasons


def _blocker(refusal: str) -> Blocker:
    guard, _, message = refusal.partition(": ")
    return Blocker(guard, message or guard, NEXT_ACTIONS.get(guard, ""))


@dataclass(frozen=True, slots=True)
class WorklistEntry:
    """One course needing a prescriber's look: ``kind`` is relapse, futility_review,
    reassessment_due, maintenance_decision_due (reassessed: decide maintenance or completion) or
    relapse_check_due (the check instrument is due: send it)."""

    kind: str
    patient: Patient
    review: CourseReview
    due_on: date  # when the look became due: the worklist's order (oldest first)


def _latest_score_on(review: CourseReview, default: date) -> date:
    """The day of the course's latest score (``default`` before any)."""
    latest = max((s.score.administered_at for s in review.scores), default=None)
    return latest.date() if latest is not None else default


def _check_tag(kind: str, session_number: int | None) -> ScoreKind:
    try:
        score_kind = ScoreKind(kind)
    except ValueError:
        raise ValidationFailed({"kind": "choose why this score was taken"}) from None
    if score_kind is ScoreKind.SESSION:
        if session_number is None or not 1 <= session_number <= MAX_SESSION_NUMBER:
            raise ValidationFailed(
                {"session_number": f"a session score needs a session number 1-{MAX_SESSION_NUMBER}"}
            )
    elif session_number is not None:
        raise ValidationFailed({"session_number": "only session scores carry a session number"})
    return score_kind


class OutcomeService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, courses: CourseService
    ) -> None:
        self._uow, self._clock, self._courses = uow_factory, clock, courses

    def record_score(
        self,
        actor: Actor,
        course_id: int,
        instrument_id: str,
        answers: Mapping[str, int],
        *,
        kind: str | None = None,
        session_number: int | None = None,
        answered_at: datetime | None = None,
    ) -> Recorded:
        """Score, store and tag one instrument for a course. Without ``kind`` the course's
        timeline tags it (baseline, session n, reassessment, relapse watch:
        ``services.outcomes.timeline``); an explicit kind (a chart entry taken earlier) is
        checked, and a reassessment or relapse-watch score is refused until induction is done or
        ended early (``ensure_reassessment_open``). Refused naming the field; nothing stored
        partially. A relapse-watch score that meets a relapse rule adds a notice to the
        prescribers. An incomplete response with a positive safety item is stored untagged (no
        total) with its safety task (see ``score_answers``)."""
        require(actor, Permission.ASSESSMENT_RECORD)
        explicit = None if kind is None else _check_tag(kind, session_number)
        if explicit is None and session_number is not None:
            raise ValidationFailed({"session_number": "only session scores carry a session number"})
        result = score_answers(instrument_id, answers)
        now = self._clock.now()
        when = answered_at or now
        if when.tzinfo is None or when > now:
            raise ValidationFailed({"answered_at": "must be timezone-aware and not in the future"})
        answered = Answered(AnsweredBy.STAFF, ResponseSource.CHART, when)
        with self._uow() as uow:
            course = get_course(uow, actor.clinic_id, course_id)
            protocol = load_published(uow, actor.clinic_id, course.protocol_version_id).protocol
            if explicit in GATED_KINDS:
                ensure_reassessment_open(uow, course, protocol)
            recorded = store_response(
                uow,
                self._clock,
                actor,
                course.patient_id,
                course.id,
                result,
                answered,
                tag=explicit is None,
            )
            if not result.complete:  # kept for its safety answer; an incomplete score tags nothing
                uow.commit()
                return recorded
            if explicit is not None:
                uow.outcomes.tag(
                    actor.clinic_id,
                    course.id,
                    recorded.response.id,
                    explicit,
                    session_number,
                    at=now,
                )
            score_kind = explicit or self._tagged_kind(uow, course, recorded)
            record(
                uow,
                self._clock,
                actor,
                "outcome.score_tag",
                object_type="course",
                object_id=course.id,
                patient_id=course.patient_id,
                detail=f"response={recorded.response.id} "
                f"kind={score_kind.value if score_kind else 'untagged'}",
            )
            if score_kind in WATCH_KINDS:
                self._notice_relapse(uow, course)
            uow.commit()
        return recorded

    @staticmethod
    def _tagged_kind(uow: UnitOfWork, course: Course, recorded: Recorded) -> ScoreKind | None:
        found = [
            s
            for s in uow.outcomes.scores(course.clinic_id, course.id)
            if s.response_id == recorded.response.id
        ]
        return found[0].kind if found else None

    def _notice_relapse(self, uow: UnitOfWork, course: Course) -> None:
        protocol = load_published(uow, course.clinic_id, course.protocol_version_id).protocol
        review = build_review(uow, course, protocol, at=self._clock.now())
        if review.relapse is None or not review.relapse.watch.relapse:
            return
        rules = "; ".join(r.message for e in review.relapse.watch.met for r in e.reasons)
        uow.notices.add(
            course.clinic_id,
            course.patient_id,
            kind="relapse",
            audience=PRESCRIBERS,
            ref=f"course:{course.id}",
            message=f"Relapse rule met during the relapse watch: {rules}",
            at=self._clock.now(),
        )

    def review(self, actor: Actor, course_id: int) -> CourseReview:
        """The course's outcome picture now (404 for a course of another clinic)."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            course = get_course(uow, actor.clinic_id, course_id)
            protocol = load_published(uow, actor.clinic_id, course.protocol_version_id).protocol
            return build_review(uow, course, protocol, at=self._clock.now())

    def decide(self, actor: Actor, course_id: int, to: CourseState, reason: str) -> Course:
        """A clinician's decision after reassessment: maintenance, completed or discontinued.

        Needs a written reason (recorded on the course transition and in the audit trail); the
        course guards decide whether the move is allowed (reassessment recorded, plan stored...).
        """
        require(actor, Permission.COURSE_MANAGE)
        errors = {}
        if to not in DECISIONS:
            errors["decision"] = "choose maintenance, completed or discontinued"
        if not reason.strip():
            errors["reason"] = "a written reason is required"
        elif len(reason) > 2000:
            errors["reason"] = "must be at most 2000 characters"
        if errors:
            raise ValidationFailed(errors)
        return self._courses.move(actor, course_id, to, reason=reason)

    def decision_options(self, actor: Actor, course_id: int) -> tuple[DecisionOption, ...]:
        """Each decision :meth:`decide` accepts, with the course guards that would refuse it now
        (the same ``CourseService.blocking_reasons`` that :meth:`decide` is refused by). The
        written reason is asked for with the decision itself, so its guard is not listed."""
        require(actor, Permission.CHART_READ)
        with self._uow() as uow:
            course = get_course(uow, actor.clinic_id, course_id)
            protocol = load_published(uow, actor.clinic_id, course.protocol_version_id).protocol
            options = []
            for to in DECISIONS:
                refused = self._courses.blocking_reasons(uow, course, protocol, to, reason="")
                blockers = tuple(_blocker(r) for r in refused if not r.startswith("reason_given:"))
                options.append(DecisionOption(to, blockers))
        return tuple(options)

    def worklist(self, actor: Actor) -> list[WorklistEntry]:
        """Courses a prescriber should look at: relapse met, futility review prompted, a
        reassessment visit due and not yet classified, a reassessed course waiting for the
        maintenance decision, or a relapse check due; the longest waiting first, ties by patient
        name. A relapse stays listed until a prescriber decides after it. Only each
        patient's latest course counts: re-induction opens a new course, which replaces the
        relapsed one here. Decision support only."""
        require(actor, Permission.COURSE_MANAGE)
        entries: list[WorklistEntry] = []
        with self._uow() as uow:
            for course in uow.courses.in_states(actor.clinic_id, WATCHED_STATES):
                latest = max(
                    c.id for c in uow.courses.for_patient(actor.clinic_id, course.patient_id)
                )
                if course.id != latest:
                    continue
                kind, review, due_on = self._entry(uow, course)
                patient = uow.patients.get(actor.clinic_id, course.patient_id)
                if kind and patient is not None:
                    entries.append(WorklistEntry(kind, patient, review, due_on))
        return sorted(
            entries,
            key=lambda e: (e.due_on, e.patient.display_name.casefold(), e.review.course.id),
        )

    def _entry(self, uow: UnitOfWork, course: Course) -> tuple[str, CourseReview, date]:
        """The worklist kind of the course ("" for none), its review and when it became due.
        A met relapse stays first on the course until a prescriber decides after it."""
        protocol = load_published(uow, course.clinic_id, course.protocol_version_id).protocol
        review = build_review(uow, course, protocol, at=self._clock.now())
        today = clinic_today(uow, course.clinic_id, self._clock.now())
        relapse = review.relapse
        if relapse is not None and relapse_review_pending(uow, review):
            met_at = relapse_met_at(relapse.watch)
            return "relapse", review, met_at.date() if met_at else today
        if course.state is CourseState.INDUCTION and review.futility.prompt_review:
            return "futility_review", review, _latest_score_on(review, today)
        if course.state is CourseState.REASSESSMENT:
            if review.reassessment_recorded:
                end = relapse.since.date() if relapse is not None else today
                return "maintenance_decision_due", review, end
            first = min((v.due_on for v in review.visits), default=None)
            return "reassessment_due", review, first or _latest_score_on(review, today)
        due = relapse is not None and relapse.next_check_on <= today
        if course.state is CourseState.MAINTENANCE and relapse is not None and due:
            return "relapse_check_due", review, relapse.next_check_on
        return "", review, today

    def facts(self, uow: UnitOfWork, course: Course, protocol: Protocol) -> OutcomeFacts:
        """FactProvider: ``reassessment_recorded`` and ``maintenance_planned`` for the guards."""
        review = build_review(uow, course, protocol, at=self._clock.now())
        return OutcomeFacts(
            reassessment_recorded=review.reassessment_recorded,
            maintenance_planned=review.plan is not None,
        )
