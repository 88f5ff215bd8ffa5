"""The one chart drawing: accessible SVG charts for the pages and the printed report (pure).

A chart is data first (:class:`Chart`: two labelled axes with units, points with optional 95 % CI
bars drawn as a line, as dots, as a step function or as bars, shaded bands, horizontal
thresholds, vertical marks, a legend, and a text alternative), drawn by one renderer,
:func:`render_svg`. The pages embed the SVG (``role="img"`` with ``<title>`` and ``<desc>``, the
same data as a table beside it); the PDF report embeds the same SVG (fpdf2 ``image``) with its
text alternative printed under it. Every text is XML-escaped.

The clinic's charts built on it are in ``adapters.trajectory_charts`` (a patient's scores) and
``adapters.dashboard_charts`` (the clinic outcomes dashboard).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48
BAND_FILLS = ("#e8f5e9", "#fffde7", "#fff3e0", "#fbe9e7", "#ffebee")
SECONDS_PER_DAY = 86400.0


# -- the model ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Axis:
    """An axis from ``low`` to ``high`` (data units) with its label, unit and tick labels."""

    label: str
    unit: str
    low: float
    high: float
    ticks: tuple[tuple[float, str], ...] = ()
    note: str = ""  # e.g. ", 95 % CI"

    @property
    def title(self) -> str:
        unit = f" ({self.unit})" if self.unit else ""
        return f"{self.label}{unit}{self.note}"


@dataclass(frozen=True, slots=True)
class Point:
    """One value; ``ci_low``/``ci_high`` draw a 95 % confidence-interval bar."""

    x: float
    y: float
    tip: str
    ci_low: float | None = None
    ci_high: float | None = None
    hollow: bool = False  # the second series of a chart: an open circle (see ``Chart.legend``)
    series: int = 0  # which line of a chart with several (``Chart.legend`` in the same order)


@dataclass(frozen=True, slots=True)
class Shade:
    """A shaded horizontal band from ``low`` to ``high`` (e.g. an instrument severity band)."""

    low: float
    high: float
    label: str


@dataclass(frozen=True, slots=True)
class Threshold:
    """A horizontal line at ``score`` (e.g. response at 50 % of baseline, remission cut)."""

    label: str
    score: float


@dataclass(frozen=True, slots=True)
class Mark:
    """A vertical marker at ``at`` (e.g. an infusion)."""

    label: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Rule:
    """A vertical marker at ``x`` in axis units (a :class:`Mark` placed on the axis);
    ``shown`` writes its label along it (e.g. an alarm), not only as a hover tip."""

    x: float
    label: str
    shown: bool = False


@dataclass(frozen=True, slots=True)
class Span:
    """A shaded vertical band from ``low`` to ``high`` on the x axis, labelled (e.g. dosing)."""

    low: float
    high: float
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything drawn, and ``description``: the text alternative of the whole chart."""

    title: str
    description: str
    x: Axis
    y: Axis
    points: tuple[Point, ...]
    connected: bool = True
    step: bool = False  # connected as a step function (e.g. a Kaplan-Meier curve)
    bars: bool = False  # each point as a bar from the axis (e.g. drop-out by session)
    legend: tuple[tuple[str, bool], ...] = ()  # (label, hollow) for each series
    shades: tuple[Shade, ...] = ()
    thresholds: tuple[Threshold, ...] = ()
    rules: tuple[Rule, ...] = ()
    spans: tuple[Span, ...] = ()


# -- the renderer ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Plot:
    x_axis: Axis
    y_axis: Axis

    def x(self, value: float) -> float:
        span = (self.x_axis.high - self.x_axis.low) or 1.0
        share = (value - self.x_axis.low) / span
        return round(LEFT + share * (WIDTH - LEFT - RIGHT), 1)

    def y(self, value: float) -> float:
        span = (self.y_axis.high - self.y_axis.low) or 1.0
        share = (value - self.y_axis.low) / span
        return round(TOP + (1 - share) * (HEIGHT - TOP - BOTTOM), 1)


