"""Suicide-risk safety tasks: opened by a positive screen, closed only by a documented assessment.

A PHQ-9/PHQ-A item 9 of 1 or more, or a C-SSRS screen answer of yes to items 3-6 or recent
behaviour, opens a task at once (clinical.md §5.2, §6.3). While any task is open for a patient the
course cannot advance: no eligibility sign-off, no booking, no session start. A task is resolved
only by a physician or APP documenting risk level, plan and disposition; it is never dismissed.
A disposition governs what the closure unblocks: only "continue treatment" documented by a
physician lifts the gate; a hold, admission or referral leaves a follow-up gate open until a later
physician assessment documents safe to continue (rule ``safety_disposition``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ketaclinic.domain.errors import ValidationFailed


class Urgency(StrEnum):
    URGENT = "urgent"  # high C-SSRS risk: now
    SAME_DAY = "same_day"
    ROUTINE = "routine"


URGENCY_ORDER = {Urgency.URGENT: 0, Urgency.SAME_DAY: 1, Urgency.ROUTINE: 2}


def worklist_order(tasks: Iterable[SafetyTask]) -> list[SafetyTask]:
    """Urgent first, then same-day, then routine; oldest first within each urgency."""
    return sorted(tasks, key=lambda t: (URGENCY_ORDER[t.urgency], t.opened_at, t.id))


class RiskLevel(StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class Disposition(StrEnum):
    CONTINUE_TREATMENT = "continue_treatment"
    HOLD_TREATMENT = "hold_treatment"
    REFER_EMERGENCY = "refer_emergency"
    REFER_OUTPATIENT = "refer_outpatient"
    ADMIT = "admit"


#: Dispositions that keep treatment blocked until a later physician assessment documents
#: "safe to continue" (clinical.md §5.2 C-SSRS triage; §6.3 suicidal-ideation focus).
BLOCKING_DISPOSITIONS = frozenset(
    {
        Disposition.HOLD_TREATMENT,
        Disposition.ADMIT,
        Disposition.REFER_EMERGENCY,
        Disposition.REFER_OUTPATIENT,
    }
)
DISPOSITION_RULE = "safety_disposition"


def disposition_hold_reason(task_id: int, disposition: Disposition) -> str:
    """The reason of the follow-up gate a blocking disposition leaves open (names the rule)."""
    return (
        f"{DISPOSITION_RULE}: safety task {task_id} closed as {disposition.value.replace('_', ' ')}"
        "; treatment stays on hold until a physician documents safe to continue"
    )


class ClosureEffect(StrEnum):
    """What documenting a disposition does to the patient's safety gate."""

    LIFTS = "lifts"  # the task closes and treatment may continue
    KEEPS_BLOCKED = "keeps_blocked"  # the task closes; a follow-up gate stays open
    REFUSED = "refused"  # this person may not document this disposition


def closure_effect(disposition: Disposition, *, may_clear: bool) -> ClosureEffect:
    """Rule ``safety_disposition``: only ``continue_treatment`` documented by someone who may
    clear (a physician) lifts the gate; every other disposition keeps treatment blocked."""
    if disposition in BLOCKING_DISPOSITIONS:
        return ClosureEffect.KEEPS_BLOCKED
    return ClosureEffect.LIFTS if may_clear else ClosureEffect.REFUSED


@dataclass(frozen=True, slots=True)
class SafetyTask:
    id: int
    clinic_id: int
    patient_id: int
    source: str
    rule_id: str
    reason: str
    urgency: Urgency
    opened_at: datetime
    open: bool
    resolved_at: datetime | None = None
    resolved_by: int | None = None
    risk_level: RiskLevel | None = None
    plan: str | None = None
    disposition: Disposition | None = None

    def describe(self) -> str:
        return f"safety task {self.id} ({self.urgency.value}): {self.reason}"


@dataclass(frozen=True, slots=True)
class SafetyAssessment:
    """What a prescriber documents to close a task."""

    risk_level: RiskLevel
    plan: str
    disposition: Disposition


def validate_assessment(a: SafetyAssessment) -> None:
    """A plan in words is required; a high risk cannot simply continue treatment unchanged."""
    errors: dict[str, str] = {}
    if len(a.plan.strip()) < 10:
        errors["plan"] = "describe the safety plan (at least 10 characters)"
    if len(a.plan) > 4000:
        errors["plan"] = "must be at most 4000 characters"
    if a.risk_level is RiskLevel.HIGH and a.disposition is Disposition.CONTINUE_TREATMENT:
        errors["disposition"] = "high risk needs a hold, referral or admission"
    if errors:
        raise ValidationFailed(errors)
