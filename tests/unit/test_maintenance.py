"""Booster plan proposal and edits, relapse-watch due dates, whole-protocol relapse watch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.outcomes.maintenance import (
    NextStep,
    evaluate_relapse_watch,
    next_relapse_check_on,
    propose_booster_plan,
    propose_next_step,
    relapse_watch_due_dates,
    reschedule_booster,
    window_tolerance_days,
)
from ketaclinic.domain.outcomes.response import (
    BASELINE_BELOW_REMISSION_RULE,
    InstrumentScore,
    OutcomeAssessment,
    OutcomeClass,
    Reason,
    ScoreKind,
)
from ketaclinic.domain.protocols.sections import Maintenance, RelapseRule, SourceRef

RULES = (
    RelapseRule("phq9", 10, 1, 0, "remission", "clinic-derived", needs_signoff=True),
    RelapseRule("madrs", 22, 1, 0, "response", "Salloum 2020"),
)
LADDER = Maintenance(
    booster_intervals_days=(7, 7, 7, 7, 14, 28),
    relapse_watch_instrument="phq9",
    relapse_watch_every_days=14,
    relapse_rules=RULES,
    sources={"booster_intervals_days": SourceRef("Phillips 2019", needs_signoff=True)},
)
START = date(2026, 3, 2)  # a Monday


def test_plan_follows_the_ladder_and_ends_in_a_review() -> None:
    plan = propose_booster_plan(LADDER, start_on=START)
    targets = [w.target_on for w in plan.windows]
    offsets = [(t - START).days for t in targets]
    assert offsets == [7, 14, 21, 28, 42, 70]  # weekly x4, then 2 and 4 weeks
    assert [w.number for w in plan.windows] == [1, 2, 3, 4, 5, 6]
    assert plan.review_on == plan.windows[-1].latest_on + timedelta(days=1)
    assert plan.reasons[0].source == "Phillips 2019" and plan.reasons[0].needs_signoff


def test_plan_does_not_widen_when_response_is_not_holding() -> None:
    plan = propose_booster_plan(LADDER, start_on=START, response_holds=False)
    assert [w.interval_days for w in plan.windows] == [7] * 6
    assert "maintenance.no_widening" in {r.rule_id for r in plan.reasons}


@pytest.mark.parametrize(
    ("interval", "slack"), [(1, 1), (7, 1), (8, 2), (14, 2), (28, 4)], ids=lambda v: str(v)
)
def test_window_slack_grows_with_the_interval(interval: int, slack: int) -> None:
    assert window_tolerance_days(interval) == slack


def test_windows_bracket_their_target() -> None:
    window = propose_booster_plan(LADDER, start_on=START).windows[-1]
    assert window.earliest_on == window.target_on - timedelta(days=4)
    assert window.latest_on == window.target_on + timedelta(days=4)


@pytest.mark.parametrize("intervals", [(), (7, 0), (7, -7)], ids=["empty", "zero", "negative"])
def test_plan_refuses_a_broken_ladder(intervals: tuple[int, ...]) -> None:
    broken = Maintenance(intervals, "phq9", 14, RULES)
    with pytest.raises(ValidationFailed) as err:
        propose_booster_plan(broken, start_on=START)
    assert err.value.field == "maintenance.booster_intervals_days"


def test_reschedule_moves_later_boosters_and_review() -> None:
    plan = propose_booster_plan(LADDER, start_on=START)
    edited = reschedule_booster(
        plan, 3, plan.windows[2].target_on + timedelta(days=2), reason="travel"
    )
    assert edited.windows[:2] == plan.windows[:2]
    assert edited.windows[2].edited_reason == "travel"
    shifted = [
        (b.target_on - a.target_on).days for a, b in zip(plan.windows, edited.windows, strict=True)
    ]
    assert shifted == [0, 0, 2, 2, 2, 2]
    assert edited.review_on == plan.review_on + timedelta(days=2)


@pytest.mark.parametrize(
    ("number", "days", "reason", "field"),
    [
        (2, 0, "  ", "reason"),
        (9, 0, "x", "number"),
        (2, -7, "too early", "target_on"),
    ],
    ids=["blank-reason", "no-such-booster", "before-previous"],
)
def test_reschedule_refuses(number: int, days: int, reason: str, field: str) -> None:
    plan = propose_booster_plan(LADDER, start_on=START)
    target = plan.windows[min(number, 6) - 1].target_on + timedelta(days=days)
    with pytest.raises(ValidationFailed) as err:
        reschedule_booster(plan, number, target, reason=reason)
    assert err.value.field == field


def test_relapse_watch_due_dates_every_interval_until() -> None:
    due = relapse_watch_due_dates(LADDER, start_on=START, until=START + timedelta(days=42))
    assert due == tuple(START + timedelta(days=d) for d in (14, 28, 42))
    assert relapse_watch_due_dates(LADDER, start_on=START, until=START + timedelta(days=13)) == ()


def test_next_check_counts_from_the_last_answer() -> None:
    assert next_relapse_check_on(LADDER, start_on=START, last_check_on=None) == START + timedelta(
        days=14
    )
    last = START + timedelta(days=17)
    assert next_relapse_check_on(LADDER, start_on=START, last_check_on=last) == last + timedelta(
        days=14
    )


def test_relapse_watch_reports_which_rule_met() -> None:
    since = datetime(2026, 3, 2, tzinfo=UTC)
    scores = [
        InstrumentScore("phq9", 11, since + timedelta(days=14), ScoreKind.RELAPSE_WATCH),
        InstrumentScore("madrs", 18, since + timedelta(days=14), ScoreKind.RELAPSE_WATCH),
    ]
    watch = evaluate_relapse_watch(
        LADDER, scores, reached=OutcomeClass.REMISSION, since=since, at=since + timedelta(days=20)
    )
    assert watch.relapse
    assert [e.rule.instrument for e in watch.met] == ["phq9"]
    assert watch.met[0].meeting_scores == (scores[0],)


@pytest.mark.parametrize(
    ("outcome", "step"),
    [
        (OutcomeClass.REMISSION, NextStep.OFFER_MAINTENANCE),
        (OutcomeClass.RESPONSE, NextStep.OFFER_MAINTENANCE),
        (OutcomeClass.PARTIAL_RESPONSE, NextStep.CLINICIAN_REVIEW),
        (OutcomeClass.NO_RESPONSE, NextStep.CONSIDER_ALTERNATIVES),
        (OutcomeClass.CANNOT_CLASSIFY, NextStep.COMPLETE_REASSESSMENT),
    ],
    ids=lambda v: str(v),
)
def test_next_step_after_reassessment(outcome: OutcomeClass, step: NextStep) -> None:
    reason = Reason("outcome.x", "why", "SUSTAIN-3")
    assessment = OutcomeAssessment("phq9", outcome, None, None, None, None, (reason,))
    proposal = propose_next_step(assessment)
    assert proposal.step is step
    assert proposal.reasons[0].needs_signoff and proposal.reasons[-1] == reason


def test_baseline_below_remission_threshold_proposes_clinician_review() -> None:
    reason = Reason(BASELINE_BELOW_REMISSION_RULE, "remission does not apply", "SUSTAIN-3")
    cannot = OutcomeClass.CANNOT_CLASSIFY
    assessment = OutcomeAssessment("phq9", cannot, None, None, None, None, (reason,))
    proposal = propose_next_step(assessment)
    assert proposal.step is NextStep.CLINICIAN_REVIEW
    assert "do not apply" in proposal.reasons[0].message


def test_rule_for_another_outcome_says_it_does_not_apply() -> None:
    since = datetime(2026, 3, 2, 9, tzinfo=UTC)
    watch = evaluate_relapse_watch(
        LADDER, [], reached=OutcomeClass.RESPONSE, since=since, at=since + timedelta(days=30)
    )
    remission_rule = watch.evaluations[0]
    assert not remission_rule.applies and not remission_rule.met
    assert remission_rule.reasons[0].message == (
        "does not apply: this rule watches for relapse after remission, and the course reached "
        "response at reassessment"
    )