def render_svg(chart: Chart, *, for_print: bool = False) -> str:
    """The chart as an SVG document. ``for_print`` leaves out the title, description and hover
    tips (a printed page carries the description as text instead)."""
    plot = _Plot(chart.x, chart.y)
    body = [
        *(_shade(plot, s, i, for_print) for i, s in enumerate(chart.shades)),
        *(_span(plot, s, for_print) for s in chart.spans),
        *_axes(plot),
        *(_threshold(plot, t) for t in chart.thresholds),
        *(_rule(plot, r, for_print) for r in chart.rules),
        *_series(plot, chart, for_print),
        *_legend(chart),
    ]
    return _document(chart, body, for_print)


def _document(chart: Chart, body: list[str], for_print: bool) -> str:
    ident = "chart-" + (re.sub(r"[^a-z0-9]+", "-", chart.title.lower()).strip("-") or "untitled")
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="11"'
    )
    if for_print:
        return "\n".join([head + ">", *body, "</svg>"])
    return "\n".join(
        [
            head + f' role="img" aria-labelledby="{ident}-title {ident}-desc">',
            f'<title id="{ident}-title">{escape(chart.title)}</title>',
            f'<desc id="{ident}-desc">{escape(chart.description)}</desc>',
            *body,
            "</svg>",
        ]
    )


def _tip(text: str, for_print: bool) -> str:
    return "" if for_print else f"<title>{escape(text)}</title>"


def _shade(plot: _Plot, shade: Shade, index: int, for_print: bool) -> str:
    top, bottom = max(plot.y(shade.high), TOP), plot.y(shade.low)
    fill = BAND_FILLS[index % len(BAND_FILLS)]
    return (
        f'<rect class="band" x="{LEFT}" y="{top}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{round(bottom - top, 1)}" fill="{fill}">{_tip(shade.label, for_print)}</rect>'
    )


def _span(plot: _Plot, span: Span, for_print: bool) -> str:
    left, right = plot.x(span.low), plot.x(span.high)
    return (
        f'<g class="span"><rect x="{left}" y="{TOP}" width="{round(right - left, 1)}" '
        f'height="{HEIGHT - BOTTOM - TOP}" fill="#e3f2fd">{_tip(span.label, for_print)}</rect>'
        f"{_text(round(left + 3, 1), TOP + 11, span.label, 'start')}</g>"
    )


def _text(x: float, y: float, label: str, anchor: str = "middle", extra: str = "") -> str:
    return f'<text x="{x}" y="{y}" text-anchor="{anchor}"{extra}>{escape(label)}</text>'


def _axes(plot: _Plot) -> list[str]:
    base, right, mid_y = HEIGHT - BOTTOM, WIDTH - RIGHT, (TOP + HEIGHT - BOTTOM) // 2
    parts = [
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}" stroke="#333"/>',
        f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{right}" y2="{base}" stroke="#333"/>',
        _text(14, mid_y, plot.y_axis.title, extra=f' transform="rotate(-90 14 {mid_y})"'),
        _text((LEFT + right) // 2, HEIGHT - 8, plot.x_axis.title),
    ]
    for value, label in plot.x_axis.ticks:
        parts.append(_text(plot.x(value), base + 16, label, _x_anchor(plot.x(value))))
    for value, label in plot.y_axis.ticks:
        y = plot.y(value)
        parts.append(_text(LEFT - 4, round(y + 4, 1), label, "end"))
        if value != plot.y_axis.low:
            parts.append(
                f'<line class="grid" x1="{LEFT}" y1="{y}" x2="{right}" y2="{y}" stroke="#ccc"/>'
            )
    return parts


def _x_anchor(x: float) -> str:
    if x <= LEFT + 1:
        return "start"
    return "end" if x >= WIDTH - RIGHT - 1 else "middle"


def _threshold(plot: _Plot, threshold: Threshold) -> str:
    y = plot.y(threshold.score)
    label = _text(
        WIDTH - RIGHT - 4, round(y - 3, 1), f"{threshold.label} ({threshold.score:g})", "end"
    )
    return (
        f'<g class="threshold"><line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" '
        f'stroke="#1565c0" stroke-dasharray="6 3"/>{label}</g>'
    )


