"""A session's history held between listener batches keeps what a database read would give the
evaluation: the newest trend points per parameter, and during a long breach everything back to
the last reading that breaches none of the parameter's rules (clinical.md §4.3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading
from ketaclinic.domain.protocols.sections import (
    AlertAction,
    AlertRule,
    AlertSeverity,
    Comparison,
)
from ketaclinic.services.infusion.board import TREND_POINTS
from ketaclinic.services.infusion.history_cache import HistoryCache
from ketaclinic.services.infusion.vitals_history import compact_history

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
RULE = AlertRule(
    "bp-systolic-pause",
    "sbp",
    Comparison.GE,
    Decimal(185),
    "mm[Hg]",
    2,
    5,
    AlertSeverity.HIGH,
    AlertAction.PAUSE,
    "clinical.md §4.3",
)


def sbp(value: int, seconds: int) -> VitalReading:
    at = T0 + timedelta(seconds=seconds)
    return VitalReading(Parameter.SBP, Decimal(value), "mm[Hg]", at, ReadingSource.MONITOR)


def test_a_calm_parameter_keeps_its_newest_trend_points_oldest_first() -> None:
    readings = [sbp(120, 10 * n) for n in range(40)]
    kept = compact_history(readings, [RULE])
    assert kept == readings[-TREND_POINTS:]


def test_a_long_breach_keeps_everything_back_to_the_last_calm_reading() -> None:
    calm, breach = [sbp(120, n) for n in range(5)], [sbp(190, 5 + n) for n in range(30)]
    kept = compact_history([*calm, *breach], [RULE])
    assert kept == [calm[-1], *breach]


def test_a_late_reading_takes_its_place_in_time_and_other_parameters_are_dropped() -> None:
    late, temp = (
        sbp(121, -5),
        VitalReading(Parameter.TEMP, Decimal("36.8"), "Cel", T0, ReadingSource.MONITOR),
    )
    readings = [sbp(120, 10 * n) for n in range(3)]
    assert compact_history([*readings, late, temp], [RULE]) == [late, *readings]


def test_a_held_history_is_served_only_at_the_version_it_was_stored_at() -> None:
    cache = HistoryCache(max_sessions=2)
    cache.put(1, 7, 3, [sbp(120, 0)])
    assert cache.get(1, 7, 3) == [sbp(120, 0)]
    assert cache.get(1, 7, 4) is None and cache.get(2, 7, 3) is None
    cache.put(1, 8, 1, [])
    cache.put(1, 9, 1, [])  # the oldest written goes
    assert cache.get(1, 7, 3) is None and len(cache) == 2
