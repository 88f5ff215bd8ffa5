"""Time to first response in sessions, Kaplan-Meier style: a course that stops before responding
is censored at its last session, not counted as a non-responder.

Source: clinical.md §9.1; performance.md §5.3.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ketaclinic.domain.outcomes.analytics import CourseScores, usable_baseline
from ketaclinic.domain.outcomes.response import drop_reaches
from ketaclinic.domain.protocols.sections import OutcomeDefinition


@dataclass(frozen=True, slots=True)
class KaplanMeierRow:
    """Time to first response (sessions), Kaplan-Meier style: one row per session number."""

    session_number: int
    at_risk: int
    events: int  # first response at this session
    censored: int  # last session without response (drop-out or end of series)
    cumulative_response: float  # 1 - S(k)


def first_response_session(cs: CourseScores, definition: OutcomeDefinition) -> int | None:
    """The first induction session whose score is a response, or ``None`` (also without a
    usable baseline, :func:`usable_baseline`)."""
    baseline = usable_baseline(cs, definition)
    if baseline is None:
        return None
    for k in sorted(cs.by_session):
        if k >= 1 and drop_reaches(baseline, cs.by_session[k], definition.response_pct_drop):
            return k
    return None


def compute_time_to_response(
    course_scores: Iterable[CourseScores], definition: OutcomeDefinition, *, max_session: int = 6
) -> list[KaplanMeierRow]:
    """Kaplan-Meier table of first response by session over courses with a usable baseline."""
    followed = []
    for cs in course_scores:
        if usable_baseline(cs, definition) is not None and cs.last_session >= 1:
            followed.append(
                (first_response_session(cs, definition), min(cs.last_session, max_session))
            )
    rows, survival = [], 1.0
    for k in range(1, max_session + 1):
        at_risk = sum(1 for first, last in followed if last >= k and (first is None or first >= k))
        events = sum(1 for first, _ in followed if first == k)
        censored = sum(1 for first, last in followed if first is None and last == k)
        if at_risk:
            survival *= 1 - events / at_risk
        rows.append(KaplanMeierRow(k, at_risk, events, censored, 1 - survival))
    return rows


def kaplan_meier_from_counts(
    counts: Sequence[tuple[int, int, int]], *, total: int, max_session: int = 6
) -> list[KaplanMeierRow]:
    """Build the table from per-session ``(session, events, censored)`` and the followed total."""
    by_k = {k: (e, c) for k, e, c in counts}
    rows, survival, at_risk = [], 1.0, total
    for k in range(1, max_session + 1):
        events, censored = by_k.get(k, (0, 0))
        if at_risk:
            survival *= 1 - events / at_risk
        rows.append(KaplanMeierRow(k, at_risk, events, censored, 1 - survival))
        at_risk -= events + censored
    return rows
