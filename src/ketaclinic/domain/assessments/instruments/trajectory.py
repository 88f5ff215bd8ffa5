"""A patient's course on one instrument: baseline, latest, change and outcome status.

Definitions come from the course's protocol (:class:`OutcomeDefinition`, clinical.md §9.1):
response is a drop of at least ``response_pct_drop`` percent from baseline, partial response at
least ``partial_response_pct_drop`` percent (25 % by convention, UNCONFIRMED), remission a latest
score at or below ``remission_max_score``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.sections import BASELINE_BELOW_REMISSION, OutcomeDefinition


class OutcomeStatus(StrEnum):
    REMISSION = "remission"
    RESPONSE = "response"
    PARTIAL_RESPONSE = "partial_response"
    NO_RESPONSE = "no_response"


@dataclass(frozen=True, slots=True)
class ScorePoint:
    """One dated total score (``at`` is timezone-aware UTC)."""

    at: datetime
    total: int


@dataclass(frozen=True, slots=True)
class TrajectorySummary:
    """The course's baseline and the latest score, their change and, when definable, the status.

    ``baseline`` is the course's baseline, decided by the outcomes rule
    (``domain.outcomes.scores.course_baseline``), never simply the earliest score: None when the
    course has no baseline on this instrument, and then there is no change and no status.
    ``percent_change`` is negative for improvement, rounded to 0.1, and None when the baseline is
    0 or missing. ``status`` is None with a reason when there is no follow-up score or no
    definition.
    """

    instrument_id: str
    baseline: ScorePoint | None
    latest: ScorePoint
    change: int | None
    percent_change: Decimal | None
    status: OutcomeStatus | None
    reason: str
    source: str


def summarize_trajectory(
    instrument_id: str,
    points: Sequence[ScorePoint],
    outcome: OutcomeDefinition | None = None,
    *,
    baseline: ScorePoint | None,
) -> TrajectorySummary:
    """Summarize dated scores of one instrument against the course's ``baseline``.

    Raises ValidationFailed on empty or naive input. ``baseline`` comes from the one baseline
    rule; the earliest point is never taken in its place.
    """
    ordered = _ordered(points)
    latest = ordered[-1]
    source = outcome.source if outcome else ""
    if baseline is None:
        reason = "no baseline score on the course for this instrument"
        return TrajectorySummary(instrument_id, None, latest, None, None, None, reason, source)
    followup = latest.at > baseline.at
    status, reason = classify_outcome(baseline.total, latest.total, outcome, followup)
    return TrajectorySummary(
        instrument_id=instrument_id,
        baseline=baseline,
        latest=latest,
        change=latest.total - baseline.total,
        percent_change=percent_change(baseline.total, latest.total),
        status=status,
        reason=reason,
        source=source,
    )


def _ordered(points: Sequence[ScorePoint]) -> list[ScorePoint]:
    if not points:
        raise ValidationFailed({"points": "at least one score is needed"})
    for index, point in enumerate(points):
        if point.at.tzinfo is None:
            raise ValidationFailed({f"points.{index}.at": "datetime must be timezone-aware"})
    return sorted(points, key=lambda point: point.at)


def percent_change(baseline: int, latest: int) -> Decimal | None:
    """``(latest - baseline) / baseline * 100`` rounded half up to 0.1; None for a 0 baseline."""
    if baseline == 0:
        return None
    value = Decimal(latest - baseline) * Decimal(100) / Decimal(baseline)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def classify_outcome(
    baseline: int, latest: int, outcome: OutcomeDefinition | None, has_followup: bool = True
) -> tuple[OutcomeStatus | None, str]:
    """Remission / response / partial response / no response per the protocol's definition.

    Nothing is classified when the baseline is already below the remission threshold
    (:meth:`OutcomeDefinition.classifiable_from`). Otherwise remission is checked first
    (latest <= remission_max_score), then the percent drop from baseline against
    ``response_pct_drop`` and ``partial_response_pct_drop``.
    """
    if outcome is None:
        return None, "no outcome definition for this instrument in the protocol"
    if not has_followup:
        return None, "only a baseline score: no follow-up yet"
    if not outcome.classifiable_from(baseline):
        return None, BASELINE_BELOW_REMISSION
    if latest <= outcome.remission_max_score:
        return OutcomeStatus.REMISSION, f"latest {latest} <= {outcome.remission_max_score}"
    pct = percent_change(baseline, latest)
    drop = -pct if pct is not None else Decimal(0)
    if drop >= outcome.response_pct_drop:
        return OutcomeStatus.RESPONSE, f"drop {drop}% >= {outcome.response_pct_drop}%"
    if drop >= outcome.partial_response_pct_drop:
        return OutcomeStatus.PARTIAL_RESPONSE, (
            f"drop {drop}% >= {outcome.partial_response_pct_drop}%"
        )
    return OutcomeStatus.NO_RESPONSE, f"drop {drop}% < {outcome.partial_response_pct_drop}%"
