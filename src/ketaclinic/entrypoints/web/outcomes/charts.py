"""The outcome charts as page markup: drawn by the one chart module (``adapters.charts``).

Each chart is also shown as a table beside it; the SVG carries ``role="img"`` with a title and a
text alternative. The renderer escapes every text it writes.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from ketaclinic.adapters.trajectory_charts import course_trajectory_svg
from ketaclinic.adapters.trajectory_charts import mean_trajectory_svg as mean_svg
from ketaclinic.domain.outcomes.cohort_trajectory import TrajectoryPoint
from ketaclinic.services.outcomes.review import CourseReview


def _markup(svg: str | None) -> Markup | None:
    return None if svg is None else Markup(svg)  # noqa: S704 - the renderer escapes every text


def trajectory_svg(review: CourseReview) -> Markup | None:
    """The primary instrument's totals by days since baseline."""
    return _markup(course_trajectory_svg(review))


def mean_trajectory_svg(points: Sequence[TrajectoryPoint], instrument: str) -> Markup | None:
    """Mean total by session number (0 = baseline) with 95 % confidence-interval bars."""
    return _markup(mean_svg(points, instrument))
