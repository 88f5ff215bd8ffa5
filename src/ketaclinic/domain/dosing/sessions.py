"""What the previous sessions recorded, and the titration findings they lead to.

Sources: clinical.md §4.3 (BP hold/stop thresholds; alarm rules are the protocol's), §4.4 (adverse
effects and their management), §4.5 (CADSS and CADSS-6 dissociation), §2.2 (escalation after no
response). The adverse-event consequences below are not in the protocol's ``TitrationRules`` yet,
so their reasons are flagged ``needs_signoff``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from ketaclinic.domain.assessments.instruments.cadss import DISSOCIATION_TOTAL_RANGES
from ketaclinic.domain.dosing.checkin import TitrationFinding, TitrationOutcome
from ketaclinic.domain.dosing.reasons import DosingReason, protocol_reason
from ketaclinic.domain.errors import ValidationFailed
from ketaclinic.domain.protocols.sections import AlertAction, TitrationRules

CLINICAL_4_3 = "clinical.md §4.3"
CLINICAL_4_4 = "clinical.md §4.4"
CLINICAL_4_5 = "clinical.md §4.5"
CLINICAL_2_2 = "clinical.md §2.2"
BP_PARAMETERS = frozenset({"sbp", "dbp", "map"})


class DissociationInstrument(StrEnum):
    CADSS6 = "cadss6"  # items 1, 2, 6, 7, 15, 22 of the 23-item CADSS
    CADSS = "cadss"  # 23-item CADSS

    @property
    def total_range(self) -> tuple[int, int]:
        """Inclusive bounds of the total (``instruments.cadss.DISSOCIATION_TOTAL_RANGES``)."""
        return DISSOCIATION_TOTAL_RANGES[self.value]


class AdverseEvent(StrEnum):
    """Adverse events recorded during or after a session (clinical.md §4.4)."""

    NAUSEA = "nausea"
    VOMITING = "vomiting"
    EMERGENCE_REACTION = "emergence_reaction"
    HYPERSALIVATION = "hypersalivation"
    HYPERTENSIVE_SYMPTOMS = "hypertensive_symptoms"
    RESPIRATORY_DEPRESSION = "respiratory_depression"
    GENITOURINARY_PAIN = "genitourinary_pain"


def classify_adverse_event(kind: str) -> AdverseEvent | None:
    """The titration rules' adverse event a recorded kind names ("Nausea", "emergence
    reaction"...), or None for a kind the rules do not know (shown, never dropped)."""
    key = "_".join(kind.strip().lower().replace("-", " ").split())
    try:
        return AdverseEvent(key)
    except ValueError:
        return None


# What each adverse event asks of the next session. Defaults, UNCONFIRMED: need sign-off.
ADVERSE_EVENT_OUTCOMES: dict[AdverseEvent, TitrationOutcome] = {
    AdverseEvent.NAUSEA: TitrationOutcome.KEEP,  # premedication, not a dose change
    AdverseEvent.VOMITING: TitrationOutcome.STEP_DOWN,
    AdverseEvent.EMERGENCE_REACTION: TitrationOutcome.STEP_DOWN,
    AdverseEvent.HYPERSALIVATION: TitrationOutcome.KEEP,
    AdverseEvent.HYPERTENSIVE_SYMPTOMS: TitrationOutcome.HOLD_AND_REVIEW,
    AdverseEvent.RESPIRATORY_DEPRESSION: TitrationOutcome.HOLD_AND_REVIEW,
    AdverseEvent.GENITOURINARY_PAIN: TitrationOutcome.HOLD_AND_REVIEW,
}


@dataclass(frozen=True, slots=True)
class SessionAlarm:
    """An alarm that fired during a session: the protocol rule id, its parameter and action."""

    rule_id: str
    parameter: str
    action: AlertAction


@dataclass(frozen=True, slots=True)
class PreviousSession:
    """What one earlier session recorded. ``dissociation_peak_total`` is on ``instrument``."""

    session_number: int
    given_at: datetime
    dose_mg: Decimal
    dose_mg_per_kg: Decimal | None
    dissociation_instrument: DissociationInstrument | None = None
    dissociation_peak_total: int | None = None
    excessive_sedation: bool = False
    alarms: tuple[SessionAlarm, ...] = ()
    adverse_events: tuple[AdverseEvent, ...] = ()
    stopped_early: bool = False

    def __post_init__(self) -> None:
        if self.given_at.tzinfo is None:
            raise ValidationFailed({"given_at": "must be timezone-aware"})
        if not self.dose_mg > 0:
            raise ValidationFailed({"dose_mg": "must be greater than zero"})
        if (self.dissociation_instrument is None) != (self.dissociation_peak_total is None):
            raise ValidationFailed({"dissociation_peak_total": "needs its instrument"})
        if self.dissociation_peak_total is not None and self.dissociation_peak_total < 0:
            raise ValidationFailed({"dissociation_peak_total": "must not be negative"})


