"""The clinic's charts, drawn by ``adapters.charts`` (pure).

:func:`render_trajectory_svg` (one instrument's scores over time, with severity bands and
response/remission lines), :func:`course_trajectory_svg` (a course's primary instrument by date,
placed by days since baseline) and :func:`mean_trajectory_svg` (mean total by session number with
95 % confidence intervals), and :func:`goal_ratings_svg` (a coaching goal's 0-10 ratings over time).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from ketaclinic.adapters.charts import (
    SECONDS_PER_DAY,
    Axis,
    Chart,
    Mark,
    Point,
    Rule,
    Shade,
    Threshold,
    render_svg,
    thin_ticks,
)
from ketaclinic.domain.assessments.instruments.model import Band
from ketaclinic.domain.assessments.instruments.registry import instrument_name
from ketaclinic.domain.assessments.instruments.trajectory import ScorePoint
from ketaclinic.domain.integration.plans import GoalRating
from ketaclinic.domain.outcomes.cohort_trajectory import TrajectoryPoint
from ketaclinic.domain.outcomes.scores import course_baseline
from ketaclinic.services.outcomes.review import CourseReview

#: A date as the web pages write one (the course names and the patient banner): "2 Mar 2026".
DATE_FORMAT = "%-d %b %Y"
#: A date on a chart's axis when every date is in the same year: "2 Mar".
SHORT_DATE_FORMAT = "%-d %b"


def _y_ticks(high: float) -> tuple[tuple[float, str], ...]:
    step = max(1, round(high / 5))
    return tuple((float(v), str(v)) for v in range(0, int(high) + 1, step))


def _day(at: datetime, tz: str) -> str:
    """A date as the clinic's pages write it ("2 Mar 2026"), on the clinic's calendar."""
    return at.astimezone(ZoneInfo(tz)).strftime(DATE_FORMAT)


def trajectory_chart(
    points: Sequence[ScorePoint],
    bands: Sequence[Band],
    thresholds: Sequence[Threshold],
    marks: Sequence[Mark],
    *,
    title: str,
    score_max: int,
    tz: str,
    unit: str = "points",
) -> Chart:
    """One instrument's scores over time: severity bands, thresholds, infusion marks. Every date
    (ticks, points, marks, the text alternative) is the clinic's (``tz``), never UTC's."""
    ordered = sorted(points, key=lambda p: p.at)
    times = [p.at for p in ordered] + [m.at for m in marks]
    start = min(times) if times else None

    def days(at: datetime) -> float:
        assert start is not None
        return (at - start).total_seconds() / SECONDS_PER_DAY

    end = days(max(times)) if times else 1.0
    ticks: tuple[tuple[float, str], ...] = ()
    if start is not None:
        ticks = ((0.0, _day(start, tz)),)
    if times and end > 0:
        ticks += ((end, _day(max(times), tz)),)
    return Chart(
        title=title,
        description=_describe(ordered, unit, tz),
        x=Axis("Date", f"clinic time, {tz}", 0.0, end or 1.0, ticks),
        y=Axis(
            "Score", unit, 0.0, float(score_max or 1), ((0.0, "0"), (score_max, f"{score_max}"))
        ),
        points=tuple(
            Point(days(p.at), float(p.total), f"{_day(p.at, tz)}: {p.total} {unit}")
            for p in ordered
        ),
        shades=tuple(Shade(b.min_score, b.max_score + 1, _band_label(b)) for b in bands)
        if times
        else (),
        thresholds=tuple(thresholds) if times else (),
        rules=tuple(Rule(days(m.at), f"{m.label} {_day(m.at, tz)}") for m in marks),
    )


def _band_label(band: Band) -> str:
    return f"{band.label} ({band.min_score}–{band.max_score})"


def _describe(points: Sequence[ScorePoint], unit: str, tz: str) -> str:
    if not points:
        return "No scores recorded yet."
    first, last = points[0], points[-1]
    return (
        f"{len(points)} scores from {_day(first.at, tz)} ({first.total} {unit}) "
        f"to {_day(last.at, tz)} ({last.total} {unit})."
    )


def render_trajectory_svg(
    points: Sequence[ScorePoint],
    bands: Sequence[Band],
    thresholds: Sequence[Threshold],
    marks: Sequence[Mark],
    *,
    title: str,
    score_max: int,
    tz: str,
    unit: str = "points",
) -> str:
    """:func:`trajectory_chart` as SVG (the chart's assessment panel)."""
    chart = trajectory_chart(
        points, bands, thresholds, marks, title=title, score_max=score_max, tz=tz, unit=unit
    )
    return render_svg(chart)


def course_trajectory_chart(review: CourseReview, *, tz: str) -> Chart | None:
    """The course's primary instrument totals by date, placed by days since the course's
    baseline (the one baseline rule, ``course_baseline``; since the first score when there is
    none yet), on the clinic's calendar (``tz``). The x ticks are the score dates in a short
    form ("7 Dec", with the year when the scores span more than one), thinned so no two labels
    overlap (:func:`~ketaclinic.adapters.charts.thin_ticks`). None: no score yet."""
    code = review.outcome.instrument
    scores = [s.score for s in review.scores if s.score.instrument == code]
    if not scores:
        return None
    instrument = instrument_name(code)
    baseline = course_baseline(scores, code)
    zone = ZoneInfo(tz)
    start = (baseline or scores[0]).administered_at.astimezone(zone).date()
    local = [s.administered_at.astimezone(zone) for s in scores]
    xs = [(at.date() - start).days for at in local]
    years = {at.year for at in local}
    short = SHORT_DATE_FORMAT if len(years) == 1 else DATE_FORMAT
    high_y = max(max(s.total for s in scores), 1)
    last = scores[-1]
    since = "baseline" if baseline else "the first score (no baseline recorded)"
    opening = (
        f"from {baseline.total} points at baseline"
        if baseline
        else f"with no baseline recorded, from {scores[0].total} points"
    )
    low_x, high_x = float(min(min(xs), 0)), float(max(max(xs), 1))
    ticks = thin_ticks(
        [(float(x), at.strftime(short)) for x, at in zip(xs, local, strict=True)], low_x, high_x
    )
    return Chart(
        title=f"{instrument} totals over the course",
        description=(
            f"{len(scores)} {instrument} totals {opening} to {last.total} points on "
            f"{local[-1].strftime(DATE_FORMAT)} (day {xs[-1]})."
        ),
        x=Axis("Date", f"clinic time, day 0 = {since}", low_x, high_x, ticks),
        y=Axis(f"{instrument} total", "points", 0.0, float(high_y), _y_ticks(high_y)),
        points=tuple(
            Point(
                float(x),
                float(s.total),
                f"{at.strftime(DATE_FORMAT)} (day {x}), {s.kind.value.replace('_', ' ')}: "
                f"{s.total} points",
            )
            for x, s, at in zip(xs, scores, local, strict=True)
        ),
    )


def course_trajectory_svg(review: CourseReview, *, tz: str, for_print: bool = False) -> str | None:
    chart = course_trajectory_chart(review, tz=tz)
    return None if chart is None else render_svg(chart, for_print=for_print)


def mean_trajectory_chart(
    points: Sequence[TrajectoryPoint], instrument: str, *, protocol: str
) -> Chart | None:
    """One protocol's mean total by session number (0 = baseline) with 95 % CI bars (None: no
    data); ``instrument`` is its code, shown by its name, and ``protocol`` what staff call the
    protocol, named in the title like every other dashboard chart."""
    if not points:
        return None
    instrument = instrument_name(instrument)
    high_x = max(max(p.session_number for p in points), 1)
    high_y = max(max((p.ci_high or p.mean) for p in points), 1.0)
    described = "; ".join(
        f"session {p.session_number}: mean {p.mean:.1f} (n={p.n})" for p in points
    )
    return Chart(
        title=f"{protocol}: mean {instrument} by session with 95 % CI",
        description=f"{protocol}: mean {instrument} total (points) by session: {described}.",
        x=Axis(
            "Session number (0 = baseline)",
            "",
            0.0,
            float(high_x),
            tuple((float(p.session_number), str(p.session_number)) for p in points),
        ),
        y=Axis(f"Mean {instrument} total", "points", 0.0, high_y, _y_ticks(high_y), ", 95 % CI"),
        points=tuple(
            Point(
                float(p.session_number),
                p.mean,
                f"session {p.session_number}: mean {p.mean:.1f} (n={p.n})",
                p.ci_low,
                p.ci_high,
            )
            for p in points
        ),
        connected=False,
    )


def mean_trajectory_svg(
    points: Sequence[TrajectoryPoint], instrument: str, *, protocol: str
) -> str | None:
    chart = mean_trajectory_chart(points, instrument, protocol=protocol)
    return None if chart is None else render_svg(chart)


__all__ = [
    "course_trajectory_chart",
    "course_trajectory_svg",
    "mean_trajectory_chart",
    "mean_trajectory_svg",
    "render_trajectory_svg",
    "trajectory_chart",
]


def goal_ratings_svg(ratings: Sequence[GoalRating], goal_title: str, *, tz: str) -> str:
    """A coaching goal's ratings (the patient's own, 0 to 10) over time, drawn like every other
    chart (the integration panels show the same values as a table beside it)."""
    points = [ScorePoint(r.at, r.rating) for r in ratings]
    chart = trajectory_chart(
        points,
        (),
        (),
        (),
        title=f"Ratings of {goal_title}",
        score_max=10,
        tz=tz,
        unit="out of 10",
    )
    return render_svg(chart)
