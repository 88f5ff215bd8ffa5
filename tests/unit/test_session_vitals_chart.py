"""The session page's vital-sign charts: blood pressure and heart rate beside SpO2, each line with
its own marker shape and dash named in the legend, the dosing window as a band between its start
and end (to now while dosing), a numbered badge above the plot at each alarm (its key listed under
the charts), unique x-axis labels in the clinic's local time, and no chart at all below two
reading times."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from ketaclinic.adapters.charts import render_svg
from ketaclinic.adapters.session_charts import session_alarm_key, session_vitals_charts
from ketaclinic.domain.infusion.records import InfusionSession, StoredAlarm, StoredReading
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 15:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")
SVG = "{http://www.w3.org/2000/svg}"
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


def test_an_alarm_is_numbered_above_the_plot_and_keyed_under_the_charts() -> None:
    alarms = [_alarm(40, "SBP 200 mmHg or above"), _alarm(25, "SpO2 below 92 %")]
    bp, spo2 = session_vitals_charts(SESSION, _readings(0, 60), alarms, tz=BERLIN, now=T0)
    for chart in (bp, spo2):
        first, second = chart.rules
        assert (first.x, first.key, second.x, second.key) == (25.0, "1", 40.0, "2")
        assert first.label == "Alarm 1 at 15:25: SpO2 below 92 %"
    assert session_alarm_key(alarms, tz=BERLIN) == (
        ("1", "15:25", "SpO2 below 92 %"),
        ("2", "15:40", "SBP 200 mmHg or above"),
    )
    assert "Alarm 1 at 15:25: SpO2 below 92 %. Alarm 2 at 15:40" in spo2.description
    svg = render_svg(spo2)
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and '<title id="chart-oxygen-saturation-title">' in svg
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert not [t for t in texts if "SpO2 below" in t]  # no alarm text written over the data
    axis_top = min(
        float(a.get("y1", "0")) for a in root.iter(f"{SVG}line") if a.get("class") == "axis"
    )
    badges = [g for g in root.iter(f"{SVG}g") if g.get("class") == "marker"]
    assert [g.get("data-key") for g in badges] == ["1", "2"]
    for g in badges:
        circle = g.find(f"{SVG}circle")
        assert circle is not None and float(circle.get("cy", "0")) + 7 <= axis_top
    points = [
        float(e.get("cy") or e.get("y") or 0) for e in root.iter() if e.get("class") == "point"
    ]
    assert points and min(points) >= axis_top


def test_no_chart_below_two_reading_times() -> None:
    assert session_vitals_charts(SESSION, [], [], tz=BERLIN, now=T0) == ()
    assert session_vitals_charts(SESSION, _readings(5), [_alarm(6, "x")], tz=BERLIN, now=T0) == ()
    implausible = [replace(r, plausible=False) for r in _readings(30)]
    assert session_vitals_charts(SESSION, _readings(5) + implausible, [], tz=BERLIN, now=T0) == ()


def test_a_chart_without_any_of_its_values_is_left_out() -> None:
    only_bp = [r for r in _readings(0, 30) if r.reading.parameter is not Parameter.SPO2]
    (bp,) = session_vitals_charts(SESSION, only_bp, [], tz=BERLIN, now=T0)
    assert bp.title == "Blood pressure and heart rate"


def _markers_by_series(svg: str) -> dict[str, set[str]]:
    """Each point's marker shape, by the series named first in its hover tip."""
    shapes: dict[str, set[str]] = {}
    for e in ET.fromstring(svg).iter():
        if e.get("class") == "point":
            tip = e.findtext(f"{SVG}title") or ""
            name = "HR" if "Heart rate" in tip else tip.split()[1]
            shapes.setdefault(name, set()).add(e.get("data-marker", ""))
    return shapes


def test_each_line_has_its_own_marker_and_dash_named_in_the_legend() -> None:
    bp, spo2 = session_vitals_charts(SESSION, _readings(0, 30), [], tz=BERLIN, now=T0)
    svg = render_svg(bp)
    assert svg.count('<polyline class="series"') == 3
    assert 'stroke-dasharray="6 3"/>' in svg and 'stroke-dasharray="2 2"/>' in svg
    shapes = _markers_by_series(svg)
    assert shapes == {"Systolic": {"circle"}, "Diastolic": {"open-circle"}, "HR": {"triangle"}}
    legend = [g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("class") == "legend"]
    drawn = [
        ([e.get("data-marker") for e in g if e.get("data-marker")], g.findtext(f"{SVG}text"))
        for g in legend
    ]
    assert drawn == [
        (["circle"], "SBP mmHg"),
        (["open-circle"], "DBP mmHg"),
        (["triangle"], "HR /min"),
        ([], "Dosing 15:10–15:50"),
    ]
    assert _markers_by_series(render_svg(spo2)) == {"SpO2": {"square"}}


def _tick_labels(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [t.text or "" for t in root.iter(f"{SVG}text") if t.get("class") == "tick"]


def test_a_short_session_labels_each_local_minute_once() -> None:
    short = replace(SESSION, dosing_started_at=None, dosing_ended_at=None)
    bp, _ = session_vitals_charts(short, _readings(0, 3), [], tz=BERLIN, now=T0)
    assert _tick_labels(render_svg(bp)) == ["15:00", "15:01", "15:02", "15:03"]


def test_ticks_fall_on_round_local_minutes_in_the_clinics_zone() -> None:
    start = T0 + timedelta(minutes=2, seconds=30)
    late = replace(SESSION, dosing_started_at=start, dosing_ended_at=start + timedelta(minutes=40))
    readings = [r for r in _readings(3, 45) if r.reading.parameter is Parameter.SBP]
    kathmandu = ZoneInfo("Asia/Kathmandu")  # UTC+05:45
    (bp,) = session_vitals_charts(late, readings, [], tz=kathmandu, now=T0)
    labels = _tick_labels(render_svg(bp))
    assert labels == ["19:50", "20:00", "20:10", "20:20", "20:30"]  # 19:47:30 to 20:30
    assert bp.x.ticks[0][0] == 2.5  # 19:50 local is 2.5 minutes into the window
