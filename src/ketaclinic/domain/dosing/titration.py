"""The titration recommendation before each session: keep, step up, step down, hold, postpone.

Seed 000 step 2 (conservative start, gradual adjustment from individual response, side effects and
tolerance) and step 5 (adjust dose and timing between infusions; clinical judgment overrides rigid
schedules). Escalation in practice: clinical.md §2.2 (Cusin 2017: 0.5 then 0.75 mg/kg). Thresholds
come from the protocol's ``TitrationRules`` (all defaults need sign-off):

- peak CADSS-6 total >= ``excessive_cadss6_total`` last session -> step down;
- peak CADSS-6 total <= ``insufficient_cadss6_total`` **and** the next session is after
  ``step_up_after_session`` **and** the primary score fell less than
  ``no_response_pct_drop_below`` percent since baseline -> step up by the route's titration step,
  never past a ceiling (clinical.md §2.2);
- a blood-pressure alarm, or any alarm that paused or stopped dosing, last session -> hold and
  review (clinical.md §4.3); the check-in findings of :mod:`.checkin`.

The most restrictive outcome wins (postpone > hold and review > step down > step up > keep) and
every finding's reason is returned. The recommendation is advice: a prescriber may choose another
dose with a written reason, but never above a ceiling (the dose is always recomputed by
:func:`~ketaclinic.domain.dosing.calculation.calculate_dose`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ketaclinic.domain.dosing.calculation import DoseCalculation, calculate_dose
from ketaclinic.domain.dosing.checkin import (
    OUTCOME_PRECEDENCE,
    BetweenSessionCheckIn,
    TitrationFinding,
    TitrationOutcome,
    assess_checkin,
)
from ketaclinic.domain.dosing.reasons import DosingReason
from ketaclinic.domain.dosing.sessions import (
    PreviousSession,
    SymptomChange,
    response_findings,
    session_findings,
)
from ketaclinic.domain.dosing.weight import DosingWeight
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.sections import RouteDosing, TitrationRules

CLINICAL_2_2 = "clinical.md §2.2"
_NO_DOSE = (TitrationOutcome.POSTPONE, TitrationOutcome.HOLD_AND_REVIEW)


@dataclass(frozen=True, slots=True)
class TitrationInput:
    """What is recorded before session ``next_session_number`` (1-based)."""

    route: RouteDosing
    rules: TitrationRules
    dosing_weight: DosingWeight
    next_session_number: int
    previous_sessions: tuple[PreviousSession, ...]
    symptoms: SymptomChange | None
    checkin: BetweenSessionCheckIn | None


@dataclass(frozen=True, slots=True)
class TitrationRecommendation:
    """The outcome, the proposed dose (None for postpone and hold and review) and every reason.

    ``findings`` keeps each reason with the outcome it asked for, most restrictive first.
    """

    outcome: TitrationOutcome
    proposed: DoseCalculation | None
    previous: PreviousSession | None
    findings: tuple[TitrationFinding, ...]

    @property
    def reasons(self) -> tuple[DosingReason, ...]:
        return tuple(finding.reason for finding in self.findings)


def recommend_titration(inputs: TitrationInput, *, at: datetime) -> TitrationRecommendation:
    """The recommendation for the next session at time ``at`` (see the module docstring).

    Contract: ``proposed.dose_mg`` never exceeds the route's ceilings; a step that would pass a
    ceiling is clipped (``capped_by`` set); a step up already at the ceiling becomes keep.
    """
    _validate(inputs)
    previous = inputs.previous_sessions[-1] if inputs.previous_sessions else None
    findings = assess_checkin(
        inputs.checkin,
        inputs.rules,
        last_session_at=previous.given_at if previous else None,
        at=at,
    )
    if previous is None:
        findings += (_first_session(),)
    else:
        findings += session_findings(previous, inputs.rules)
        findings += response_findings(
            previous, inputs.rules, inputs.next_session_number, inputs.symptoms
        )
    return _decide(inputs, previous, _ordered(findings))


def _validate(inputs: TitrationInput) -> None:
    if inputs.next_session_number < 1:
        raise ValidationFailed({"next_session_number": "must be 1 or more"})
    numbers = [s.session_number for s in inputs.previous_sessions]
    if numbers != sorted(numbers) or (numbers and numbers[-1] >= inputs.next_session_number):
        raise ValidationFailed(
            {"previous_sessions": "must be in order and before the next session"}
        )


def _ordered(findings: tuple[TitrationFinding, ...]) -> tuple[TitrationFinding, ...]:
    return tuple(sorted(findings, key=lambda f: OUTCOME_PRECEDENCE.index(f.outcome)))


def _decide(
    inputs: TitrationInput, previous: PreviousSession | None, findings: tuple[TitrationFinding, ...]
) -> TitrationRecommendation:
    outcome = findings[0].outcome if findings else TitrationOutcome.KEEP
    if not findings:
        findings = (_nothing_to_change(),)
    if outcome in _NO_DOSE:
        return TitrationRecommendation(outcome, None, previous, findings)
    if previous is None:
        return TitrationRecommendation(outcome, _dose(inputs, None, None), None, findings)
    return _stepped(inputs, previous, outcome, findings)


def _stepped(
    inputs: TitrationInput,
    previous: PreviousSession,
    outcome: TitrationOutcome,
    findings: tuple[TitrationFinding, ...],
) -> TitrationRecommendation:
    route = inputs.route
    per_kg = route.start_mg_per_kg is not None
    step = route.titration_step_mg_per_kg if per_kg else route.titration_step_mg
    base = _previous_amount(previous, inputs.dosing_weight, per_kg=per_kg)
    if outcome is TitrationOutcome.KEEP:
        return TitrationRecommendation(outcome, _dose(inputs, base, per_kg), previous, findings)
    if step is None:
        hold = _finding(
            TitrationOutcome.HOLD_AND_REVIEW,
            "titration.no_step",
            "the protocol sets no titration step for this route",
        )
        return TitrationRecommendation(hold.outcome, None, previous, (hold, *findings))
    amount = base + step if outcome is TitrationOutcome.STEP_UP else base - step
    if amount <= 0:
        floor = _finding(
            TitrationOutcome.HOLD_AND_REVIEW,
            "titration.below_lowest_step",
            "a step down would reach zero: review whether to continue",
        )
        return TitrationRecommendation(floor.outcome, None, previous, (floor, *findings))
    proposed = _dose(inputs, amount, per_kg)
    kept = _dose(inputs, base, per_kg)
    if outcome is TitrationOutcome.STEP_UP and proposed.dose_mg <= kept.dose_mg:
        at_ceiling = _finding(
            TitrationOutcome.KEEP,
            "titration.at_ceiling",
            f"already at the ceiling ({proposed.ceiling_mg} mg): dose kept",
        )
        return TitrationRecommendation(
            TitrationOutcome.KEEP, proposed, previous, (*findings, at_ceiling)
        )
    return TitrationRecommendation(outcome, proposed, previous, findings)


def _previous_amount(previous: PreviousSession, weight: DosingWeight, *, per_kg: bool) -> Decimal:
    if not per_kg:
        return previous.dose_mg
    if previous.dose_mg_per_kg is not None:
        return previous.dose_mg_per_kg
    return previous.dose_mg / weight.weight_kg


def _dose(inputs: TitrationInput, amount: Decimal | None, per_kg: bool | None) -> DoseCalculation:
    if amount is None:
        return calculate_dose(inputs.route, inputs.dosing_weight)
    if per_kg:
        return calculate_dose(inputs.route, inputs.dosing_weight, mg_per_kg=amount)
    return calculate_dose(inputs.route, inputs.dosing_weight, fixed_mg=amount)


def _first_session() -> TitrationFinding:
    return _finding(
        TitrationOutcome.KEEP,
        "titration.first_session",
        "first session: the protocol's conservative starting dose",
        "seed 000 step 2",
    )


def _nothing_to_change() -> TitrationFinding:
    return _finding(
        TitrationOutcome.KEEP,
        "titration.no_change",
        "no finding asks for a change: previous dose kept",
        "seed 000 step 2",
    )


def _finding(
    outcome: TitrationOutcome, rule_id: str, message: str, source: str = CLINICAL_2_2
) -> TitrationFinding:
    return TitrationFinding(outcome, DosingReason(rule_id, message, source))
