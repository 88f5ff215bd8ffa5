"""Response assessment after induction: outcome classification and the futility review prompt.

Pure rules over a course's scores on the protocol's primary instrument. Every result carries the
numbers behind it (baseline, latest, change in points, percent change as ``Decimal``) and each
reason names its rule id and its source key in the clinical reference.

Conventions used throughout:

- ``change_points = latest - baseline``: negative means fewer symptoms (improvement).
- ``percent_change = change_points / baseline x 100`` and ``percent_drop = -percent_change``.
- Threshold comparisons are exact (cross-multiplied integers), never on a rounded percentage, so a
  drop of exactly 50 % is a response when the protocol says ``response_pct_drop = 50``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.outcomes.scores import InstrumentScore as InstrumentScore
from ketaclinic.domain.outcomes.scores import ScoreKind as ScoreKind
from ketaclinic.domain.outcomes.scores import course_baseline
from ketaclinic.domain.protocols.sections import (
    BASELINE_BELOW_REMISSION,
    OutcomeDefinition,
    Reassessment,
)

PERCENT_QUANTUM = Decimal("0.1")
BASELINE_BELOW_REMISSION_RULE = "outcome.baseline_below_remission"


class OutcomeClass(StrEnum):
    """Outcome of a course on its primary instrument, best first."""

    REMISSION = "remission"
    RESPONSE = "response"
    PARTIAL_RESPONSE = "partial_response"
    NO_RESPONSE = "no_response"
    CANNOT_CLASSIFY = "cannot_classify"

    @property
    def words(self) -> str:
        """The outcome as people read it: "Partial response", "Cannot classify"."""
        return _OUTCOME_WORDS[self]


_OUTCOME_WORDS = {
    OutcomeClass.REMISSION: "Remission",
    OutcomeClass.RESPONSE: "Response",
    OutcomeClass.PARTIAL_RESPONSE: "Partial response",
    OutcomeClass.NO_RESPONSE: "No response",
    OutcomeClass.CANNOT_CLASSIFY: "Cannot classify",
}


_RANK = {
    OutcomeClass.REMISSION: 4,
    OutcomeClass.RESPONSE: 3,
    OutcomeClass.PARTIAL_RESPONSE: 2,
    OutcomeClass.NO_RESPONSE: 1,
    OutcomeClass.CANNOT_CLASSIFY: 0,
}


def outcome_rank(outcome: OutcomeClass) -> int:
    """Order outcomes: remission 4 > response 3 > partial 2 > none 1 > cannot classify 0."""
    return _RANK[outcome]


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason behind a decision: rule id, plain-language message and source key."""

    rule_id: str
    message: str
    source: str
    needs_signoff: bool = False


@dataclass(frozen=True, slots=True)
class ScoreChange:
    """The numbers behind a classification. Percentages are rounded to 0.1 for display only."""

    baseline: int
    latest: int
    change_points: int
    percent_change: Decimal  # negative = improvement
    percent_drop: Decimal  # positive = improvement


@dataclass(frozen=True, slots=True)
class ResponseStability:
    """Change between the two most recent reassessments: does the outcome hold?"""

    first: InstrumentScore
    second: InstrumentScore
    first_outcome: OutcomeClass
    second_outcome: OutcomeClass
    change_points: int  # second - first; positive = worse
    holds: bool  # the second outcome is at least as good as the first


@dataclass(frozen=True, slots=True)
class OutcomeAssessment:
    """Classification of one course on its primary instrument, with every number and reason."""

    instrument: str
    outcome: OutcomeClass
    baseline: InstrumentScore | None
    latest: InstrumentScore | None
    change: ScoreChange | None
    stability: ResponseStability | None
    reasons: tuple[Reason, ...]


def compute_change(baseline: int, latest: int) -> ScoreChange:
    """Change from a positive baseline, in points and percent (rounded half-even to 0.1 %)."""
    if baseline <= 0:
        raise ValidationFailed({"baseline": "a percent change needs a baseline above 0"})
    change = latest - baseline
    percent = (Decimal(change) * 100 / Decimal(baseline)).quantize(PERCENT_QUANTUM)
    return ScoreChange(baseline, latest, change, percent, -percent)


