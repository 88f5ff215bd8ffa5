"""An infusion session's vital signs over time, drawn by ``adapters.charts`` (pure).

:func:`session_vitals_charts` builds two charts from the session's plausible readings: blood
pressure and heart rate (mmHg, /min) and oxygen saturation (%). Each line has its own marker
shape and dash (systolic: filled circles on a solid line, diastolic: open circles on a dashed line,
heart rate: triangles on a dotted line; SpO2: squares), named in the legend. Each chart shows the
dosing window as a shaded band (to now while dosing) and a numbered badge above the plot at each
alarm raised; :func:`session_alarm_key` says what each number stands for, listed under the charts.
The x axis is labelled in the clinic's local time ("HH:MM") on whole minutes, each label once.
Fewer than two reading times: no chart at all (the readings table says it all).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from ketaclinic.adapters.charts import Axis, Chart, Point, Rule, Span, render_svg
from ketaclinic.domain.infusion.records import InfusionSession, StoredAlarm, StoredReading
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import Parameter

#: (parameter, legend label, plain name, unit, marker shape) of each line, per chart; the dash
#: follows the line's place in its chart (solid, dashed, dotted).
PRESSURE_AND_RATE = (
    (Parameter.SBP, "SBP mmHg", "Systolic BP", "mmHg", "circle"),
    (Parameter.DBP, "DBP mmHg", "Diastolic BP", "mmHg", "open-circle"),
    (Parameter.HR, "HR /min", "Heart rate", "/min", "triangle"),
)
SATURATION = ((Parameter.SPO2, "SpO2 %", "SpO2", "%", "square"),)
DOSING_STATES = frozenset({SessionState.INFUSING, SessionState.PAUSED})
MAX_TICKS = 7
#: Minutes between x-axis labels: the smallest that keeps to MAX_TICKS labels.
TICK_STEPS_MIN = (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720)


@dataclass(frozen=True, slots=True)
class _Window:
    """The chart's time span and the session events drawn on it (minutes from ``start``)."""

    start: datetime
    end: datetime
    tz: ZoneInfo
    dosing: tuple[datetime, datetime] | None
    alarms: tuple[tuple[datetime, str], ...]

    def minutes(self, at: datetime) -> float:
        return round((at - self.start).total_seconds() / 60, 2)

    def clock(self, at: datetime) -> str:
        return at.astimezone(self.tz).strftime("%H:%M")

    def axis(self) -> Axis:
        span = self.minutes(self.end) or 1.0
        ticks = tuple((self.minutes(at), self.clock(at)) for at in self.tick_times())
        return Axis("Time", "clinic local time", 0.0, span, ticks)

    def tick_times(self) -> list[datetime]:
        """Whole local minutes, a round step apart, within the window: each label once."""
        span_min = (self.end - self.start).total_seconds() / 60
        step = next((s for s in TICK_STEPS_MIN if span_min / s < MAX_TICKS), TICK_STEPS_MIN[-1])
        local = self.start.astimezone(self.tz)
        whole = local.replace(second=0, microsecond=0)
        whole += timedelta(minutes=int(whole < local))  # the first whole minute in the window
        at = whole + timedelta(minutes=-(whole.hour * 60 + whole.minute) % step)
        times = []
        while at <= self.end:
            times.append(at)
            at += timedelta(minutes=step)
        return times or [self.start]

    def spans(self) -> tuple[Span, ...]:
        if self.dosing is None:
            return ()
        low, high = self.dosing
        label = f"Dosing {self.clock(low)}–{self.clock(high)}"
        return (Span(self.minutes(low), self.minutes(high), label),)

    def rules(self) -> tuple[Rule, ...]:
        return tuple(
            Rule(self.minutes(at), f"Alarm {n} at {self.clock(at)}: {name}", key=str(n))
            for n, (at, name) in enumerate(self.alarms, start=1)
        )

    def describe(self) -> str:
        parts = []
        if self.dosing is not None:
            parts.append(f"Dosing {self.clock(self.dosing[0])} to {self.clock(self.dosing[1])}.")
        parts += [f"{rule.label}." for rule in self.rules()]
        return " ".join(parts)


