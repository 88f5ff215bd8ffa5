"""The next clinic day is the next day the clinic has opening hours, skipping closures."""

from __future__ import annotations

from datetime import date

from ketaclinic.domain.scheduling.booking import Closure, OpeningHours, next_open_day

MONDAY = date(2026, 12, 7)
TUE_TO_FRI = [OpeningHours(d, 8 * 60, 17 * 60) for d in range(1, 5)]


def test_on_a_monday_the_clinic_opening_tuesday_opens_next_on_tuesday() -> None:
    assert next_open_day(MONDAY, TUE_TO_FRI, [], within_days=14) == date(2026, 12, 8)


def test_a_closure_is_skipped() -> None:
    closed = [Closure(date(2026, 12, 8), "staff training")]
    assert next_open_day(MONDAY, TUE_TO_FRI, closed, within_days=14) == date(2026, 12, 9)


def test_friday_rolls_over_the_weekend_to_the_next_open_weekday() -> None:
    friday = date(2026, 12, 11)
    assert next_open_day(friday, TUE_TO_FRI, [], within_days=14) == date(2026, 12, 15)


def test_without_opening_hours_there_is_no_open_day() -> None:
    assert next_open_day(MONDAY, [], [], within_days=14) is None


def test_only_days_within_the_horizon_count() -> None:
    sundays = [OpeningHours(6, 9 * 60, 12 * 60)]
    assert next_open_day(MONDAY, sundays, [], within_days=5) is None
    assert next_open_day(MONDAY, sundays, [], within_days=6) == date(2026, 12, 13)