def drop_reaches(baseline: int, latest: int, pct_drop: Decimal) -> bool:
    """True when ``latest`` is at least ``pct_drop`` % below ``baseline`` (exact arithmetic)."""
    return Decimal(baseline - latest) * 100 >= pct_drop * baseline


def find_definition(reassessment: Reassessment, instrument: str) -> OutcomeDefinition:
    """The protocol's outcome definition for ``instrument``; refuses a protocol without one."""
    for definition in reassessment.outcomes:
        if definition.instrument == instrument:
            return definition
    raise ValidationFailed(
        {"reassessment.outcomes": f"no outcome definition for instrument {instrument!r}"}
    )


def classify_change(definition: OutcomeDefinition, baseline: int, latest: int) -> OutcomeClass:
    """Classify one pair of scores on one instrument.

    Contract: remission when ``latest <= remission_max_score`` (PHQ-9 ``<= 4``, i.e. ``< 5``);
    else response when the drop is ``>= response_pct_drop`` %; else partial response when the drop
    is ``>= partial_response_pct_drop`` %; else no response. A baseline at or below
    ``remission_max_score`` (already below the remission threshold, so 0 too) cannot be
    classified (:meth:`OutcomeDefinition.classifiable_from`).
    Units: instrument points. Source: clinical.md §9.1 (SUSTAIN-3 PHQ-9 < 5; response >= 50 %,
    Murrough 2013b; partial 25-49 % UNCONFIRMED).
    """
    if baseline <= 0 or not definition.classifiable_from(baseline):
        return OutcomeClass.CANNOT_CLASSIFY
    if latest <= definition.remission_max_score:
        return OutcomeClass.REMISSION
    if drop_reaches(baseline, latest, definition.response_pct_drop):
        return OutcomeClass.RESPONSE
    if drop_reaches(baseline, latest, definition.partial_response_pct_drop):
        return OutcomeClass.PARTIAL_RESPONSE
    return OutcomeClass.NO_RESPONSE


def _of(scores: Sequence[InstrumentScore], instrument: str, at: datetime) -> list[InstrumentScore]:
    picked = [s for s in scores if s.instrument == instrument and s.administered_at <= at]
    return sorted(picked, key=lambda s: s.administered_at)


def select_latest(
    scores: Sequence[InstrumentScore], instrument: str, at: datetime
) -> InstrumentScore | None:
    """The most recent non-baseline score of ``instrument`` taken at or before ``at``, if any."""
    later = [s for s in _of(scores, instrument, at) if s.kind is not ScoreKind.BASELINE]
    return later[-1] if later else None


def _definition_reason(definition: OutcomeDefinition, outcome: OutcomeClass) -> Reason:
    messages = {
        OutcomeClass.REMISSION: f"latest score ≤ {definition.remission_max_score} (remission cut)",
        OutcomeClass.RESPONSE: f"drop ≥ {definition.response_pct_drop} % from baseline",
        OutcomeClass.PARTIAL_RESPONSE: (
            f"drop ≥ {definition.partial_response_pct_drop} % and "
            f"< {definition.response_pct_drop} % from baseline"
        ),
        OutcomeClass.NO_RESPONSE: f"drop < {definition.partial_response_pct_drop} % from baseline",
    }
    return Reason(f"outcome.{outcome.value}", messages[outcome], definition.source)


def _cannot(
    instrument: str,
    baseline: InstrumentScore | None,
    latest: InstrumentScore | None,
    reasons: list[Reason],
) -> OutcomeAssessment:
    outcome = OutcomeClass.CANNOT_CLASSIFY
    return OutcomeAssessment(instrument, outcome, baseline, latest, None, None, tuple(reasons))


def _missing_reasons(
    baseline: InstrumentScore | None, latest: InstrumentScore | None, source: str
) -> list[Reason]:
    reasons: list[Reason] = []
    if baseline is None:
        reasons.append(Reason("outcome.missing_baseline", "no baseline score recorded", source))
    elif baseline.total <= 0:
        msg = "baseline score is 0: a percent change cannot be computed"
        reasons.append(Reason("outcome.zero_baseline", msg, source))
    if latest is None:
        reasons.append(Reason("outcome.missing_latest", "no score after baseline", source))
    return reasons