def dosing_window(session: InfusionSession, now: datetime) -> tuple[datetime, datetime] | None:
    """From dosing start to its end (or the stop), or to ``now`` while dosing or paused."""
    start = session.dosing_started_at
    if start is None:
        return None
    end = session.dosing_ended_at or session.stopped_at
    if end is None:
        end = now if session.state in DOSING_STATES else start
    return (start, max(start, end))


def session_vitals_charts(
    session: InfusionSession,
    readings: Sequence[StoredReading],
    alarms: Sequence[StoredAlarm],
    *,
    tz: ZoneInfo,
    now: datetime,
) -> tuple[Chart, ...]:
    """The session's blood pressure and heart rate chart and its SpO2 chart (those with values);
    nothing when the session has fewer than two reading times."""
    kept = [r.reading for r in readings if r.plausible]
    if len({r.at for r in kept}) < 2:
        return ()
    dosing = dosing_window(session, now)
    raised = _raised(alarms)
    times = [r.at for r in kept] + [at for at, _ in raised]
    if dosing is not None:
        times += list(dosing)
    window = _Window(min(times), max(times), tz, dosing, raised)
    charts = []
    for title, lines in (
        ("Blood pressure and heart rate", PRESSURE_AND_RATE),
        ("Oxygen saturation", SATURATION),
    ):
        series = [
            (line, sorted((r.at, r.value) for r in kept if r.parameter is line[0]))
            for line in lines
        ]
        if any(values for _, values in series):
            charts.append(_chart(window, title, series))
    return tuple(charts)


def _raised(alarms: Sequence[StoredAlarm]) -> tuple[tuple[datetime, str], ...]:
    """The alarms in the order they are numbered: by the time raised."""
    return tuple(sorted((a.raised_at, a.message) for a in alarms))


def session_alarm_key(
    alarms: Sequence[StoredAlarm], *, tz: ZoneInfo
) -> tuple[tuple[str, str, str], ...]:
    """(number, local time, plain message) of each alarm, numbered as on the charts."""
    return tuple(
        (str(n), at.astimezone(tz).strftime("%H:%M"), message)
        for n, (at, message) in enumerate(_raised(alarms), start=1)
    )


Line = tuple[Parameter, str, str, str, str]


def _chart(
    window: _Window, title: str, series: list[tuple[Line, list[tuple[datetime, Decimal]]]]
) -> Chart:
    points = tuple(
        Point(
            window.minutes(at),
            float(value),
            f"{window.clock(at)} {name} {value} {unit}",
            series=i,
        )
        for i, ((_, _, name, unit, _), values) in enumerate(series)
        for at, value in values
    )
    units = ", ".join(dict.fromkeys(unit for (_, _, _, unit, _), _ in series))
    listed = " ".join(
        f"{name} ({unit}): "
        + (", ".join(f"{window.clock(at)} {value}" for at, value in values) or "none")
        + "."
        for (_, _, name, unit, _), values in series
    )
    return Chart(
        title=title,
        description=f"{title} this session. {listed} {window.describe()}".strip(),
        x=window.axis(),
        y=_value_axis(units, [p.y for p in points], percent=units == "%"),
        points=points,
        legend=tuple((label, shape == "open-circle") for (_, label, _, _, shape), _ in series),
        markers=tuple(shape for (_, _, _, _, shape), _ in series),
        spans=window.spans(),
        rules=window.rules(),
    )


def _value_axis(unit: str, values: list[float], *, percent: bool) -> Axis:
    if percent:
        low, high, step = min(85.0, 5 * math.floor(min(values) / 5)), 100.0, 5.0
    else:
        low, high, step = 0.0, max(200.0, 40 * math.ceil(max(values) / 40)), 40.0
    ticks = tuple((v, f"{v:g}") for v in _steps(low, high, step))
    return Axis("Value", unit, low, high, ticks)


def _steps(low: float, high: float, step: float) -> list[float]:
    return [low + step * i for i in range(int((high - low) // step) + 1)]


def session_vitals_svgs(
    session: InfusionSession,
    readings: Sequence[StoredReading],
    alarms: Sequence[StoredAlarm],
    *,
    tz: ZoneInfo,
    now: datetime,
) -> list[str]:
    """:func:`session_vitals_charts` as SVG (the session page's vital signs card)."""
    return [render_svg(c) for c in session_vitals_charts(session, readings, alarms, tz=tz, now=now)]
