"""The session page's vital-sign charts: blood pressure and heart rate beside SpO2, the dosing
window as a band between its start and end (to now while dosing), a labelled marker at each alarm,
times in the clinic's local time, and no chart at all below two reading times."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from ketaclinic.adapters.charts import render_svg
from ketaclinic.adapters.session_charts import session_vitals_charts
from ketaclinic.domain.infusion.records import InfusionSession, StoredAlarm, StoredReading
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 15:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")
SESSION = InfusionSession(
    id=1,
    clinic_id=1,
    course_id=1,
    patient_id=1,
    chair_id=1,
    state=SessionState.RECOVERY,
    monitor_device_id=None,
    attendant_id=None,
    prescriber_id=None,
    scheduled_for=None,
    created_at=T0,
    dosing_started_at=T0 + timedelta(minutes=10),
    dosing_ended_at=T0 + timedelta(minutes=50),
)


def _reading(minute: int, parameter: Parameter, value: int) -> StoredReading:
    reading = VitalReading(
        parameter, Decimal(value), "", T0 + timedelta(minutes=minute), ReadingSource.STAFF
    )
    return StoredReading(minute, 1, reading, reading.at, True, None)


def _readings(*minutes: int) -> list[StoredReading]:
    return [
        _reading(m, p, v)
        for m in minutes
        for p, v in (
            (Parameter.SBP, 120),
            (Parameter.DBP, 80),
            (Parameter.HR, 70),
            (Parameter.SPO2, 97),
        )
    ]


def _alarm(minute: int, message: str) -> StoredAlarm:
    return StoredAlarm(
        id=1,
        clinic_id=1,
        session_id=1,
        patient_id=1,
        rule_id="spo2_low",
        dedup_key="k",
        parameter="spo2",
        severity="high",
        action="notify",
        message=message,
        source="clinical.md",
        needs_signoff=False,
        triggering=(),
        raised_at=T0 + timedelta(minutes=minute),
    )


def test_both_charts_carry_their_series_units_and_local_times() -> None:
    bp, spo2 = session_vitals_charts(SESSION, _readings(0, 30, 60), [], tz=BERLIN, now=T0)
    assert [label for label, _ in bp.legend] == ["SBP mmHg", "DBP mmHg", "HR /min"]
    assert {p.series for p in bp.points} == {0, 1, 2} and len(bp.points) == 9
    assert bp.y.unit == "mmHg, /min" and spo2.y.unit == "%"
    assert [label for label, _ in spo2.legend] == ["SpO2 %"]
    assert bp.x.ticks[0][1] == "15:00" and bp.x.ticks[-1][1] == "16:00"
    assert "Systolic BP (mmHg): 15:00 120, 15:30 120, 16:00 120." in bp.description


def test_the_dosing_window_lies_between_its_start_and_end() -> None:
    bp, _ = session_vitals_charts(SESSION, _readings(0, 60), [], tz=BERLIN, now=T0)
    (span,) = bp.spans
    assert (span.low, span.high) == (10.0, 50.0) and span.label == "Dosing 15:10–15:50"
    assert "Dosing 15:10 to 15:50." in bp.description


def test_while_dosing_the_window_runs_to_now() -> None:
    dosing = replace(SESSION, state=SessionState.INFUSING, dosing_ended_at=None)
    now = T0 + timedelta(minutes=40)
    bp, _ = session_vitals_charts(dosing, _readings(0, 20), [], tz=BERLIN, now=now)
    (span,) = bp.spans
    assert (span.low, span.high) == (10.0, 40.0) and bp.x.high == 40.0


def test_an_alarm_is_marked_at_its_time_with_its_plain_name() -> None:
    alarm = _alarm(25, "SpO2 below 92 %")
    bp, spo2 = session_vitals_charts(SESSION, _readings(0, 60), [alarm], tz=BERLIN, now=T0)
    for chart in (bp, spo2):
        (rule,) = chart.rules
        assert rule.x == 25.0 and rule.label == "15:25 SpO2 below 92 %" and rule.shown
    svg = render_svg(spo2)
    assert 'role="img"' in svg and '<title id="chart-oxygen-saturation-title">' in svg
    assert "15:25 SpO2 below 92 %</text>" in svg and 'class="span"' in svg


def test_no_chart_below_two_reading_times() -> None:
    assert session_vitals_charts(SESSION, [], [], tz=BERLIN, now=T0) == ()
    assert session_vitals_charts(SESSION, _readings(5), [_alarm(6, "x")], tz=BERLIN, now=T0) == ()
    implausible = [replace(r, plausible=False) for r in _readings(30)]
    assert session_vitals_charts(SESSION, _readings(5) + implausible, [], tz=BERLIN, now=T0) == ()


def test_a_chart_without_any_of_its_values_is_left_out() -> None:
    only_bp = [r for r in _readings(0, 30) if r.reading.parameter is not Parameter.SPO2]
    (bp,) = session_vitals_charts(SESSION, only_bp, [], tz=BERLIN, now=T0)
    assert bp.title == "Blood pressure and heart rate"


def test_each_line_is_drawn_on_its_own_and_told_apart_by_its_dash() -> None:
    bp, _ = session_vitals_charts(SESSION, _readings(0, 30), [], tz=BERLIN, now=T0)
    svg = render_svg(bp)
    assert svg.count('<polyline class="series"') == 3
    assert 'stroke-dasharray="6 3"/>' in svg and 'stroke-dasharray="2 2"/>' in svg
    assert bp.legend[1] == ("DBP mmHg", True) and all(p.hollow for p in bp.points if p.series == 1)
