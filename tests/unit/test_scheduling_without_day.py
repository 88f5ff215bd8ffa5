"""Cutting one span (a clinic day the patient cannot come) out of a course's availability."""

from __future__ import annotations

from ketaclinic.domain.scheduling.calendar import Interval, inside_any, without

DAY = 1440


def test_any_time_becomes_everything_but_the_day() -> None:
    gap = Interval(3 * DAY, 4 * DAY)
    left = without((), gap, whole=Interval(0, 10 * DAY))
    assert left == (Interval(0, 3 * DAY), Interval(4 * DAY, 10 * DAY))
    assert not inside_any(left, 3 * DAY + 735, 3 * DAY + 855)  # Thursday 12:15-14:15
    assert inside_any(left, 4 * DAY + 735, 4 * DAY + 855)


def test_weekly_windows_lose_only_the_day() -> None:
    windows = tuple(Interval(d * DAY + 480, d * DAY + 1080) for d in range(5))
    left = without(windows, Interval(2 * DAY, 3 * DAY), whole=Interval(0, 10 * DAY))
    assert left == windows[:2] + windows[3:]


def test_a_window_across_the_day_is_split() -> None:
    left = without((Interval(100, 5000),), Interval(DAY, 2 * DAY), whole=Interval(0, 9 * DAY))
    assert left == (Interval(100, DAY), Interval(2 * DAY, 5000))
