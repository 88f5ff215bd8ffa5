"""Accessible SVG chart of one instrument's scores over time (pure: no I/O, no clock).

The SVG carries ``role="img"``, a ``<title>`` and a ``<desc>`` summarizing the data, labelled axes
with units, shaded severity bands, horizontal threshold lines (response, remission) and vertical
marks for infusion dates. Every text is XML-escaped. The same data should be shown as a table
next to the chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from ketaclinic.domain.instruments.model import Band
from ketaclinic.domain.instruments.trajectory import ScorePoint

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48
BAND_FILLS = ("#e8f5e9", "#fffde7", "#fff3e0", "#fbe9e7", "#ffebee")


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
class _Frame:
    start: datetime
    end: datetime
    score_max: int

    def x(self, at: datetime) -> float:
        span = (self.end - self.start).total_seconds() or 1.0
        share = (at - self.start).total_seconds() / span
        return round(LEFT + share * (WIDTH - LEFT - RIGHT), 1)

    def y(self, score: float) -> float:
        share = score / (self.score_max or 1)
        return round(TOP + (1 - share) * (HEIGHT - TOP - BOTTOM), 1)


def render_trajectory_svg(
    points: Sequence[ScorePoint],
    bands: Sequence[Band],
    thresholds: Sequence[Threshold],
    marks: Sequence[Mark],
    *,
    title: str,
    score_max: int,
    unit: str = "points",
) -> str:
    """The chart as an SVG document string (see module docstring)."""
    ordered = sorted(points, key=lambda p: p.at)
    times = [p.at for p in ordered] + [m.at for m in marks]
    if not times:
        return _svg(title, "No scores recorded yet.", [])
    frame = _Frame(min(times), max(times), score_max)
    body = [
        *(_band(frame, band, i) for i, band in enumerate(bands)),
        *_axes(frame, unit),
        *(_threshold(frame, t) for t in thresholds),
        *(_mark(frame, m) for m in marks),
        *_series(frame, ordered, unit),
    ]
    return _svg(title, _describe(ordered, unit), body)


def _svg(title: str, desc: str, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'aria-labelledby="chart-title chart-desc" font-family="sans-serif" font-size="11">'
    )
    return "\n".join(
        [
            head,
            f'<title id="chart-title">{escape(title)}</title>',
            f'<desc id="chart-desc">{escape(desc)}</desc>',
            *body,
            "</svg>",
        ]
    )


def _describe(points: Sequence[ScorePoint], unit: str) -> str:
    if not points:
        return "No scores recorded yet."
    first, last = points[0], points[-1]
    return (
        f"{len(points)} scores from {first.at.date().isoformat()} ({first.total} {unit}) "
        f"to {last.at.date().isoformat()} ({last.total} {unit})."
    )


def _band(frame: _Frame, band: Band, index: int) -> str:
    top, bottom = frame.y(band.max_score + 1), frame.y(band.min_score)
    top = max(top, TOP)
    fill = BAND_FILLS[index % len(BAND_FILLS)]
    return (
        f'<rect class="band" x="{LEFT}" y="{top}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{round(bottom - top, 1)}" fill="{fill}"><title>{escape(band.label)} '
        f"({band.min_score}–{band.max_score})</title></rect>"
    )


def _axes(frame: _Frame, unit: str) -> list[str]:
    base, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    return [
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}" stroke="#333"/>',
        f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{right}" y2="{base}" stroke="#333"/>',
        f'<text x="12" y="{TOP + 8}" transform="rotate(-90 12 {TOP + 8})" '
        f'text-anchor="end">Score ({escape(unit)})</text>',
        f'<text x="{(LEFT + right) // 2}" y="{HEIGHT - 8}" text-anchor="middle">Date (UTC)</text>',
        f'<text x="{LEFT - 4}" y="{base}" text-anchor="end">0</text>',
        f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">{frame.score_max}</text>',
        f'<text x="{LEFT}" y="{base + 16}">{frame.start.date().isoformat()}</text>',
        f'<text x="{right}" y="{base + 16}" text-anchor="end">'
        f"{frame.end.date().isoformat()}</text>",
    ]


def _threshold(frame: _Frame, threshold: Threshold) -> str:
    y = frame.y(threshold.score)
    return (
        f'<g class="threshold"><line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" '
        'stroke="#1565c0" stroke-dasharray="6 3"/>'
        f'<text x="{WIDTH - RIGHT - 4}" y="{y - 3}" text-anchor="end">'
        f"{escape(threshold.label)} ({threshold.score:g})</text></g>"
    )


def _mark(frame: _Frame, mark: Mark) -> str:
    x = frame.x(mark.at)
    return (
        f'<line class="mark" x1="{x}" y1="{TOP}" x2="{x}" y2="{HEIGHT - BOTTOM}" stroke="#6a1b9a" '
        f'stroke-dasharray="2 2"><title>{escape(mark.label)} {mark.at.date().isoformat()}'
        "</title></line>"
    )


def _series(frame: _Frame, points: Sequence[ScorePoint], unit: str) -> list[str]:
    coords = " ".join(f"{frame.x(p.at)},{frame.y(p.total)}" for p in points)
    dots = [
        f'<circle class="point" cx="{frame.x(p.at)}" cy="{frame.y(p.total)}" r="4" fill="#000">'
        f"<title>{p.at.date().isoformat()}: {p.total} {escape(unit)}</title></circle>"
        for p in points
    ]
    return [f'<polyline class="series" points="{coords}" fill="none" stroke="#000"/>', *dots]