@dataclass(frozen=True, slots=True)
class SymptomChange:
    """The primary instrument's baseline and latest totals (for example PHQ-9 or MADRS)."""

    instrument: str
    baseline_score: int
    latest_score: int

    @property
    def pct_drop(self) -> Decimal | None:
        """Percent fall from baseline (negative when worse); None for a zero baseline."""
        if self.baseline_score <= 0:
            return None
        drop = Decimal(self.baseline_score - self.latest_score) * 100 / self.baseline_score
        return drop.quantize(Decimal("0.1"))


def session_findings(
    previous: PreviousSession, rules: TitrationRules
) -> tuple[TitrationFinding, ...]:
    """Findings from the last session: alarms, early stop, adverse events, sedation, CADSS."""
    return (
        _alarm_findings(previous)
        + _adverse_event_findings(previous)
        + _sedation_findings(previous)
        + _excessive_dissociation(previous, rules)
    )


def response_findings(
    previous: PreviousSession,
    rules: TitrationRules,
    next_session_number: int,
    symptoms: SymptomChange | None,
) -> tuple[TitrationFinding, ...]:
    """Step up when dissociation was insufficient and symptoms have not responded (see module)."""
    cadss6 = _cadss6_total(previous)
    if cadss6 is None or cadss6 > rules.insufficient_cadss6_total:
        return ()
    if next_session_number <= rules.step_up_after_session:
        return ()
    drop = symptoms.pct_drop if symptoms else None
    if drop is None:
        return (
            _keep(
                "titration.response_unknown",
                "dissociation was low but no symptom change since baseline is recorded",
            ),
        )
    if drop >= rules.no_response_pct_drop_below:
        return ()
    message = (
        f"CADSS-6 peak {cadss6} <= {rules.insufficient_cadss6_total} and "
        f"{symptoms.instrument if symptoms else ''} fell {drop}% (< "
        f"{rules.no_response_pct_drop_below}%) after session {previous.session_number}"
    )
    reason = protocol_reason(
        "titration.insufficient_response",
        message,
        rules.sources,
        "insufficient_cadss6_total",
        CLINICAL_2_2,
    )
    return (TitrationFinding(TitrationOutcome.STEP_UP, reason),)


def _alarm_findings(previous: PreviousSession) -> tuple[TitrationFinding, ...]:
    findings: list[TitrationFinding] = []
    for alarm in previous.alarms:
        is_bp = alarm.parameter in BP_PARAMETERS
        if is_bp or alarm.action in (AlertAction.PAUSE, AlertAction.STOP):
            message = (
                f"alarm {alarm.rule_id} ({alarm.parameter}, {alarm.action.value}) last session"
            )
            findings.append(
                TitrationFinding(
                    TitrationOutcome.HOLD_AND_REVIEW,
                    DosingReason(f"titration.alarm.{alarm.rule_id}", message, CLINICAL_4_3),
                )
            )
    if previous.stopped_early:
        findings.append(
            TitrationFinding(
                TitrationOutcome.HOLD_AND_REVIEW,
                DosingReason(
                    "titration.stopped_early", "last session was stopped early", CLINICAL_4_3
                ),
            )
        )
    return tuple(findings)


def _adverse_event_findings(previous: PreviousSession) -> tuple[TitrationFinding, ...]:
    return tuple(
        TitrationFinding(
            ADVERSE_EVENT_OUTCOMES[event],
            DosingReason(
                f"titration.adverse_event.{event.value}",
                f"{event.value.replace('_', ' ')} last session",
                CLINICAL_4_4,
                needs_signoff=True,
            ),
        )
        for event in dict.fromkeys(previous.adverse_events)
    )


def _sedation_findings(previous: PreviousSession) -> tuple[TitrationFinding, ...]:
    if not previous.excessive_sedation:
        return ()
    reason = DosingReason(
        "titration.excessive_sedation",
        "excessive sedation last session",
        CLINICAL_4_4,
        needs_signoff=True,
    )
    return (TitrationFinding(TitrationOutcome.STEP_DOWN, reason),)


def _excessive_dissociation(
    previous: PreviousSession, rules: TitrationRules
) -> tuple[TitrationFinding, ...]:
    if previous.dissociation_instrument is DissociationInstrument.CADSS:
        return (
            _keep(
                "titration.dissociation_not_comparable",
                "dissociation was measured on the full CADSS; the protocol's thresholds "
                "are CADSS-6 totals, so a clinician must judge it",
                CLINICAL_4_5,
            ),
        )
    cadss6 = _cadss6_total(previous)
    if cadss6 is None or cadss6 < rules.excessive_cadss6_total:
        return ()
    reason = protocol_reason(
        "titration.excessive_dissociation",
        f"CADSS-6 peak {cadss6} >= {rules.excessive_cadss6_total} last session",
        rules.sources,
        "excessive_cadss6_total",
        CLINICAL_4_5,
    )
    return (TitrationFinding(TitrationOutcome.STEP_DOWN, reason),)


def _cadss6_total(previous: PreviousSession) -> int | None:
    if previous.dissociation_instrument is DissociationInstrument.CADSS6:
        return previous.dissociation_peak_total
    return None


def _keep(rule_id: str, message: str, source: str = CLINICAL_2_2) -> TitrationFinding:
    return TitrationFinding(TitrationOutcome.KEEP, DosingReason(rule_id, message, source))
