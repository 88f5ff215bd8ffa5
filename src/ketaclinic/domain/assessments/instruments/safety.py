"""Safety rules on single item answers (suicide-risk items). Sources are on each rule.

clinical.md §5.1: "Any positive PHQ-9/PHQ-A item 9, or C-SSRS positive item 3–6, must block
routine session completion until a clinician safety assessment is documented." These functions only
say which rules fired; opening the safety task and blocking the course is the service layer's job.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketaclinic.domain.assessments.instruments.model import (
    Instrument,
    RiskLevel,
    SafetyFlag,
    SafetyRule,
    ScoreResult,
    Urgency,
)


def _fires(
    item_ids: tuple[str, ...],
    min_value: int,
    requires_missing: str | None,
    answers: Mapping[str, int],
) -> tuple[str, ...]:
    if requires_missing is not None and requires_missing in answers:
        return ()
    return tuple(i for i in item_ids if answers.get(i, -1) >= min_value)


def evaluate_safety(instrument: Instrument, answers: Mapping[str, int]) -> tuple[SafetyFlag, ...]:
    """Every safety rule of ``instrument`` that fires on the (validated) ``answers``.

    A rule fires when any of its items is answered at or above its ``min_value``; unanswered items
    never fire (an incomplete response still raises every flag its answered items justify).
    """
    return tuple(
        _flag(rule, hits)
        for rule in instrument.safety_rules
        if (hits := _fires(rule.item_ids, rule.min_value, rule.requires_missing, answers))
    )


def _flag(rule: SafetyRule, hits: tuple[str, ...]) -> SafetyFlag:
    return SafetyFlag(rule.id, hits, rule.urgency, rule.message, rule.source, rule.needs_signoff)


def classify_risk(instrument: Instrument, answers: Mapping[str, int]) -> RiskLevel | None:
    """The most severe risk level whose items are endorsed, or None when none is (no risk).

    Source: clinical.md §5.2 (C-SSRS screen with triage points).
    """
    return next(
        (
            level
            for level in instrument.risk_levels
            if _fires(level.item_ids, level.min_value, level.requires_missing, answers)
        ),
        None,
    )


def requires_safety_assessment(result: ScoreResult) -> bool:
    """True when the scored response must open a safety task (any safety flag fired)."""
    return bool(result.safety_flags)


def is_urgent(result: ScoreResult) -> bool:
    """True when any flag of the response is urgent (C-SSRS high risk)."""
    return result.max_urgency is Urgency.URGENT
