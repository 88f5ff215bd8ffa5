"""The words of the overdue-vitals and data-missing alarms: spans of time in seconds, minutes or
hours and minutes, never a reading's value with a time unit."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.infusion.alarm_conditions import (
    OVERDUE,
    VitalsSchedule,
    _data_missing_text,
    _overdue_text,
    elapsed_words,
)
from ketaclinic.domain.infusion.records import StoredAlarm
from ketaclinic.domain.protocols.sections import AlertKind
from ketaclinic.services.infusion.discharge import _reading_words

T0 = datetime(2026, 12, 7, 7, 43, tzinfo=UTC)
ADULT = shipped_protocol("adult-iv-induction")


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        ("0", "0 s"),
        ("44.6", "45 s"),
        ("60", "1 min"),
        ("954", "16 min"),
        ("3600", "1 h"),
        ("57024", "15 h 50 min"),
        ("56424", "15 h 40 min"),
    ],
)
def test_a_span_of_time_reads_in_seconds_minutes_or_hours_and_minutes(
    seconds: str, words: str
) -> None:
    assert elapsed_words(Decimal(seconds)) == words


def test_an_overdue_message_says_how_late_in_minutes_or_hours() -> None:
    schedule = VitalsSchedule(15, T0)
    assert _overdue_text(schedule, Decimal("15.9")) == "SBP due every 15 min, 16 min late"
    assert _overdue_text(schedule, Decimal("940.4")) == "SBP due every 15 min, 15 h 40 min late"


def test_a_data_missing_message_says_the_gap_in_hours_and_minutes() -> None:
    rule = next(r for r in ADULT.monitoring.alert_rules if r.kind is AlertKind.DATA_MISSING)
    words = _data_missing_text(rule, Decimal(57024))
    assert "(none for 15 h 50 min)" in words and "57024" not in words


def test_an_overdue_alarm_shows_the_last_reading_in_its_own_unit_not_minutes() -> None:
    rule = next(r for r in ADULT.monitoring.alert_rules if r.parameter == OVERDUE)
    alarm = StoredAlarm(
        id=1,
        clinic_id=1,
        session_id=1,
        patient_id=1,
        rule_id=rule.id,
        dedup_key="k",
        parameter=OVERDUE,
        severity="low",
        action="notify",
        message="SBP due every 15 min, 16 min late",
        source="sweep",
        needs_signoff=False,
        triggering=(("sbp", Decimal(134), T0),),
        raised_at=T0,
    )
    units = {rule.id: rule.unit, "sbp": "mmHg"}
    assert _reading_words(alarm, units, ZoneInfo("UTC")) == "SBP overdue: last 134 mmHg at 07:43"
