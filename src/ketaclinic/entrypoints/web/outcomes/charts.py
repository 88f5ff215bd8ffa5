"""The outcome charts as page markup: drawn by the one chart module (``adapters.charts``).

Each chart is also shown as a table beside it; the SVG carries ``role="img"`` with a title and a
text alternative. The renderer escapes every text it writes.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from ketaclinic.adapters.charts import Chart, render_svg
from ketaclinic.adapters.dashboard_charts import (
    dropout_chart,
    rates_by_month_chart,
    rates_by_protocol_chart,
    time_to_response_chart,
)
from ketaclinic.adapters.trajectory_charts import course_trajectory_svg, mean_trajectory_chart
from ketaclinic.adapters.trajectory_charts import mean_trajectory_svg as mean_svg
from ketaclinic.domain.assessments.instruments.registry import instrument_name
from ketaclinic.domain.outcomes.cohort_trajectory import TrajectoryPoint
from ketaclinic.services.outcomes.dashboard import Dashboard, ProtocolFigures
from ketaclinic.services.outcomes.review import CourseReview


def _markup(svg: str | None) -> Markup | None:
    return None if svg is None else Markup(svg)  # noqa: S704 - the renderer escapes every text


def trajectory_svg(review: CourseReview, *, tz: str) -> Markup | None:
    """The primary instrument's totals by date (the clinic's, ``tz``) since baseline."""
    return _markup(course_trajectory_svg(review, tz=tz))


def mean_trajectory_svg(
    points: Sequence[TrajectoryPoint], instrument: str, *, protocol: str
) -> Markup | None:
    """One protocol's mean total by session number (0 = baseline) with 95 % confidence-interval
    bars."""
    return _markup(mean_svg(points, instrument, protocol=protocol))


# How to read each figure's charts, by the id of its table.
READING = {
    "rates": "Filled dots: response; open dots: remission. Each whisker is the 95 % confidence "
    "interval (Wilson), wide when few courses count.",
    "trajectory": "Dots: mean score at each session; whiskers: 95 % confidence interval.",
    "time_to_response": "The line steps up at each session where courses first responded "
    "(Kaplan-Meier; courses that stopped without a response are censored).",
    "retention": "Each bar: the share of the courses reaching that session that stopped after it.",
}


def _drawn(charts: Sequence[Chart | None]) -> list[tuple[str, Markup]]:
    return [(c.title, Markup(render_svg(c))) for c in charts if c is not None]  # noqa: S704 - escaped by render_svg


def _asked(p: ProtocolFigures) -> str:
    """The questionnaire a protocol's figures are on, by its name ("PHQ-9")."""
    return instrument_name(p.definition.instrument)


def dashboard_charts(d: Dashboard) -> dict[str, list[tuple[str, Markup]]]:
    """The dashboard's charts by the id of the figure table they draw: (title, SVG)."""
    overall = [(p.name, p.measured_at, r) for p in d.protocols for r in p.rate_overall]
    return {
        "rates": _drawn(
            [
                rates_by_protocol_chart(overall),
                *(
                    rates_by_month_chart(
                        p.name, p.rates_by_month, instrument=_asked(p), measured_at=p.measured_at
                    )
                    for p in d.protocols
                ),
            ]
        ),
        "trajectory": _drawn(
            [
                mean_trajectory_chart(p.trajectory, p.definition.instrument, protocol=p.name)
                for p in d.protocols
            ]
        ),
        "time_to_response": _drawn(
            [
                time_to_response_chart(p.name, p.time_to_response, instrument=_asked(p))
                for p in d.protocols
            ]
        ),
        "retention": _drawn([dropout_chart(p.name, p.retention) for p in d.protocols]),
    }
