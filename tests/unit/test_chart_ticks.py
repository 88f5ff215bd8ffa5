"""x tick thinning: labels of close-together dates never overlap; the first and last stay; the
course chart writes each tick as a short date on the clinic's calendar."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import cast

import pytest

from ketaclinic.adapters.charts import CHAR_WIDTH, LEFT, RIGHT, TICK_GAP, WIDTH, thin_ticks
from ketaclinic.adapters.trajectory_charts import course_trajectory_chart
from ketaclinic.domain.outcomes.records import CourseScore
from ketaclinic.domain.outcomes.scores import InstrumentScore, ScoreKind
from ketaclinic.services.outcomes.review import CourseReview

PLOT = WIDTH - LEFT - RIGHT


def extents(
    ticks: tuple[tuple[float, str], ...], low: float, high: float
) -> list[tuple[float, float]]:
    """Where each label is drawn (px), anchored like the renderer: start, middle, end."""
    out = []
    for value, label in ticks:
        x = LEFT + (value - low) / (high - low) * PLOT
        width = len(label) * CHAR_WIDTH
        if x <= LEFT + 1:
            out.append((x, x + width))
        elif x >= WIDTH - RIGHT - 1:
            out.append((x - width, x))
        else:
            out.append((x - width / 2, x + width / 2))
    return out


def assert_apart(ticks: tuple[tuple[float, str], ...], low: float, high: float) -> None:
    spans = extents(ticks, low, high)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end + TICK_GAP


def test_daily_ticks_over_a_month_are_thinned_apart_keeping_first_and_last() -> None:
    ticks = [(float(d), f"{d + 1} Dec") for d in range(31)]
    kept = thin_ticks(ticks, 0.0, 30.0)
    assert kept[0] == (0.0, "1 Dec") and kept[-1] == (30.0, "31 Dec")
    assert 3 < len(kept) < len(ticks)
    assert_apart(kept, 0.0, 30.0)
    assert extents(tuple(ticks), 0.0, 30.0)[1][0] < extents(tuple(ticks), 0.0, 30.0)[0][1]


def test_the_last_tick_displaces_a_close_neighbour_rather_than_vanish() -> None:
    ticks = [(0.0, "1 Dec"), (10.0, "11 Dec"), (20.0, "21 Dec"), (29.0, "30 Dec"), (30.0, "31 Dec")]
    kept = thin_ticks(ticks, 0.0, 30.0)
    assert kept == ((0.0, "1 Dec"), (10.0, "11 Dec"), (20.0, "21 Dec"), (30.0, "31 Dec"))
    assert_apart(kept, 0.0, 30.0)


def test_spread_out_ticks_are_all_kept_and_duplicates_once() -> None:
    ticks = [(0.0, "1 Dec"), (14.0, "15 Dec"), (14.0, "15 Dec"), (28.0, "29 Dec")]
    assert thin_ticks(ticks, 0.0, 28.0) == ((0.0, "1 Dec"), (14.0, "15 Dec"), (28.0, "29 Dec"))
    assert thin_ticks([], 0.0, 1.0) == ()
    assert thin_ticks([(3.0, "4 Dec")], 0.0, 10.0) == ((3.0, "4 Dec"),)


@pytest.mark.parametrize("count", [2, 5, 12, 40, 120])
def test_any_crowding_leaves_no_two_labels_overlapping(count: int) -> None:
    ticks = [(float(i) * 0.37, f"{i % 28 + 1} Nov") for i in range(count)]
    high = max(ticks[-1][0], 1.0)
    kept = thin_ticks(ticks, 0.0, high)
    assert kept[0] == ticks[0] and kept[-1] == ticks[-1]
    assert_apart(kept, 0.0, high)


def _score(at: datetime, total: int, kind: ScoreKind, number: int | None = None) -> CourseScore:
    return CourseScore(1, 1, 1, InstrumentScore("phq9", total, at, kind, number))


def test_the_course_chart_thins_close_sessions_and_writes_local_short_dates() -> None:
    start = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 09:00 in Chicago
    scores = [_score(start, 20, ScoreKind.BASELINE)]
    for k in range(1, 7):  # six sessions on consecutive evenings, 21:00 in Chicago (03:00 UTC)
        at = start + timedelta(days=k, hours=12)
        scores.append(_score(at, 20 - 2 * k, ScoreKind.SESSION, k))
    scores.append(_score(start + timedelta(days=28), 6, ScoreKind.REASSESSMENT))
    review = cast(
        CourseReview, SimpleNamespace(outcome=SimpleNamespace(instrument="phq9"), scores=scores)
    )
    chart = course_trajectory_chart(review, tz="America/Chicago")
    assert chart is not None
    labels = [label for _, label in chart.x.ticks]
    assert labels[0] == "1 Dec" and labels[-1] == "29 Dec"
    assert len(labels) < 8  # eight score dates, not all of them fit
    assert set(labels) <= {f"{d} Dec" for d in range(1, 30)}  # dates on the clinic calendar
    assert "8 Dec" not in labels and all("2026" not in label for label in labels)
    assert_apart(chart.x.ticks, chart.x.low, chart.x.high)
    assert [p.x for p in chart.points] == [0, 1, 2, 3, 4, 5, 6, 28]
    assert chart.points[6].tip == "7 Dec 2026 (day 6), session: 8 points"
    assert chart.description.endswith("to 6 points on 29 Dec 2026 (day 28).")


def test_the_course_chart_writes_the_year_when_scores_span_two() -> None:
    start = datetime(2026, 12, 20, 15, 0, tzinfo=UTC)
    scores = [
        _score(start, 18, ScoreKind.BASELINE),
        _score(start + timedelta(days=30), 9, ScoreKind.REASSESSMENT),
    ]
    review = cast(
        CourseReview, SimpleNamespace(outcome=SimpleNamespace(instrument="phq9"), scores=scores)
    )
    chart = course_trajectory_chart(review, tz="America/Chicago")
    assert chart is not None
    assert [label for _, label in chart.x.ticks] == ["20 Dec 2026", "19 Jan 2027"]