def assess_stability(
    definition: OutcomeDefinition, baseline: int, reassessments: Sequence[InstrumentScore]
) -> ResponseStability | None:
    """Stability between the two most recent REASSESSMENT scores (``None`` with fewer than two).

    ``holds`` is true when the second outcome ranks at least as high as the first.
    Source: clinical.md §9.2 (responders commonly relapse within weeks; reassess 1-2 weeks later).
    """
    if len(reassessments) < 2 or baseline <= 0:
        return None
    first, second = reassessments[-2], reassessments[-1]
    first_outcome = classify_change(definition, baseline, first.total)
    second_outcome = classify_change(definition, baseline, second.total)
    holds = outcome_rank(second_outcome) >= outcome_rank(first_outcome)
    change = second.total - first.total
    return ResponseStability(first, second, first_outcome, second_outcome, change, holds)


def classify_outcome(
    reassessment: Reassessment, scores: Sequence[InstrumentScore], *, at: datetime
) -> OutcomeAssessment:
    """Classify a course on the protocol's primary instrument as of ``at``.

    Contract: baseline = the course's baseline (:func:`course_baseline`), latest = latest
    non-baseline score, both at or before ``at``; missing baseline, baseline of 0 or no later
    score, or a baseline already below the remission threshold -> CANNOT_CLASSIFY with the
    reason. Otherwise see :func:`classify_change`; stability
    compares the last two REASSESSMENT scores.
    Units: instrument points; percentages as Decimal. Source: clinical.md §9.1, §9.2.
    """
    instrument = reassessment.primary_instrument
    definition = find_definition(reassessment, instrument)
    baseline = course_baseline(scores, instrument, at=at)
    latest = select_latest(scores, instrument, at)
    missing = _missing_reasons(baseline, latest, definition.source)
    if missing or baseline is None or latest is None:
        return _cannot(instrument, baseline, latest, missing)
    if not definition.classifiable_from(baseline.total):
        why = Reason(BASELINE_BELOW_REMISSION_RULE, BASELINE_BELOW_REMISSION, definition.source)
        return _cannot(instrument, baseline, latest, [why])
    outcome = classify_change(definition, baseline.total, latest.total)
    reasons = [_definition_reason(definition, outcome)]
    visits = [s for s in _of(scores, instrument, at) if s.kind is ScoreKind.REASSESSMENT]
    stability = assess_stability(definition, baseline.total, visits)
    if stability is not None and not stability.holds:
        msg = f"outcome fell from {stability.first_outcome} to {stability.second_outcome}"
        reasons.append(Reason("outcome.stability_lost", msg, "Murrough 2013b"))
    change = compute_change(baseline.total, latest.total)
    return OutcomeAssessment(
        instrument, outcome, baseline, latest, change, stability, tuple(reasons)
    )


def withhold_outcome(
    reassessment: Reassessment, scores: Sequence[InstrumentScore], *, at: datetime, reason: Reason
) -> OutcomeAssessment:
    """No classification while ``reason`` keeps it closed (for example induction not done): the
    baseline and latest scores are shown, the outcome is CANNOT_CLASSIFY with that reason."""
    instrument = reassessment.primary_instrument
    baseline = course_baseline(scores, instrument, at=at)
    latest = select_latest(scores, instrument, at)
    return _cannot(instrument, baseline, latest, [reason])


class FutilityStatus(StrEnum):
    NOT_DUE = "not_due"
    ON_TRACK = "on_track"
    REVIEW_PROMPTED = "review_prompted"
    CANNOT_ASSESS = "cannot_assess"


@dataclass(frozen=True, slots=True)
class FutilityReview:
    """Decision support only: a prompt for a clinician review, never an automatic stop."""

    status: FutilityStatus
    completed_sessions: int
    change: ScoreChange | None
    reasons: tuple[Reason, ...]

    @property
    def prompt_review(self) -> bool:
        return self.status is FutilityStatus.REVIEW_PROMPTED


