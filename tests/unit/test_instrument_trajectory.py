"""Trajectory summary and outcome classification (clinical.md §9.1)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ketaclinic.domain.assessments.instruments import (
    OutcomeStatus,
    ScorePoint,
    summarize_trajectory,
)
from ketaclinic.domain.assessments.instruments.trajectory import percent_change
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.sections import OutcomeDefinition

PHQ9_OUTCOME = OutcomeDefinition("phq9", Decimal(50), Decimal(25), 4, "clinical.md §9.1")


def day(n: int) -> datetime:
    return datetime(2030, 1, n, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("baseline", "latest", "status", "pct"),
    [
        (20, 4, OutcomeStatus.REMISSION, Decimal("-80.0")),
        (20, 10, OutcomeStatus.RESPONSE, Decimal("-50.0")),
        (20, 11, OutcomeStatus.PARTIAL_RESPONSE, Decimal("-45.0")),
        (20, 15, OutcomeStatus.PARTIAL_RESPONSE, Decimal("-25.0")),
        (20, 16, OutcomeStatus.NO_RESPONSE, Decimal("-20.0")),
        (12, 18, OutcomeStatus.NO_RESPONSE, Decimal("50.0")),
        (3, 4, None, Decimal("33.3")),  # baseline already below the remission threshold
    ],
    ids=[
        "remission",
        "response-at-50",
        "partial-45",
        "partial-at-25",
        "none-20",
        "worse",
        "low-base",
    ],
)
def test_classification(
    baseline: int, latest: int, status: OutcomeStatus | None, pct: Decimal
) -> None:
    first = ScorePoint(day(1), baseline)
    points = [ScorePoint(day(10), latest), first, ScorePoint(day(5), 30)]
    summary = summarize_trajectory("phq9", points, PHQ9_OUTCOME, baseline=first)
    assert (summary.baseline.total, summary.latest.total) == (baseline, latest)
    assert (summary.change, summary.percent_change, summary.status) == (
        latest - baseline,
        pct,
        status,
    )


def test_baseline_only_has_no_status() -> None:
    only = ScorePoint(day(1), 18)
    summary = summarize_trajectory("phq9", [only], PHQ9_OUTCOME, baseline=only)
    assert summary.status is None and "baseline" in summary.reason


def test_the_course_baseline_is_used_not_the_earliest_score() -> None:
    """An earlier score of 0 that is not the course's baseline never becomes the baseline."""
    tagged = ScorePoint(day(3), 18)
    points = [ScorePoint(day(2), 0), tagged, ScorePoint(day(20), 8)]
    summary = summarize_trajectory("phq9", points, PHQ9_OUTCOME, baseline=tagged)
    assert summary.baseline == tagged
    assert (summary.change, summary.percent_change) == (-10, Decimal("-55.6"))
    assert summary.status is OutcomeStatus.RESPONSE


def test_no_course_baseline_gives_no_change_and_no_status() -> None:
    points = [ScorePoint(day(2), 0), ScorePoint(day(20), 8)]
    summary = summarize_trajectory("phq9", points, PHQ9_OUTCOME, baseline=None)
    assert summary.baseline is None and summary.change is None and summary.status is None
    assert summary.latest.total == 8 and "no baseline" in summary.reason


def test_no_definition_has_no_status() -> None:
    first = ScorePoint(day(1), 40)
    summary = summarize_trajectory("pcl5", [first, ScorePoint(day(2), 10)], baseline=first)
    assert summary.status is None and summary.change == -30


def test_zero_baseline_has_no_percent_change() -> None:
    assert percent_change(0, 5) is None


@pytest.mark.parametrize(
    "points",
    [[], [ScorePoint(datetime(2030, 1, 1), 3)]],
    ids=["empty", "naive-datetime"],
)
def test_invalid_points_are_refused(points: list[ScorePoint]) -> None:
    with pytest.raises(ValidationFailed):
        summarize_trajectory("phq9", points, PHQ9_OUTCOME, baseline=None)
