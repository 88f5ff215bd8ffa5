"""A course's response picture, built inside a unit of work from its tagged scores.

Shared by the outcome, maintenance, dashboard and report use cases. Pure reads: the rules are the
domain's (``domain.outcomes.response``, ``domain.outcomes.maintenance``); this module gathers their
inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ketaclinic.domain.dosing.sessions import SymptomChange
from ketaclinic.domain.outcomes.maintenance import (
    NextStepProposal,
    RelapseWatch,
    evaluate_relapse_watch,
    next_relapse_check_on,
    propose_next_step,
)
from ketaclinic.domain.outcomes.records import CourseScore, StoredBoosterPlan
from ketaclinic.domain.outcomes.response import (
    BASELINE_BELOW_REMISSION_RULE,
    FutilityReview,
    InstrumentScore,
    OutcomeAssessment,
    ReassessmentDue,
    ScoreKind,
    classify_outcome,
    plan_reassessments,
    review_futility,
    select_latest,
    withhold_outcome,
)
from ketaclinic.domain.outcomes.scores import course_baseline
from ketaclinic.domain.outcomes.standing import relapse_met_at
from ketaclinic.domain.patients.treatment import Course
from ketaclinic.domain.protocols.model import Protocol
from ketaclinic.services.outcomes.timeline import reassessment_closed
from ketaclinic.services.ports import UnitOfWork
from ketaclinic.services.scheduling.course_kind import course_is_kat

WATCH_KINDS = frozenset({ScoreKind.RELAPSE_WATCH, ScoreKind.MAINTENANCE})


@dataclass(frozen=True, slots=True)
class RelapseStatus:
    """The relapse watch since the end of reassessment (``None`` fields before it started)."""

    reached: OutcomeAssessment
    since: datetime
    watch: RelapseWatch
    next_check_on: date
    checks: tuple[InstrumentScore, ...]


@dataclass(frozen=True, slots=True)
class CourseReview:
    """Everything the outcome panel, worklist and report show for one course."""

    course: Course
    protocol: Protocol
    scores: tuple[CourseScore, ...]
    completed_sessions: int
    visits: tuple[ReassessmentDue, ...]
    futility: FutilityReview
    outcome: OutcomeAssessment
    next_step: NextStepProposal
    missing_instruments: tuple[str, ...]
    plan: StoredBoosterPlan | None
    relapse: RelapseStatus | None
    kat: bool = False  # a KAT course (SL, IN or IM dosing): its series reads "KAT sessions"

    @property
    def session_words(self) -> str:
        """What one session of the course's series is called: "KAT session" or "induction
        session" (see :func:`ketaclinic.services.scheduling.course_kind.course_is_kat`)."""
        return "KAT session" if self.kat else "induction session"

    @property
    def relapse_met(self) -> bool:
        """A relapse rule of the protocol is met since reassessment (clinical.md §3.4)."""
        return self.relapse is not None and self.relapse.watch.relapse

    @property
    def relapse_met_at(self) -> datetime | None:
        """When the relapse rule was met (the latest score of the run that met it); ``None``
        when no rule is met."""
        if self.relapse is None or not self.relapse.watch.relapse:
            return None
        return relapse_met_at(self.relapse.watch)

    @property
    def stability_holds(self) -> bool | None:
        """Whether the outcome reached at reassessment still holds (None: not two reassessments
        yet). Never True once a relapse rule is met: the relapse outranks the two visits."""
        if self.relapse_met:
            return False
        return None if self.outcome.stability is None else self.outcome.stability.holds

    @property
    def reassessment_recorded(self) -> bool:
        """A reassessment score of the primary instrument classifies the course, or is recorded
        on a course whose baseline was already below the remission threshold (nothing to
        classify: remission and response do not apply)."""
        primary = self.protocol.reassessment.primary_instrument
        recorded = any(
            s.kind is ScoreKind.REASSESSMENT and s.score.instrument == primary for s in self.scores
        )
        rules = {r.rule_id for r in self.outcome.reasons}
        return recorded and (
            self.outcome.outcome.value != "cannot_classify"
            or BASELINE_BELOW_REMISSION_RULE in rules
        )


def _instrument_scores(scores: Sequence[CourseScore]) -> list[InstrumentScore]:
    return [s.score for s in scores]


def completed_sessions(scores: Sequence[CourseScore]) -> int:
    """Highest series session number with a recorded score (0 before the first)."""
    numbers = [s.score.session_number or 0 for s in scores if s.kind is ScoreKind.SESSION]
    return max(numbers, default=0)


