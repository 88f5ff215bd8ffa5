"""The clinic outcomes dashboard's charts, drawn by ``adapters.charts`` (pure).

:func:`rates_by_month_chart` and :func:`rates_by_protocol_chart` (response and remission rates as
points with 95 % Wilson confidence intervals), :func:`time_to_response_chart` (Kaplan-Meier
cumulative first response as a step function by session number) and :func:`dropout_chart`
(drop-out after each session as bars). Each chart's description is its full text alternative; the
dashboard shows the same figures as tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ketaclinic.adapters.charts import Axis, Chart, Point
from ketaclinic.domain.outcomes.analytics import RateRow, SessionRetentionRow
from ketaclinic.domain.outcomes.proportions import Proportion, wilson
from ketaclinic.domain.outcomes.time_to_response import KaplanMeierRow

PERCENT_TICKS = tuple((float(v), str(v)) for v in range(0, 101, 20))
OFFSET = 0.12  # response and remission side by side at one x
LEGEND = (("Response", False), ("Remission", True))


def _pct(value: float) -> str:
    return f"{100 * value:.0f} %"


def _said(name: str, p: Proportion) -> str:
    return (
        f"{name} {p.part} of {p.whole} ({_pct(p.share)}, 95 % CI {_pct(p.low)} to {_pct(p.high)})"
    )


def month_label(month: str, *, with_year: bool = True) -> str:
    """ "2026-03" as "Mar 2026" (or "Mar")."""
    first = date.fromisoformat(f"{month}-01")
    return f"{first:%b %Y}" if with_year else f"{first:%b}"


def _rate_points(x: float, row: RateRow, where: str) -> tuple[list[Point], str]:
    response = wilson(row.responders, row.denominator)
    remission = wilson(row.remitters, row.denominator)
    if response is None or remission is None:
        return [], ""
    points = [
        Point(x + dx, 100 * p.share, f"{where}: {_said(n, p)}", 100 * p.low, 100 * p.high, h)
        for (n, h), p, dx in zip(LEGEND, (response, remission), (-OFFSET, OFFSET), strict=True)
    ]
    return points, f"{where}: {_said('response', response)}, {_said('remission', remission)}"


def _rates_chart(
    title: str, x_title: str, labelled: Sequence[tuple[str, str, RateRow]], measured_at: str
) -> Chart:
    points: list[Point] = []
    said: list[str] = []
    ticks: list[tuple[float, str]] = []
    for i, (tick, where, row) in enumerate(labelled):
        drawn, text = _rate_points(float(i), row, where)
        points += drawn
        said += [text] if text else []
        ticks.append((float(i), tick))
    return Chart(
        title=title,
        description=(
            f"Share of courses with a response and in remission {measured_at}, each with its "
            f"95 % confidence interval: {'; '.join(said)}."
        ),
        x=Axis(x_title, "", -0.5, len(labelled) - 0.5, tuple(ticks)),
        y=Axis("Courses", "%", 0.0, 100.0, PERCENT_TICKS, ", 95 % CI"),
        points=tuple(points),
        connected=False,
        legend=LEGEND,
    )


def rates_by_month_chart(
    protocol: str, rows: Sequence[RateRow], *, instrument: str, measured_at: str
) -> Chart | None:
    """One protocol's response and remission rates on ``instrument`` (its questionnaire's
    name) by the month its courses started, measured at ``measured_at`` (in words: "at the end
    of the KAT series (session 3)")."""
    used = sorted((r for r in rows if r.denominator), key=lambda r: r.group[0])
    if not used:
        return None
    labelled = [
        (
            month_label(r.group[0], with_year=i == 0 or r.group[0].endswith("-01")),
            month_label(r.group[0]),
            r,
        )
        for i, r in enumerate(used)
    ]
    return _rates_chart(
        f"{protocol}: response and remission by start month ({instrument})",
        "Month the course started",
        labelled,
        measured_at,
    )


def rates_by_protocol_chart(rows: Sequence[tuple[str, str, RateRow]]) -> Chart | None:
    """Each protocol's response and remission rates over the whole range: rows of (its name,
    when it is measured in words, its rates), each at the end of its own series."""
    used = [(name, at, r) for name, at, r in rows if r.denominator]
    if not used:
        return None
    return _rates_chart(
        "Response and remission by protocol",
        "Protocol",
        [(name, f"{name}, {at}", r) for name, at, r in used],
        "at the end of each protocol's own series",
    )


def time_to_response_chart(
    protocol: str, rows: Sequence[KaplanMeierRow], *, instrument: str
) -> Chart | None:
    """Kaplan-Meier share of one protocol's courses with a first response on ``instrument`` (its
    questionnaire's name) by each session (a step function)."""
    if not rows:
        return None
    ordered = sorted(rows, key=lambda r: r.session_number)
    high_x = max(ordered[-1].session_number, 1)
    points = [Point(0.0, 0.0, "before the first session: 0 %")] + [
        Point(
            float(r.session_number),
            100 * r.cumulative_response,
            f"session {r.session_number}: {_pct(r.cumulative_response)} "
            f"({r.events} first responses, {r.at_risk} at risk, {r.censored} censored)",
        )
        for r in ordered
    ]
    said = "; ".join(
        f"session {r.session_number}: {_pct(r.cumulative_response)} ({r.at_risk} at risk)"
        for r in ordered
    )
    return Chart(
        title=f"{protocol}: time to first response ({instrument})",
        description=f"Share of courses with a first response by each session (Kaplan-Meier): "
        f"{said}.",
        x=Axis(
            "Session number",
            "",
            0.0,
            float(high_x),
            tuple((float(n), str(n)) for n in range(0, high_x + 1)),
        ),
        y=Axis("Courses with a first response", "%", 0.0, 100.0, PERCENT_TICKS),
        points=tuple(points),
        step=True,
    )


def dropout_chart(protocol: str, rows: Sequence[SessionRetentionRow]) -> Chart | None:
    """One protocol's share of courses that stopped right after each session of its series
    (bars)."""
    used = [r for r in rows if r.reached]
    if not used:
        return None
    high_x = max(r.session_number for r in used)
    tips = [
        f"session {r.session_number}: {r.dropped_after} of {r.decided} ended after it "
        f"({_pct(r.dropout_rate)})"
        + (f", {r.in_treatment} still in treatment" if r.in_treatment else "")
        for r in used
    ]
    return Chart(
        title=f"{protocol}: drop-out after each session",
        description=f"Share of the courses reaching each session that ended after it (courses "
        f"still in treatment are not drop-outs): "
        f"{'; '.join(tips)}.",
        x=Axis(
            "Session number",
            "",
            0.5,
            high_x + 0.5,
            tuple((float(r.session_number), str(r.session_number)) for r in used),
        ),
        y=Axis("Courses that stopped", "%", 0.0, 100.0, PERCENT_TICKS),
        points=tuple(
            Point(float(r.session_number), 100 * r.dropout_rate, tip)
            for r, tip in zip(used, tips, strict=True)
        ),
        bars=True,
    )


__all__ = [
    "dropout_chart",
    "month_label",
    "rates_by_month_chart",
    "rates_by_protocol_chart",
    "time_to_response_chart",
]