def review_futility(
    reassessment: Reassessment,
    scores: Sequence[InstrumentScore],
    *,
    completed_sessions: int,
    at: datetime,
) -> FutilityReview:
    """Early-review prompt when improvement is under the protocol's futility threshold.

    Contract: not due before ``futility_review_after_session`` sessions are completed; then
    REVIEW_PROMPTED when the primary instrument's drop from baseline is strictly below
    ``futility_pct_drop_below`` %, ON_TRACK otherwise, CANNOT_ASSESS without a usable baseline or
    later score. Never stops treatment by itself. Source: clinical.md §3.2 (Sanacora 2017 summary,
    Phillips 2019; the 25 % threshold after session 3 or 4 is UNCONFIRMED -> needs sign-off).
    """
    source_ref = reassessment.sources.get("futility_pct_drop_below")
    source = source_ref.key if source_ref else "Sanacora 2017"
    signoff = bool(source_ref and source_ref.needs_signoff)
    due_after = reassessment.futility_review_after_session
    if completed_sessions < due_after:
        msg = f"{completed_sessions} of {due_after} sessions completed: review not yet due"
        reason = Reason("futility.not_due", msg, source, signoff)
        return FutilityReview(FutilityStatus.NOT_DUE, completed_sessions, None, (reason,))
    instrument = reassessment.primary_instrument
    baseline = course_baseline(scores, instrument, at=at)
    latest = select_latest(scores, instrument, at)
    missing = _missing_reasons(baseline, latest, source)
    if missing or baseline is None or latest is None:
        status = FutilityStatus.CANNOT_ASSESS
        return FutilityReview(status, completed_sessions, None, tuple(missing))
    return _judge_futility(reassessment, baseline.total, latest.total, completed_sessions, signoff)


def _judge_futility(
    reassessment: Reassessment, baseline: int, latest: int, completed: int, signoff: bool
) -> FutilityReview:
    ref = reassessment.sources.get("futility_pct_drop_below")
    source = ref.key if ref else "Sanacora 2017"
    change = compute_change(baseline, latest)
    threshold = reassessment.futility_pct_drop_below
    if drop_reaches(baseline, latest, threshold):
        msg = f"drop {change.percent_drop} % ≥ {threshold} %: improving"
        reason = Reason("futility.on_track", msg, source, signoff)
        return FutilityReview(FutilityStatus.ON_TRACK, completed, change, (reason,))
    msg = (
        f"drop {change.percent_drop} % < {threshold} % after {completed} sessions: "
        "review the plan with the patient (decision support, not a stop)"
    )
    reason = Reason("futility.review", msg, source, signoff)
    return FutilityReview(FutilityStatus.REVIEW_PROMPTED, completed, change, (reason,))


@dataclass(frozen=True, slots=True)
class ReassessmentDue:
    """A reassessment visit the protocol asks for, with the instruments to administer."""

    after_session: int
    due_on: date
    instruments: tuple[str, ...]
    followup: bool  # the stability check ``followup_days`` after the first visit


def plan_reassessments(
    reassessment: Reassessment, *, session_dates: Mapping[int, date]
) -> tuple[ReassessmentDue, ...]:
    """Reassessment visits due for the sessions completed so far.

    Contract: for each ``after_sessions`` entry whose session has a date, a visit on that date
    (scores taken after the infusion's recovery or the next day) and, for the last one, a follow-up
    ``followup_days`` later to judge the stability of response. Units: days. Source: clinical.md
    §9.2 (reassess within 1-2 weeks after the series; Murrough 2013b median relapse 18 days).
    """
    visits: list[ReassessmentDue] = []
    for after in reassessment.after_sessions:
        if (on := session_dates.get(after)) is not None:
            visits.append(ReassessmentDue(after, on, reassessment.instruments, False))
    if visits and visits[-1].after_session == max(reassessment.after_sessions):
        last = visits[-1]
        later = last.due_on + timedelta(days=reassessment.followup_days)
        visits.append(ReassessmentDue(last.after_session, later, reassessment.instruments, True))
    return tuple(visits)
