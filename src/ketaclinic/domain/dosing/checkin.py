"""The between-session check-in and what it means for the next session.

Seed 000 step 5: adjust dose and timing when anxiety spikes between infusions, or when sleep
deprivation, illness or medication changes arise. The patient answers through their link or staff
record the answers at check-in. The thresholds come from the protocol's ``TitrationRules``
(``min_sleep_hours``, a default that needs sign-off); what each answer leads to is listed in
:func:`assess_checkin`. A medication change re-runs the evaluation's interaction findings: the
service passes :func:`medications_to_recheck` to the eligibility rules (clinical.md §1.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from ketaclinic.domain.dosing.reasons import DosingReason, protocol_reason
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.sections import TitrationRules

SEED_STEP_5 = "seed 000 step 5"
CLINICAL_1_5 = "clinical.md §1.5"


class TitrationOutcome(StrEnum):
    """What the recommendation asks for this session, most restrictive first in precedence."""

    POSTPONE = "postpone"
    HOLD_AND_REVIEW = "hold_and_review"
    STEP_DOWN = "step_down"
    STEP_UP = "step_up"
    KEEP = "keep"


OUTCOME_PRECEDENCE = tuple(TitrationOutcome)  # declaration order: postpone wins over keep


class MedicationChangeKind(StrEnum):
    STARTED = "started"
    STOPPED = "stopped"
    DOSE_CHANGED = "dose_changed"


class SideEffect(StrEnum):
    """Side effects the patient reports since the last session."""

    NAUSEA = "nausea"
    VOMITING = "vomiting"
    HEADACHE = "headache"
    DIZZINESS = "dizziness"
    NIGHTMARES = "nightmares"
    URINARY_PAIN = "urinary_pain"
    OTHER = "other"


class CheckInSource(StrEnum):
    PATIENT_LINK = "patient_link"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class MedicationChange:
    """A medication started, stopped or changed since the last session (generic drug name)."""

    drug: str
    change: MedicationChangeKind


@dataclass(frozen=True, slots=True)
class BetweenSessionCheckIn:
    """The check-in answers. ``anxiety_0_10`` is the patient's own rating; ``anxiety_spike`` is
    their (or staff's) answer to "has anxiety spiked since the last session?"."""

    recorded_at: datetime
    recorded_by: CheckInSource
    anxiety_0_10: int | None
    anxiety_spike: bool
    sleep_hours_last_night: Decimal
    illness: bool
    medication_changes: tuple[MedicationChange, ...] = ()
    side_effects: tuple[SideEffect, ...] = ()

    def __post_init__(self) -> None:
        errors = answer_errors(
            self.anxiety_0_10, self.sleep_hours_last_night, self.medication_changes
        )
        if self.recorded_at.tzinfo is None:
            errors["recorded_at"] = "must be timezone-aware"
        if errors:
            raise ValidationFailed(errors)


def answer_errors(
    anxiety_0_10: int | None,
    sleep_hours_last_night: Decimal,
    medication_changes: tuple[MedicationChange, ...],
) -> dict[str, str]:
    """What is wrong with a check-in's answers, by field (the one rule set, whoever enters them)."""
    errors: dict[str, str] = {}
    if anxiety_0_10 is not None and not 0 <= anxiety_0_10 <= 10:
        errors["anxiety_0_10"] = "must be between 0 and 10"
    if not sleep_hours_last_night.is_finite() or not (
        Decimal(0) <= sleep_hours_last_night <= Decimal(24)
    ):
        errors["sleep_hours_last_night"] = "must be between 0 and 24 hours"
    for index, change in enumerate(medication_changes):
        if not change.drug.strip():
            errors[f"medication_changes.{index}.drug"] = "is required"
    return errors


@dataclass(frozen=True, slots=True)
class TitrationFinding:
    """One fact and the outcome it asks for."""

    outcome: TitrationOutcome
    reason: DosingReason


def medications_to_recheck(checkin: BetweenSessionCheckIn) -> tuple[str, ...]:
    """Drugs whose change must re-run the evaluation's interaction findings (clinical.md §1.5)."""
    return tuple(sorted({change.drug.strip().lower() for change in checkin.medication_changes}))


def assess_checkin(
    checkin: BetweenSessionCheckIn | None,
    rules: TitrationRules,
    *,
    last_session_at: datetime | None,
    at: datetime,
) -> tuple[TitrationFinding, ...]:
    """Findings from the check-in before session dosing.

    - sleep below ``rules.min_sleep_hours`` -> postpone (protocol default, needs sign-off);
    - illness -> postpone;
    - anxiety spike, any medication change, urinary pain -> hold and review;
    - no check-in since the last session (or one dated after ``at``) -> hold and review.
    Source: seed 000 step 5; clinical.md §1.5 (interactions); Ketalar PI §2.1 (urinary pain).
    """
    if last_session_at is None and checkin is None:
        return ()
    if (
        checkin is None
        or checkin.recorded_at > at
        or (last_session_at is not None and checkin.recorded_at < last_session_at)
    ):
        return (_hold("checkin.missing", "no check-in recorded since the last session"),)
    return (
        _sleep_findings(checkin, rules)
        + _illness_findings(checkin)
        + _anxiety_findings(checkin)
        + _medication_findings(checkin)
        + _side_effect_findings(checkin)
    )


def _sleep_findings(
    checkin: BetweenSessionCheckIn, rules: TitrationRules
) -> tuple[TitrationFinding, ...]:
    hours = checkin.sleep_hours_last_night
    if hours >= rules.min_sleep_hours:
        return ()
    reason = protocol_reason(
        "checkin.sleep_deprivation",
        f"slept {hours} h, below the protocol minimum of {rules.min_sleep_hours} h",
        rules.sources,
        "min_sleep_hours",
        SEED_STEP_5,
    )
    return (TitrationFinding(TitrationOutcome.POSTPONE, reason),)


def _illness_findings(checkin: BetweenSessionCheckIn) -> tuple[TitrationFinding, ...]:
    if not checkin.illness:
        return ()
    reason = DosingReason("checkin.illness", "illness reported since the last session", SEED_STEP_5)
    return (TitrationFinding(TitrationOutcome.POSTPONE, reason),)


def _anxiety_findings(checkin: BetweenSessionCheckIn) -> tuple[TitrationFinding, ...]:
    if not checkin.anxiety_spike:
        return ()
    rating = "" if checkin.anxiety_0_10 is None else f" (rated {checkin.anxiety_0_10}/10)"
    return (_hold("checkin.anxiety_spike", f"anxiety spiked since the last session{rating}"),)


def _medication_findings(checkin: BetweenSessionCheckIn) -> tuple[TitrationFinding, ...]:
    drugs = medications_to_recheck(checkin)
    if not drugs:
        return ()
    message = f"medication changed ({', '.join(drugs)}): re-run the interaction review"
    reason = DosingReason("checkin.medication_change", message, CLINICAL_1_5)
    return (TitrationFinding(TitrationOutcome.HOLD_AND_REVIEW, reason),)


def _side_effect_findings(checkin: BetweenSessionCheckIn) -> tuple[TitrationFinding, ...]:
    if SideEffect.URINARY_PAIN not in checkin.side_effects:
        return ()
    reason = DosingReason(
        "checkin.urinary_pain",
        "genitourinary pain reported: the label advises considering stopping ketamine",
        "Ketalar PI §2.1",
    )
    return (TitrationFinding(TitrationOutcome.HOLD_AND_REVIEW, reason),)


def _hold(rule_id: str, message: str) -> TitrationFinding:
    return TitrationFinding(
        TitrationOutcome.HOLD_AND_REVIEW, DosingReason(rule_id, message, SEED_STEP_5)
    )
