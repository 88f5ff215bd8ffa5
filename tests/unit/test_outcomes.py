"""Outcome assessment details: which scores are used, stability, refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from ketaclinic.domain.assessments.instruments.trajectory import OutcomeStatus
from ketaclinic.domain.assessments.instruments.trajectory import classify_outcome as classify_status
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.outcomes.response import (
    InstrumentScore,
    OutcomeClass,
    ScoreKind,
    classify_change,
    classify_outcome,
    compute_change,
    outcome_rank,
    plan_reassessments,
)
from ketaclinic.domain.protocols.sections import OutcomeDefinition, Reassessment

PHQ9 = OutcomeDefinition("phq9", Decimal(50), Decimal(25), 4, "SUSTAIN-3")
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
REASSESS = Reassessment((6,), 10, ("phq9", "wsas"), "phq9", (PHQ9,), 3, Decimal(25))


def score(total: int, day: int, kind: ScoreKind, instrument: str = "phq9") -> InstrumentScore:
    return InstrumentScore(instrument, total, T0 + timedelta(days=day), kind)


def test_uses_latest_baseline_and_latest_later_score_up_to_at() -> None:
    scores = [
        score(22, -30, ScoreKind.BASELINE),
        score(20, -1, ScoreKind.BASELINE),  # re-baselined the day before infusion 1
        score(12, 10, ScoreKind.SESSION),
        score(9, 20, ScoreKind.REASSESSMENT),
        score(3, 40, ScoreKind.REASSESSMENT),  # after ``at``: not seen
        score(1, 20, ScoreKind.REASSESSMENT, instrument="gad7"),  # other instrument
    ]
    result = classify_outcome(REASSESS, scores, at=T0 + timedelta(days=30))
    assert result.baseline == scores[1]
    assert result.latest == scores[3]
    assert result.outcome is OutcomeClass.RESPONSE
    assert result.change is not None and result.change.percent_change == Decimal("-55.0")


def test_stability_between_two_reassessments() -> None:
    scores = [
        score(20, 0, ScoreKind.BASELINE),
        score(4, 20, ScoreKind.REASSESSMENT),  # remission
        score(9, 30, ScoreKind.REASSESSMENT),  # response: fell back one class
    ]
    result = classify_outcome(REASSESS, scores, at=T0 + timedelta(days=31))
    assert result.outcome is OutcomeClass.RESPONSE
    assert result.stability is not None
    assert (result.stability.first_outcome, result.stability.second_outcome) == (
        OutcomeClass.REMISSION,
        OutcomeClass.RESPONSE,
    )
    assert result.stability.change_points == 5
    assert not result.stability.holds
    assert "outcome.stability_lost" in {r.rule_id for r in result.reasons}


def test_stability_holds_when_outcome_keeps_its_class() -> None:
    scores = [
        score(20, 0, ScoreKind.BASELINE),
        score(9, 20, ScoreKind.REASSESSMENT),
        score(8, 30, ScoreKind.REASSESSMENT),
    ]
    result = classify_outcome(REASSESS, scores, at=T0 + timedelta(days=31))
    assert result.stability is not None and result.stability.holds
    assert "outcome.stability_lost" not in {r.rule_id for r in result.reasons}


def test_single_reassessment_has_no_stability_yet() -> None:
    scores = [score(20, 0, ScoreKind.BASELINE), score(9, 20, ScoreKind.REASSESSMENT)]
    assert classify_outcome(REASSESS, scores, at=T0 + timedelta(days=31)).stability is None


def test_baseline_already_below_remission_threshold_is_not_classified() -> None:
    scores = [score(4, 0, ScoreKind.BASELINE), score(2, 20, ScoreKind.REASSESSMENT)]
    result = classify_outcome(REASSESS, scores, at=T0 + timedelta(days=31))
    assert result.outcome is OutcomeClass.CANNOT_CLASSIFY
    assert [r.rule_id for r in result.reasons] == ["outcome.baseline_below_remission"]
    assert "remission does not apply" in result.reasons[0].message


def test_baseline_at_remission_threshold_is_classified() -> None:
    scores = [score(5, 0, ScoreKind.BASELINE), score(2, 20, ScoreKind.REASSESSMENT)]
    result = classify_outcome(REASSESS, scores, at=T0 + timedelta(days=31))
    assert result.outcome is OutcomeClass.REMISSION


@pytest.mark.parametrize(("baseline", "latest"), [(30, 12), (30, 29), (10, 4)])
def test_pcl5_baseline_below_threshold_gets_no_remission_or_response(
    baseline: int, latest: int
) -> None:
    pcl5 = OutcomeDefinition("pcl5", Decimal(30), Decimal(15), 30, "PCL-5")
    assert classify_change(pcl5, baseline, latest) is OutcomeClass.CANNOT_CLASSIFY
    status, reason = classify_status(baseline, latest, pcl5)
    assert status is None
    assert reason == "baseline already below the remission threshold: remission does not apply"


def test_pcl5_baseline_above_threshold_is_classified() -> None:
    pcl5 = OutcomeDefinition("pcl5", Decimal(30), Decimal(15), 30, "PCL-5")
    assert classify_change(pcl5, 45, 30) is OutcomeClass.REMISSION
    assert classify_change(pcl5, 45, 31) is OutcomeClass.RESPONSE
    assert classify_status(45, 31, pcl5)[0] is OutcomeStatus.RESPONSE
    assert classify_status(31, 30, pcl5)[0] is OutcomeStatus.REMISSION


def test_protocol_without_definition_for_primary_is_refused() -> None:
    broken = Reassessment((6,), 10, ("madrs",), "madrs", (PHQ9,), 3, Decimal(25))
    with pytest.raises(ValidationFailed) as err:
        classify_outcome(broken, [], at=T0)
    assert err.value.field == "reassessment.outcomes"


def test_percent_change_refuses_zero_baseline() -> None:
    with pytest.raises(ValidationFailed):
        compute_change(0, 3)


def test_outcome_rank_orders_best_first() -> None:
    ordered = sorted(OutcomeClass, key=outcome_rank, reverse=True)
    assert ordered == [
        OutcomeClass.REMISSION,
        OutcomeClass.RESPONSE,
        OutcomeClass.PARTIAL_RESPONSE,
        OutcomeClass.NO_RESPONSE,
        OutcomeClass.CANNOT_CLASSIFY,
    ]


def test_reassessment_after_session_6_and_followup() -> None:
    day6 = date(2026, 1, 23)
    visits = plan_reassessments(REASSESS, session_dates={3: date(2026, 1, 12), 6: day6})
    assert [(v.after_session, v.due_on, v.followup) for v in visits] == [
        (6, day6, False),
        (6, day6 + timedelta(days=10), True),
    ]
    assert visits[0].instruments == ("phq9", "wsas")


def test_no_reassessment_before_the_series_ends() -> None:
    assert plan_reassessments(REASSESS, session_dates={1: date(2026, 1, 5)}) == ()