def _session_dates(scores: Sequence[CourseScore]) -> dict[int, date]:
    return {
        s.score.session_number: s.score.administered_at.date()
        for s in scores
        if s.kind is ScoreKind.SESSION and s.score.session_number is not None
    }


def _reassessment_end(scores: Sequence[CourseScore]) -> datetime | None:
    visits = [s.score.administered_at for s in scores if s.kind is ScoreKind.REASSESSMENT]
    return max(visits, default=None)


def _missing(protocol: Protocol, scores: Sequence[CourseScore]) -> tuple[str, ...]:
    done = {s.score.instrument for s in scores if s.kind is ScoreKind.REASSESSMENT}
    wanted = (*protocol.reassessment.instruments, "wsas")
    return tuple(i for i in dict.fromkeys(wanted) if i not in done)


def _linked_checks(
    uow: UnitOfWork, course: Course, protocol: Protocol, scores: Sequence[CourseScore]
) -> list[InstrumentScore]:
    """Untagged answers of the check instrument on this course (e.g. sent as a patient link):
    after the reassessment visits they count as relapse-watch checks."""
    instrument = protocol.maintenance.relapse_watch_instrument
    tagged = {s.response_id for s in scores}
    found = uow.assessments.for_patient(course.clinic_id, course.patient_id, instrument)
    return [
        InstrumentScore(r.instrument_id, r.total, r.answered_at, ScoreKind.RELAPSE_WATCH)
        for r in found
        if r.course_id == course.id and r.id not in tagged and r.total is not None
    ]


def _relapse(
    protocol: Protocol,
    scores: Sequence[CourseScore],
    linked: Sequence[InstrumentScore],
    at: datetime,
) -> RelapseStatus | None:
    end = _reassessment_end(scores)
    if end is None:
        return None
    plain = _instrument_scores(scores)
    all_scores = sorted([*plain, *linked], key=lambda s: s.administered_at)
    reached = classify_outcome(protocol.reassessment, plain, at=end)
    maintenance = protocol.maintenance
    watched = [s for s in all_scores if s.kind in WATCH_KINDS and s.administered_at > end]
    baselines = {
        rule.instrument: found.total
        for rule in maintenance.relapse_rules
        if (found := course_baseline(plain, rule.instrument, at=end)) is not None
    }
    watch = evaluate_relapse_watch(
        maintenance, watched, reached=reached.outcome, since=end, at=at, baselines=baselines
    )
    checks = tuple(s for s in watched if s.instrument == maintenance.relapse_watch_instrument)
    last = checks[-1].administered_at.date() if checks else None
    next_on = next_relapse_check_on(maintenance, start_on=end.date(), last_check_on=last)
    return RelapseStatus(reached, end, watch, next_on, checks)


def build_review(
    uow: UnitOfWork, course: Course, protocol: Protocol, *, at: datetime
) -> CourseReview:
    """The course's outcome picture as of ``at`` (clinical.md §3.2, §3.4, §9.1, §9.2)."""
    scores = tuple(uow.outcomes.scores(course.clinic_id, course.id))
    plain = _instrument_scores(scores)
    done = completed_sessions(scores)
    rules = protocol.reassessment
    closed = reassessment_closed(uow, course, protocol)
    outcome = (
        classify_outcome(rules, plain, at=at)
        if closed is None
        else withhold_outcome(rules, plain, at=at, reason=closed)
    )
    return CourseReview(
        course=course,
        protocol=protocol,
        scores=scores,
        completed_sessions=done,
        visits=plan_reassessments(rules, session_dates=_session_dates(scores)),
        futility=review_futility(rules, plain, completed_sessions=done, at=at),
        outcome=outcome,
        next_step=propose_next_step(outcome),
        missing_instruments=_missing(protocol, scores),
        plan=uow.outcomes.latest_plan(course.clinic_id, course.id),
        relapse=_relapse(protocol, scores, _linked_checks(uow, course, protocol, scores), at),
        kat=course_is_kat(uow, course),
    )


def symptom_change(uow: UnitOfWork, course: Course, protocol: Protocol) -> SymptomChange | None:
    """The primary instrument's baseline and latest totals for the dosing screen (or None).

    A ``SymptomSource`` for ``OrderService``: lets "no response after session 3 -> step up" fire
    from recorded scores (clinical.md §3.2).
    """
    instrument = protocol.reassessment.primary_instrument
    plain = _instrument_scores(uow.outcomes.scores(course.clinic_id, course.id))
    last = max((s.administered_at for s in plain), default=None)
    if last is None:
        return None
    baseline = course_baseline(plain, instrument, at=last)
    latest = select_latest(plain, instrument, last)
    if baseline is None or latest is None:
        return None
    return SymptomChange(instrument, baseline.total, latest.total)
