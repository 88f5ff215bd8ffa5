"""Maintenance after induction: booster plan proposal, relapse-watch due dates, relapse rules.

Pure rules over ``Protocol.maintenance``. A booster plan is a *proposal*: dated target windows the
scheduling engine can book and a clinician edits; it always ends in a clinician review and never
repeats forever (clinical.md §3.3: maintenance evidence is Level 3, decide case by case).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from ketaclinic.domain.assessments.instruments.registry import instrument_name
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.outcomes.response import (
    BASELINE_BELOW_REMISSION_RULE,
    InstrumentScore,
    OutcomeAssessment,
    OutcomeClass,
    Reason,
)
from ketaclinic.domain.protocols.alert_words import threshold_words
from ketaclinic.domain.protocols.sections import Comparison, Maintenance, RelapseRule

PLAN_SOURCE = "CANMAT 2021"


@dataclass(frozen=True, slots=True)
class BoosterWindow:
    """One proposed booster: book a day in ``[earliest_on, latest_on]``, ideally ``target_on``."""

    number: int  # 1-based
    target_on: date
    earliest_on: date
    latest_on: date
    interval_days: int  # from the previous booster (or the plan start for the first)
    edited_reason: str | None = None


@dataclass(frozen=True, slots=True)
class BoosterPlan:
    """A proposed, editable booster plan that ends with a clinician review."""

    windows: tuple[BoosterWindow, ...]
    review_on: date  # clinician review after the last booster: continue, widen, or stop
    reasons: tuple[Reason, ...]


def window_tolerance_days(interval_days: int) -> int:
    """Booking slack either side of a target: 1 day per started week of interval (at least 1).

    A scheduling convenience (weekly -> +/-1 day, monthly -> +/-4 days), not a clinical threshold:
    the plan is a proposal the clinician edits.
    """
    return max(1, -(-interval_days // 7))


def _window(number: int, target: date, interval_days: int) -> BoosterWindow:
    slack = timedelta(days=window_tolerance_days(interval_days))
    return BoosterWindow(number, target, target - slack, target + slack, interval_days)


def propose_booster_plan(
    maintenance: Maintenance, *, start_on: date, response_holds: bool = True
) -> BoosterPlan:
    """Propose booster windows from the protocol's spacing ladder, starting after ``start_on``.

    Contract: booster ``k`` targets ``start_on + sum(intervals[:k])`` (days); when the response is
    not holding, the ladder does not widen: every interval stays at the first (shortest) spacing
    and a review reason is added. The plan ends at the last interval with a review on the day after
    the last window closes. Source: clinical.md §3.3 (Phillips 2019 weekly x4; widening ladders
    UNCONFIRMED, so the pack flags them needs_signoff).
    """
    intervals = maintenance.booster_intervals_days
    if not intervals or any(days <= 0 for days in intervals):
        raise ValidationFailed(
            {"maintenance.booster_intervals_days": "needs one or more positive intervals"}
        )
    ref = maintenance.sources.get("booster_intervals_days")
    signoff = bool(ref and ref.needs_signoff)
    source = ref.key if ref else PLAN_SOURCE
    if not response_holds:
        intervals = tuple(intervals[0] for _ in intervals)
    windows: list[BoosterWindow] = []
    target = start_on
    for number, days in enumerate(intervals, start=1):
        target = target + timedelta(days=days)
        windows.append(_window(number, target, days))
    reasons = [
        Reason("maintenance.plan_proposed", "proposed ladder; clinician edits", source, signoff)
    ]
    if not response_holds:
        msg = "response not holding: spacing kept at the shortest interval; review the plan"
        reasons.append(Reason("maintenance.no_widening", msg, source, signoff))
    review_on = windows[-1].latest_on + timedelta(days=1)
    return BoosterPlan(tuple(windows), review_on, tuple(reasons))


def reschedule_booster(
    plan: BoosterPlan, number: int, target_on: date, *, reason: str
) -> BoosterPlan:
    """A clinician's edit: move booster ``number`` to ``target_on`` and shift the later ones.

    Contract: needs a written reason; the new target must fall after the previous booster's target.
    Later windows keep their intervals relative to the moved one; the review moves with them.
    """
    if not reason.strip():
        raise ValidationFailed({"reason": "a reason is required to edit a booster plan"})
    if not 1 <= number <= len(plan.windows):
        raise ValidationFailed({"number": f"no booster {number} in this plan"})
    index = number - 1
    if index > 0 and target_on <= plan.windows[index - 1].target_on:
        raise ValidationFailed({"target_on": "must fall after the previous booster"})
    shift = target_on - plan.windows[index].target_on
    windows = list(plan.windows[:index])
    for window in plan.windows[index:]:
        moved = _window(window.number, window.target_on + shift, window.interval_days)
        windows.append(moved)
    windows[index] = replace(windows[index], edited_reason=reason.strip())
    return replace(plan, windows=tuple(windows), review_on=plan.review_on + shift)


def relapse_watch_due_dates(
    maintenance: Maintenance, *, start_on: date, until: date
) -> tuple[date, ...]:
    """Dates the check instrument is due: every ``relapse_watch_every_days`` after ``start_on``.

    Contract: first due ``start_on + every``; last due on or before ``until``. Units: days.
    Source: clinical.md §9.2 (reassess within 1-2 weeks and then regularly; Murrough 2013b).
    """
    every = maintenance.relapse_watch_every_days
    if every <= 0:
        raise ValidationFailed({"maintenance.relapse_watch_every_days": "must be positive"})
    count = max(0, (until - start_on).days // every)
    return tuple(start_on + timedelta(days=every * k) for k in range(1, count + 1))


def next_relapse_check_on(
    maintenance: Maintenance, *, start_on: date, last_check_on: date | None
) -> date:
    """The next due date of the check instrument after the last one answered (or after start)."""
    anchor = last_check_on if last_check_on is not None else start_on
    return anchor + timedelta(days=maintenance.relapse_watch_every_days)


@dataclass(frozen=True, slots=True)
class RelapseEvaluation:
    """Whether one relapse rule is met, with the scores that met it."""

    rule: RelapseRule
    applies: bool  # the course reached the rule's ``after`` outcome
    met: bool
    meeting_scores: tuple[InstrumentScore, ...]
    reasons: tuple[Reason, ...]

    @property
    def met_at(self) -> datetime | None:
        """When the rule was met: the latest score of the run that met it (``None``: not met)."""
        return self.meeting_scores[-1].administered_at if self.met and self.meeting_scores else None


_AFTER = {
    "remission": frozenset({OutcomeClass.REMISSION}),
    "response": frozenset({OutcomeClass.RESPONSE, OutcomeClass.REMISSION}),
}


def _counts(rule: RelapseRule, total: int, baseline: int | None) -> bool:
    """The score is at or above the threshold and, for a loss-of-response rule, lost it."""
    if total < rule.threshold:
        return False
    if rule.response_pct_drop is None:
        return True
    assert baseline is not None
    return Decimal(total) * 100 > Decimal(baseline) * (100 - rule.response_pct_drop)


def _first_meeting_run(
    rule: RelapseRule, scores: Sequence[InstrumentScore], baseline: int | None
) -> tuple[InstrumentScore, ...]:
    run: list[InstrumentScore] = []
    for score in scores:
        if not _counts(rule, score.total, baseline):
            run = []
            continue
        run.append(score)
        span = (run[-1].administered_at - run[0].administered_at).days
        if len(run) >= rule.consecutive and span >= rule.min_gap_days:
            return tuple(run)
    return ()


def evaluate_relapse_rule(
    rule: RelapseRule,
    scores: Sequence[InstrumentScore],
    *,
    reached: OutcomeClass,
    since: datetime,
    at: datetime,
    baseline: int | None = None,
) -> RelapseEvaluation:
    """Evaluate one relapse rule on the scores taken after the course reached ``reached``.

    Contract: applies only when ``reached`` satisfies ``rule.after`` (remission, or response which
    remission also satisfies). Met when ``rule.consecutive`` successive scores of
    ``rule.instrument`` taken in ``(since, at]`` are all ``>= rule.threshold``, the first and last
    at least ``rule.min_gap_days`` days apart; a score below the threshold resets the run. A rule
    with ``response_pct_drop`` counts a score only when it is also less than that percentage
    below ``baseline`` (the course's baseline total of the rule's instrument): the response is
    lost, not merely a score at the threshold. Units: instrument points, days, percent.
    Source: rule.source (clinical.md §3.4: Salloum 2020 MADRS >= 22; PHQ-9 >= 10 after
    remission is clinic-derived, UNCONFIRMED; §9.1 response = >= 50 % drop).
    """
    if rule.consecutive < 1:
        raise ValidationFailed({"relapse_rule.consecutive": "must be at least 1"})
    if reached not in _AFTER.get(rule.after, frozenset()):
        reached_words = reached.value.replace("_", " ")
        msg = (
            f"does not apply: this rule watches for relapse after {rule.after}, and the course "
            f"reached {reached_words} at reassessment"
        )
        reason = Reason("relapse.not_applicable", msg, rule.source, rule.needs_signoff)
        return RelapseEvaluation(rule, False, False, (), (reason,))
    if rule.response_pct_drop is not None and baseline is None:
        msg = (
            f"no baseline {instrument_name(rule.instrument)} to tell whether the response was lost"
        )
        reason = Reason("relapse.no_baseline", msg, rule.source, rule.needs_signoff)
        return RelapseEvaluation(rule, True, False, (), (reason,))
    window = sorted(
        (s for s in scores if s.instrument == rule.instrument and since < s.administered_at <= at),
        key=lambda s: s.administered_at,
    )
    meeting = _first_meeting_run(rule, window, baseline)
    level = threshold_words(Decimal(rule.threshold), Comparison.GE, "points")
    label = f"{instrument_name(rule.instrument)} {level} on {rule.consecutive} consecutive scores"
    if rule.response_pct_drop is not None:
        label += f", each under {rule.response_pct_drop} % below the baseline {baseline}"
    if meeting:
        totals = ", ".join(str(s.total) for s in meeting)
        msg = f"{label} (scores {totals}) after {rule.after}"
        reason = Reason("relapse.met", msg, rule.source, rule.needs_signoff)
        return RelapseEvaluation(rule, True, True, meeting, (reason,))
    reason = Reason("relapse.not_met", f"{label}: not met", rule.source, rule.needs_signoff)
    return RelapseEvaluation(rule, True, False, (), (reason,))


@dataclass(frozen=True, slots=True)
class RelapseWatch:
    """All relapse rules of the protocol evaluated together."""

    evaluations: tuple[RelapseEvaluation, ...]

    @property
    def relapse(self) -> bool:
        """True when any rule is met: the patient goes on the prescriber's worklist."""
        return any(e.met for e in self.evaluations)

    @property
    def met(self) -> tuple[RelapseEvaluation, ...]:
        return tuple(e for e in self.evaluations if e.met)


