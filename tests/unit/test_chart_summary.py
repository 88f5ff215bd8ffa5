"""The chart's summary says how the latest score moved since the one before, in words."""

from __future__ import annotations

from datetime import UTC, datetime

from ketaclinic.services.patients.chart_summary import ScoreTrend

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def trend(total: int, previous: int | None) -> ScoreTrend:
    return ScoreTrend("phq9", "PHQ-9", total, "Mild", AT, previous, 27)


def test_the_trend_reads_down_up_unchanged_or_nothing_for_a_first_score() -> None:
    assert trend(8, 18).trend == "down 10 from 18"
    assert trend(9, 7).trend == "up 2 from 7"
    assert trend(7, 7).trend == "unchanged"
    assert trend(18, None).trend == "" and trend(18, None).change is None
    assert trend(8, 18).change == -10
