"""HL7 times the message builder writes: to the second by default, to the millisecond on request,
and read back by the parser to the same instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from ketaclinic.adapters.hl7.builder import hl7_time
from ketaclinic.adapters.hl7.parse import parse_timestamp

AT = datetime(2026, 1, 2, 3, 4, 5, 678_900, tzinfo=timezone(timedelta(hours=2)))


def test_times_are_written_to_the_second_unless_milliseconds_are_asked_for() -> None:
    assert hl7_time(AT) == "20260102010405+0000"
    assert hl7_time(AT, millis=True) == "20260102010405.678+0000"


def test_a_millisecond_time_reads_back_as_the_same_instant() -> None:
    parsed = parse_timestamp(hl7_time(AT, millis=True), naive_tz=UTC)
    assert parsed == AT.replace(microsecond=678_000)
