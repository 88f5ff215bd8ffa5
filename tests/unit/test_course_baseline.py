"""The one rule that decides a course's baseline on an instrument (clinical.md §9.2)."""

from __future__ import annotations

from datetime import UTC, datetime

from ketaclinic.domain.outcomes.scores import (
    CourseScore,
    InstrumentScore,
    ScoreKind,
    course_baseline,
    course_baseline_of,
)


def day(n: int, hour: int = 9) -> datetime:
    return datetime(2030, 1, n, hour, 0, tzinfo=UTC)


def score(
    total: int, at: datetime, kind: ScoreKind = ScoreKind.BASELINE, instrument: str = "phq9"
) -> InstrumentScore:
    return InstrumentScore(instrument, total, at, kind, 1 if kind is ScoreKind.SESSION else None)


def test_only_a_score_tagged_baseline_counts_not_the_first_score() -> None:
    earlier = score(0, day(1), ScoreKind.RELAPSE_WATCH)
    tagged = score(18, day(2))
    assert course_baseline([earlier, tagged, score(9, day(9), ScoreKind.SESSION)], "phq9") == tagged


def test_the_latest_baseline_before_the_first_infusion_counts() -> None:
    first, retaken = score(0, day(1)), score(18, day(2))
    after_session = score(3, day(6))
    session = score(15, day(5), ScoreKind.SESSION)
    found = course_baseline([retaken, after_session, first, session], "phq9")
    assert found == retaken


def test_as_of_a_time_only_earlier_scores_count() -> None:
    first, retaken = score(16, day(1)), score(18, day(3))
    assert course_baseline([first, retaken], "phq9", at=day(2)) == first
    assert course_baseline([first, retaken], "phq9", at=day(1, 8)) is None


def test_same_instant_takes_the_one_recorded_last() -> None:
    one, two = score(17, day(2)), score(18, day(2))
    assert course_baseline([one, two], "phq9") == two


def test_other_instruments_do_not_count() -> None:
    assert course_baseline([score(12, day(1), instrument="gad7")], "phq9") is None


def test_a_score_of_another_course_is_never_this_courses_baseline() -> None:
    mine = CourseScore(1, 7, 3, score(18, day(2)))
    other = CourseScore(2, 8, 3, score(0, day(4)))
    assert course_baseline_of([mine, other], 7, "phq9") == mine.score
    assert course_baseline_of([other], 7, "phq9") is None
