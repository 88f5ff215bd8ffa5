"""Standardized instruments: definitions as data, scoring, safety rules and trajectories.

Services call :func:`score` (or :func:`score_instrument`), read ``ScoreResult.safety_flags`` to
open safety tasks, and :func:`summarize_trajectory` for outcome status.
"""

from ketaclinic.domain.assessments.instruments.model import (
    Instrument,
    SafetyFlag,
    ScoreResult,
    Urgency,
)
from ketaclinic.domain.assessments.instruments.registry import INSTRUMENTS, get_instrument
from ketaclinic.domain.assessments.instruments.safety import requires_safety_assessment
from ketaclinic.domain.assessments.instruments.scoring import (
    score,
    score_instrument,
    validate_answers,
)
from ketaclinic.domain.assessments.instruments.trajectory import (
    OutcomeStatus,
    ScorePoint,
    TrajectorySummary,
    summarize_trajectory,
)

__all__ = [
    "INSTRUMENTS",
    "Instrument",
    "OutcomeStatus",
    "SafetyFlag",
    "ScorePoint",
    "ScoreResult",
    "TrajectorySummary",
    "Urgency",
    "get_instrument",
    "requires_safety_assessment",
    "score",
    "score_instrument",
    "summarize_trajectory",
    "validate_answers",
]
