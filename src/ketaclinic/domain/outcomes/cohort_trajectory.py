"""The cohort's mean score by session with its 95 % confidence interval (Student t), from the
scores themselves or from the sums the SQL returns.

Source: clinical.md §9.1; performance.md §5.3.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ketaclinic.domain.outcomes.analytics import CourseScores

# Two-sided 95 % Student t critical values; between rows the lower df is used (wider interval).
_T95 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    11: 2.201,
    12: 2.179,
    13: 2.160,
    14: 2.145,
    15: 2.131,
    16: 2.120,
    17: 2.110,
    18: 2.101,
    19: 2.093,
    20: 2.086,
    21: 2.080,
    22: 2.074,
    23: 2.069,
    24: 2.064,
    25: 2.060,
    26: 2.056,
    27: 2.052,
    28: 2.048,
    29: 2.045,
    30: 2.042,
    40: 2.021,
    60: 2.000,
    120: 1.980,
}
_Z95 = 1.960


def t_critical_95(df: int) -> float:
    """Two-sided 95 % t critical value for ``df`` degrees of freedom (normal 1.96 past 120)."""
    if df < 1:
        raise ValueError("df must be >= 1")
    if df > 120:
        return _Z95
    return _T95[max(k for k in _T95 if k <= df)]


@dataclass(frozen=True, slots=True)
class TrajectoryPoint:
    """Mean score at one session number with its 95 % confidence interval (t-based)."""

    session_number: int
    n: int
    mean: float
    sd: float | None
    ci_low: float | None
    ci_high: float | None


def trajectory_point_from_sums(
    session_number: int, n: int, total: float, total_sq: float
) -> TrajectoryPoint:
    """Mean, sample SD and 95 % CI from count, sum and sum of squares (the SQL's aggregates)."""
    mean = total / n
    if n < 2:
        return TrajectoryPoint(session_number, n, mean, None, None, None)
    variance = max(0.0, (total_sq - n * mean * mean) / (n - 1))
    return _point(session_number, n, mean, math.sqrt(variance))


def _point(session_number: int, n: int, mean: float, sd: float) -> TrajectoryPoint:
    half = t_critical_95(n - 1) * sd / math.sqrt(n)
    return TrajectoryPoint(session_number, n, mean, sd, mean - half, mean + half)


def compute_trajectory(
    course_scores: Iterable[CourseScores], *, max_session: int = 6
) -> list[TrajectoryPoint]:
    """Mean score by session number 0..``max_session`` over every course with that score."""
    values: dict[int, list[int]] = defaultdict(list)
    for cs in course_scores:
        if cs.baseline is not None:
            values[0].append(cs.baseline)
        for k, score in cs.by_session.items():
            if 1 <= k <= max_session:
                values[k].append(score)
    points = []
    for k in sorted(values):
        xs = values[k]
        if len(xs) < 2:
            points.append(TrajectoryPoint(k, len(xs), float(xs[0]), None, None, None))
        else:
            points.append(_point(k, len(xs), statistics.fmean(xs), statistics.stdev(xs)))
    return points
