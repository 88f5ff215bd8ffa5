"""The one chart drawing: accessible SVG charts for the pages and the printed report (pure).

A chart is data first (``adapters.chart_model``: axes with units, points drawn as a line, as dots,
as a step function or as bars, with optional 95 % CI bars, shaded bands, horizontal thresholds,
vertical marks, a legend and a text alternative), drawn by one renderer, :func:`render_svg`.
Each series of a chart with several is told apart by its marker shape and its line's dash, never
by colour alone, and the legend shows both. A numbered mark (``Rule.key``) is a numbered badge in
a band above the plot, so no text covers the data; the page lists what each number stands for.
The legend sits in its own rows under the x axis (:func:`chart_height` is the drawing's height).
The pages embed the SVG (``role="img"`` with ``<title>`` and ``<desc>``, the same data as a table
beside it); the PDF report embeds the same SVG (fpdf2 ``image``) with its text alternative printed
under it. Every text is XML-escaped.

The clinic's charts built on it are in ``adapters.trajectory_charts`` (a patient's scores),
``adapters.dashboard_charts`` (the clinic outcomes dashboard) and ``adapters.session_charts`` (an
infusion session's vital signs).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from ketaclinic.adapters.chart_model import (
    MARKERS,
    Axis,
    Chart,
    Mark,
    Point,
    Rule,
    Shade,
    Span,
    Threshold,
)

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48
KEY_BAND = 24  # the band above the plot for numbered marks
LEGEND_ROW = 20
CHAR_WIDTH = 6.5  # an 11 px sans-serif character, wide enough for a legend entry
SECONDS_PER_DAY = 86400.0
BAND_FILLS = ("#e8f5e9", "#fffde7", "#fff3e0", "#fbe9e7", "#ffebee")
SPAN_FILL = "#e3f2fd"
WHITE = ' fill="#fff"'


# -- the renderer ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Plot:
    x_axis: Axis
    y_axis: Axis
    top: float = TOP  # below the band of numbered marks, when the chart has any
    base: float = HEIGHT - BOTTOM

    def x(self, value: float) -> float:
        span = (self.x_axis.high - self.x_axis.low) or 1.0
        share = (value - self.x_axis.low) / span
        return round(LEFT + share * (WIDTH - LEFT - RIGHT), 1)

    def y(self, value: float) -> float:
        span = (self.y_axis.high - self.y_axis.low) or 1.0
        share = (value - self.y_axis.low) / span
        return round(self.top + (1 - share) * (self.base - self.top), 1)


def _plot(chart: Chart) -> _Plot:
    band = KEY_BAND if any(r.key for r in chart.rules) else 0
    return _Plot(chart.x, chart.y, TOP + band, HEIGHT - BOTTOM + band)


def chart_height(chart: Chart) -> int:
    """The drawing's height: the plot, the band of numbered marks and the legend's rows."""
    band = KEY_BAND if any(r.key for r in chart.rules) else 0
    return HEIGHT + band + LEGEND_ROW * len(_legend_rows(chart))


def render_svg(chart: Chart, *, for_print: bool = False) -> str:
    """The chart as an SVG document. ``for_print`` leaves out the title, description and hover
    tips (a printed page carries the description as text instead)."""
    plot = _plot(chart)
    body = [
        *(_shade(plot, s, i, for_print) for i, s in enumerate(chart.shades)),
        *(_span(plot, s, for_print) for s in chart.spans),
        *_axes(plot),
        *(_threshold(plot, t) for t in chart.thresholds),
        *(_rule(plot, r, for_print) for r in chart.rules if not r.key),
        *_series(plot, chart, for_print),
        *_keyed(plot, chart.rules, for_print),
        *_legend(chart, plot),
    ]
    return _document(chart, body, for_print)


def _document(chart: Chart, body: list[str], for_print: bool) -> str:
    ident = "chart-" + (re.sub(r"[^a-z0-9]+", "-", chart.title.lower()).strip("-") or "untitled")
    height = chart_height(chart)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="11"'
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
    top, bottom = max(plot.y(shade.high), plot.top), plot.y(shade.low)
    fill = BAND_FILLS[index % len(BAND_FILLS)]
    return (
        f'<rect class="band" x="{LEFT}" y="{top}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{round(bottom - top, 1)}" fill="{fill}">{_tip(shade.label, for_print)}</rect>'
    )


def _span(plot: _Plot, span: Span, for_print: bool) -> str:
    """The band only: its label is a legend entry, never written over the data."""
    left, right = plot.x(span.low), plot.x(span.high)
    return (
        f'<g class="span"><rect x="{left}" y="{plot.top}" width="{round(right - left, 1)}" '
        f'height="{plot.base - plot.top}" fill="{SPAN_FILL}">{_tip(span.label, for_print)}</rect>'
        "</g>"
    )


def _text(x: float, y: float, label: str, anchor: str = "middle", extra: str = "") -> str:
    return f'<text x="{x}" y="{y}" text-anchor="{anchor}"{extra}>{escape(label)}</text>'


def _axes(plot: _Plot) -> list[str]:
    base, right, mid_y = plot.base, WIDTH - RIGHT, round((plot.top + plot.base) / 2)
    parts = [
        f'<line class="axis" x1="{LEFT}" y1="{plot.top}" x2="{LEFT}" y2="{base}" stroke="#333"/>',
        f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{right}" y2="{base}" stroke="#333"/>',
        _text(14, mid_y, plot.y_axis.title, extra=f' transform="rotate(-90 14 {mid_y})"'),
        _text((LEFT + right) // 2, base + BOTTOM - 8, plot.x_axis.title),
    ]
    for value, label in plot.x_axis.ticks:
        x = plot.x(value)
        parts.append(_text(x, base + 16, label, _x_anchor(x), ' class="tick"'))
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


TICK_GAP = 8.0  # px between two x tick labels


def _tick_extent(x: float, label: str) -> tuple[float, float]:
    """Where an x tick label at ``x`` (px) spans, anchored as :func:`_axes` draws it."""
    width = len(label) * CHAR_WIDTH
    anchor = _x_anchor(x)
    if anchor == "start":
        return x, x + width
    if anchor == "end":
        return x - width, x
    return x - width / 2, x + width / 2


def thin_ticks(
    ticks: Sequence[tuple[float, str]], low: float, high: float
) -> tuple[tuple[float, str], ...]:
    """The x ticks whose labels fit side by side on an axis from ``low`` to ``high``.

    Left to right, a tick is kept when its label starts at least :data:`TICK_GAP` px after the
    last kept label ends; the first tick is always kept, and so is the last (the kept ticks just
    before it give way), so the axis shows where the data start and end. Ticks at the same value
    appear once."""
    plot = _Plot(Axis("", "", low, high), Axis("", "", 0.0, 1.0))
    by_value = {value: label for value, label in sorted(ticks, key=lambda t: t[0])}
    ordered = [
        (value, label, _tick_extent(plot.x(value), label)) for value, label in by_value.items()
    ]
    if not ordered:
        return ()
    kept = [ordered[0]]
    for tick in ordered[1:]:
        if tick[2][0] >= kept[-1][2][1] + TICK_GAP:
            kept.append(tick)
    last = ordered[-1]
    if kept[-1] is not last:
        while len(kept) > 1 and last[2][0] < kept[-1][2][1] + TICK_GAP:
            kept.pop()
        if last[2][0] >= kept[-1][2][1] + TICK_GAP:
            kept.append(last)
    return tuple((value, label) for value, label, _ in kept)


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
    return (
        f'<line class="mark" x1="{x}" y1="{plot.top}" x2="{x}" y2="{plot.base}" '
        f'stroke="#6a1b9a" stroke-dasharray="2 2">{_tip(rule.label, for_print)}</line>'
    )


def _keyed(plot: _Plot, rules: tuple[Rule, ...], for_print: bool) -> list[str]:
    """Numbered marks: a thin line through the plot and a numbered badge in the band above it
    (badges that would touch move right, each tied to its line)."""
    parts, free_from = [], float(LEFT)
    for rule in sorted((r for r in rules if r.key), key=lambda r: r.x):
        x = plot.x(rule.x)
        badge = max(x, free_from)
        free_from = badge + 16
        cy = plot.top - KEY_BAND / 2
        parts.append(
            f'<g class="marker" data-key="{escape(rule.key)}">{_rule(plot, rule, for_print)}'
            f'<line x1="{x}" y1="{plot.top}" x2="{badge}" y2="{cy + 7}" stroke="#6a1b9a"/>'
            f'<circle cx="{badge}" cy="{cy}" r="7" fill="#6a1b9a">{_tip(rule.label, for_print)}'
            f"</circle>{_text(badge, cy + 4, rule.key, extra=WHITE)}</g>"
        )
    return parts


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
        shape = _shape(chart, p.series, hollow=p.hollow)
        parts.append(_marker(shape, x, plot.y(p.y), ' class="point"', _tip(p.tip, for_print)))
    return parts


def _shape(chart: Chart, series: int, *, hollow: bool) -> str:
    if chart.markers:
        return chart.markers[series % len(chart.markers)]
    return "open-circle" if hollow else "circle"


def _marker(shape: str, x: float, y: float, attrs: str, tip: str = "") -> str:
    """One marker of ``shape`` centred on (x, y), 8-10 px across, black (open: white inside)."""
    paint = (
        ' fill="#fff" stroke="#000" stroke-width="2"' if shape == "open-circle" else ' fill="#000"'
    )
    tagged = f'{attrs} data-marker="{shape}"{paint}'
    if shape in ("circle", "open-circle"):
        return f'<circle{tagged} cx="{x}" cy="{y}" r="4">{tip}</circle>'
    if shape == "square":
        return f'<rect{tagged} x="{x - 4}" y="{y - 4}" width="8" height="8">{tip}</rect>'
    corners = {
        "triangle": ((0, -5), (5, 4), (-5, 4)),
        "diamond": ((0, -5), (5, 0), (0, 5), (-5, 0)),
    }[shape]
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{round(x + dx, 1)},{round(y + dy, 1)}"
        for i, (dx, dy) in enumerate(corners)
    )
    return f'<path{tagged} d="{path} Z">{tip}</path>'


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


_Entry = tuple[str, str]  # (label, sample: a series index as text, or "span")


def _legend_rows(chart: Chart) -> list[list[tuple[float, _Entry]]]:
    """The legend's entries (each series, then each shaded span) placed left to right in rows
    as wide as the drawing."""
    entries: list[_Entry] = [(label, str(i)) for i, (label, _) in enumerate(chart.legend)]
    entries += [(s.label, "span") for s in chart.spans] if chart.legend else []
    rows: list[list[tuple[float, _Entry]]] = []
    x = float(WIDTH)
    for entry in entries:
        width = 44 + CHAR_WIDTH * len(entry[0])
        if x + width > WIDTH - RIGHT:
            rows.append([])
            x = 8.0
        rows[-1].append((x, entry))
        x += width
    return rows


def _legend(chart: Chart, plot: _Plot) -> list[str]:
    """Each series' marker on a sample of its line, in rows under the x axis title."""
    parts = []
    for row, entries in enumerate(_legend_rows(chart)):
        y = plot.base + BOTTOM + LEGEND_ROW * row + 6
        for x, (label, sample) in entries:
            parts.append(
                f'<g class="legend">{_sample(chart, sample, x, y)}'
                f"{_text(x + 24, y + 4, label, 'start')}</g>"
            )
    return parts


def _sample(chart: Chart, sample: str, x: float, y: float) -> str:
    if sample == "span":
        return (
            f'<rect x="{x}" y="{y - 6}" width="20" height="12" fill="{SPAN_FILL}" stroke="#999"/>'
        )
    series = int(sample)
    hollow = chart.legend[series][1]
    line = ""
    if chart.connected and any(p.series for p in chart.points):
        line = f'<line x1="{x}" y1="{y}" x2="{x + 20}" y2="{y}" stroke="#000"{_dash(series)}/>'
    return line + _marker(_shape(chart, series, hollow=hollow), x + 10, y, "")


__all__ = [
    "MARKERS",
    "SECONDS_PER_DAY",
    "Axis",
    "Chart",
    "Mark",
    "Point",
    "Rule",
    "Shade",
    "Span",
    "Threshold",
    "chart_height",
    "render_svg",
    "thin_ticks",
]