def evaluate_relapse_watch(
    maintenance: Maintenance,
    scores: Sequence[InstrumentScore],
    *,
    reached: OutcomeClass,
    since: datetime,
    at: datetime,
    baselines: Mapping[str, int] | None = None,
) -> RelapseWatch:
    """Evaluate every relapse rule of the protocol (see :func:`evaluate_relapse_rule`).

    ``baselines`` maps an instrument to the course's baseline total (for loss-of-response rules).
    """
    known = baselines or {}
    return RelapseWatch(
        tuple(
            evaluate_relapse_rule(
                rule,
                scores,
                reached=reached,
                since=since,
                at=at,
                baseline=known.get(rule.instrument),
            )
            for rule in maintenance.relapse_rules
        )
    )


class NextStep(StrEnum):
    """Decision-support proposal after reassessment; a clinician decides and records reasons."""

    OFFER_MAINTENANCE = "offer_maintenance"
    CLINICIAN_REVIEW = "clinician_review"
    CONSIDER_ALTERNATIVES = "consider_alternatives"
    COMPLETE_REASSESSMENT = "complete_reassessment"


@dataclass(frozen=True, slots=True)
class NextStepProposal:
    step: NextStep
    reasons: tuple[Reason, ...]


def propose_next_step(assessment: OutcomeAssessment) -> NextStepProposal:
    """What to offer after induction, from the course's outcome (never an automatic decision).

    Contract: remission or response -> offer a maintenance plan and relapse watch; partial
    response -> clinician review; no response -> review alternatives (ECT, TMS, esketamine);
    cannot classify -> complete the reassessment first. Source: clinical.md §9.2 (CANMAT 2021
    Level 3 maintenance evidence; suggested outputs UNCONFIRMED as guideline rules).
    """
    outcome = assessment.outcome
    if outcome in (OutcomeClass.REMISSION, OutcomeClass.RESPONSE):
        step, msg = NextStep.OFFER_MAINTENANCE, f"{outcome}: offer boosters and relapse watch"
    elif outcome is OutcomeClass.PARTIAL_RESPONSE:
        step, msg = NextStep.CLINICIAN_REVIEW, "partial response: review dose and plan"
    elif outcome is OutcomeClass.NO_RESPONSE:
        step, msg = NextStep.CONSIDER_ALTERNATIVES, "no response: consider ECT, TMS or esketamine"
    elif BASELINE_BELOW_REMISSION_RULE in {r.rule_id for r in assessment.reasons}:
        step, msg = NextStep.CLINICIAN_REVIEW, "remission and response do not apply: review"
    else:
        step, msg = NextStep.COMPLETE_REASSESSMENT, "outcome cannot be classified yet"
    reason = Reason(f"next_step.{step.value}", msg, PLAN_SOURCE, needs_signoff=True)
    return NextStepProposal(step, (reason, *assessment.reasons))
