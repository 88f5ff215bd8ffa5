"""Readable SVG charts for outcomes: labelled axes with units, points, 95 % CI bars.

Each chart is also shown as a table beside it; the SVG is decorative-plus (``role="img"`` with a
text alternative). Only numbers and fixed labels go into the markup; text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from ketaclinic.domain.analytics import TrajectoryPoint
from ketaclinic.services.outcome_review import CourseReview

W, H, LEFT, BOTTOM, TOP, RIGHT = 520, 260, 56, 40, 16, 16


def _scale(lo: float, hi: float, size: float, flip: bool) -> tuple[float, float]:
    span = (hi - lo) or 1.0
    return (
        (-size / span, H - BOTTOM + lo * size / span)
        if flip
        else (size / span, LEFT - lo * size / span)
    )


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str = "currentColor") -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}"/>'


def _circle(x: float, y: float, r: float, tip: str) -> str:
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}"><title>{escape(tip)}</title></circle>'


def _text(x: float, y: float, label: str, anchor: str = "middle") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(label)}</text>'


def _axes(
    x_label: str,
    y_label: str,
    x_ticks: Sequence[tuple[float, str]],
    y_ticks: Sequence[tuple[float, str]],
) -> list[str]:
    parts = [
        _line(LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM),
        _line(LEFT, TOP, LEFT, H - BOTTOM),
        _text((LEFT + W - RIGHT) / 2, H - 6, x_label),
        f'<text x="14" y="{(TOP + H - BOTTOM) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {(TOP + H - BOTTOM) / 2})">{escape(y_label)}</text>',
    ]
    for x, label in x_ticks:
        parts.append(
            f'<text x="{x:.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{escape(label)}</text>'
        )
    for y, label in y_ticks:
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(label)}</text>'
        )
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" stroke="#ccc"/>'
        )
    return parts


def _svg(title: str, parts: list[str]) -> Markup:
    body = "".join(parts)
    return Markup(  # noqa: S704 - every interpolated value is a number or escaped text
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _y_ticks(hi: float) -> list[float]:
    step = max(1, round(hi / 5))
    return [float(v) for v in range(0, int(hi) + 1, step)]


def trajectory_svg(review: CourseReview) -> Markup | None:
    """The primary instrument's totals by days since baseline, with the response line."""
    instrument = review.outcome.instrument
    points = [s.score for s in review.scores if s.score.instrument == instrument]
    if not points:
        return None
    start = points[0].administered_at
    xs = [(p.administered_at - start).days for p in points]
    hi_x, hi_y = max(max(xs), 1), max(max(p.total for p in points), 1)
    ax, bx = _scale(0, hi_x, W - LEFT - RIGHT, False)
    ay, by = _scale(0, hi_y, H - TOP - BOTTOM, True)
    ticks_x = [(ax * d + bx, str(d)) for d in sorted(set(xs))]
    ticks_y = [(ay * v + by, str(int(v))) for v in _y_ticks(hi_y)]
    parts = _axes("Days since baseline", f"{instrument} total (points)", ticks_x, ticks_y)
    coords = " ".join(
        f"{ax * x + bx:.1f},{ay * p.total + by:.1f}" for x, p in zip(xs, points, strict=True)
    )
    parts.append(f'<polyline points="{coords}" fill="none" stroke="currentColor"/>')
    for x, p in zip(xs, points, strict=True):
        parts.append(_circle(ax * x + bx, ay * p.total + by, 3.5, f"{p.kind.value}: {p.total}"))
    return _svg(f"{instrument} totals over the course", parts)


def mean_trajectory_svg(points: Sequence[TrajectoryPoint], instrument: str) -> Markup | None:
    """Mean total by session number (0 = baseline) with 95 % confidence-interval bars."""
    if not points:
        return None
    hi_x = max(max(p.session_number for p in points), 1)
    hi_y = max(max((p.ci_high or p.mean) for p in points), 1.0)
    ax, bx = _scale(0, hi_x, W - LEFT - RIGHT, False)
    ay, by = _scale(0, hi_y, H - TOP - BOTTOM, True)
    ticks_x = [(ax * p.session_number + bx, str(p.session_number)) for p in points]
    ticks_y = [(ay * v + by, str(int(v))) for v in _y_ticks(hi_y)]
    parts = _axes(
        "Session number (0 = baseline)",
        f"Mean {instrument} total (points), 95 % CI",
        ticks_x,
        ticks_y,
    )
    for p in points:
        x = ax * p.session_number + bx
        if p.ci_low is not None and p.ci_high is not None:
            parts.append(_line(x, ay * p.ci_low + by, x, ay * p.ci_high + by))
        tip = f"session {p.session_number}: mean {p.mean:.1f} (n={p.n})"
        parts.append(_circle(x, ay * p.mean + by, 4, tip))
    return _svg(f"Mean {instrument} by session with 95 % CI", parts)