def _rule(plot: _Plot, rule: Rule, for_print: bool) -> str:
    x = plot.x(rule.x)
    line = (
        f'<line class="mark" x1="{x}" y1="{TOP}" x2="{x}" y2="{HEIGHT - BOTTOM}" '
        f'stroke="#6a1b9a" stroke-dasharray="2 2">{_tip(rule.label, for_print)}</line>'
    )
    if not rule.shown:
        return line
    at = f"{round(x - 3, 1)} {TOP + 16}"
    label = _text(round(x - 3, 1), TOP + 16, rule.label, "end", f' transform="rotate(-90 {at})"')
    return f'<g class="marker">{line}{label}</g>'


def _series(plot: _Plot, chart: Chart, for_print: bool) -> list[str]:
    if chart.bars:
        return [_bar(plot, p, for_print) for p in chart.points]
    parts = []
    for series in sorted({p.series for p in chart.points} if chart.connected else ()):
        coords = " ".join(f"{x},{y}" for x, y in _line(plot, chart, series))
        parts.append(
            f'<polyline class="series" points="{coords}" fill="none" stroke="#000"{_dash(series)}/>'
        )
    for p in chart.points:
        x = plot.x(p.x)
        if p.ci_low is not None and p.ci_high is not None:
            low, high = plot.y(p.ci_low), plot.y(p.ci_high)
            parts.append(
                f'<line class="ci" x1="{x}" y1="{low}" x2="{x}" y2="{high}" stroke="#000"/>'
            )
            parts.extend(
                f'<line class="ci-cap" x1="{x - 4}" y1="{y}" x2="{x + 4}" y2="{y}" stroke="#000"/>'
                for y in (low, high)
            )
        fill = ' fill="#fff" stroke="#000" stroke-width="2"' if p.hollow else ' fill="#000"'
        parts.append(
            f'<circle class="point" cx="{x}" cy="{plot.y(p.y)}" r="4"{fill}>'
            f"{_tip(p.tip, for_print)}</circle>"
        )
    return parts


def _dash(series: int) -> str:
    """Series after the first are told apart by their dash, not by colour alone."""
    dashes = ("", "6 3", "2 2", "8 2 2 2")
    dash = dashes[series % len(dashes)]
    return f' stroke-dasharray="{dash}"' if dash else ""


def _line(plot: _Plot, chart: Chart, series: int) -> list[tuple[float, float]]:
    coords = [(plot.x(p.x), plot.y(p.y)) for p in chart.points if p.series == series]
    if not chart.step:
        return coords
    stepped = coords[:1]
    for x, y in coords[1:]:
        stepped += [(x, stepped[-1][1]), (x, y)]
    return stepped


def _bar(plot: _Plot, p: Point, for_print: bool) -> str:
    left, right = plot.x(p.x - 0.3), plot.x(p.x + 0.3)
    top, base = plot.y(p.y), plot.y(plot.y_axis.low)
    return (
        f'<rect class="bar" x="{left}" y="{top}" width="{round(right - left, 1)}" '
        f'height="{round(base - top, 1)}" fill="#005eb8">{_tip(p.tip, for_print)}</rect>'
    )


def _legend(chart: Chart) -> list[str]:
    """The series, side by side in the bottom-left corner (under the tick labels)."""
    parts, y = [], HEIGHT - 12
    for i, (label, hollow) in enumerate(chart.legend):
        x = 8 + 96 * i
        fill = 'fill="#fff" stroke="#000" stroke-width="2"' if hollow else 'fill="#000"'
        sample = ""
        if chart.connected and any(p.series for p in chart.points):
            sample = f'<line x1="{x - 2}" y1="{y}" x2="{x + 10}" y2="{y}" stroke="#000"{_dash(i)}/>'
        parts.append(
            f'<g class="legend">{sample}<circle cx="{x + 4}" cy="{y}" r="4" {fill}/>'
            f"{_text(x + 12, y + 4, label, 'start')}</g>"
        )
    return parts


__all__ = [
    "Axis",
    "Chart",
    "Mark",
    "Point",
    "Rule",
    "Shade",
    "Span",
    "Threshold",
    "render_svg",
]
