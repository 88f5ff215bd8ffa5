"""The readings an evaluation sees (``alarms._usable``): usable ones in time order, a repeat of
the same reading once at its last arrival. Checked against the plain definition (every reading
keyed by what makes it the same, last arrival kept, then a stable sort by time) on generated
streams full of repeats, equal times, other statuses and other time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ketaclinic.domain.infusion.alarms import _usable
from ketaclinic.domain.infusion.vitals import (
    CANONICAL_UNITS,
    Parameter,
    ReadingSource,
    ReadingStatus,
    VitalReading,
)

BASE = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ZONES = (UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-7)))


def _definition(readings: list[VitalReading]) -> list[VitalReading]:
    unique: dict[tuple[object, ...], VitalReading] = {}
    for r in readings:
        key = (r.parameter, r.at, r.value, r.device_id, r.mdc_code)
        unique.pop(key, None)
        unique[key] = r
    return sorted((r for r in unique.values() if r.usable), key=lambda r: r.at)


readings = st.builds(
    lambda p, value, second, zone, status, device, source: VitalReading(
        p,
        Decimal(value),
        CANONICAL_UNITS[p],
        (BASE + timedelta(seconds=second)).astimezone(zone),
        source,
        status,
        device,
        None,
    ),
    st.sampled_from([Parameter.SBP, Parameter.HR, Parameter.PR]),
    st.integers(min_value=60, max_value=63),
    st.integers(min_value=0, max_value=3),
    st.sampled_from(ZONES),
    st.sampled_from([ReadingStatus.FINAL, ReadingStatus.RESULTS_ENTERED, ReadingStatus.DELETED]),
    st.sampled_from([None, "DEV-A"]),
    st.sampled_from([ReadingSource.MONITOR, ReadingSource.STAFF]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(readings, max_size=40))
def test_usable_readings_follow_the_definition(stream: list[VitalReading]) -> None:
    got = _usable(stream)
    want = _definition(stream)
    assert [id(r) for r in got] == [id(r) for r in want]


def test_a_repeat_counts_at_its_last_arrival() -> None:
    def reading(value: int) -> VitalReading:
        unit = CANONICAL_UNITS[Parameter.SBP]
        return VitalReading(Parameter.SBP, Decimal(value), unit, BASE, ReadingSource.MONITOR)

    first, other, again = reading(120), reading(130), reading(120)
    assert _usable([first, other, again]) == [other, again]
    assert _usable([first, other, again])[1] is again
