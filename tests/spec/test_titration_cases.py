"""Titration recommendations a clinician can read: one row per case, each citing its source.

Route: adult IV 0.5 mg/kg (step 0.25 mg/kg, ceilings 1 mg/kg / 100 mg) on a 70 kg dosing weight.
Rules: CADSS-6 excessive >= 12, insufficient <= 2, step up only after session 3 when the primary
score fell < 25 %, minimum sleep 4 h (all protocol defaults needing sign-off).
Unless a row changes it, the last session was session 3 at 0.5 mg/kg (35 mg) with CADSS-6 peak 6,
no alarm or adverse event, PHQ-9 20 -> 12 (40 % drop), and a check-in with 7 h sleep.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from ketaclinic.domain.dosing.checkin import (
    BetweenSessionCheckIn,
    CheckInSource,
    MedicationChange,
    MedicationChangeKind,
    SideEffect,
)
from ketaclinic.domain.dosing.sessions import (
    AdverseEvent,
    DissociationInstrument,
    PreviousSession,
    SessionAlarm,
    SymptomChange,
)
from ketaclinic.domain.dosing.titration import TitrationInput, recommend_titration
from ketaclinic.domain.protocols.sections import AlertAction
from tests.unit.test_dosing_factories import AT, actual_weight, iv_route, sl_route, titration_rules

D = Decimal
CADSS6 = DissociationInstrument.CADSS6
LAST = PreviousSession(3, AT - timedelta(days=3), D(35), D("0.5"), CADSS6, 6)
CHECKIN = BetweenSessionCheckIn(
    AT - timedelta(hours=2), CheckInSource.PATIENT_LINK, 3, False, D(7), False
)
RESPONDING = SymptomChange("phq9", 20, 12)
NOT_RESPONDING = SymptomChange("phq9", 20, 18)


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    outcome: str
    dose_mg: Decimal | None
    reasons: frozenset[str]
    last: dict[str, Any] = field(default_factory=dict)
    checkin: dict[str, Any] | None = field(default_factory=dict)
    symptoms: SymptomChange | None = RESPONDING
    next_session: int = 4
    route: dict[str, Any] = field(default_factory=dict)
    first_session: bool = False


CASES = [
    Case(
        "first_session_starts_conservatively",
        "seed 000 step 2; clinical.md §2.1",
        "keep",
        D(35),
        frozenset({"titration.first_session"}),
        first_session=True,
        checkin=None,
        next_session=1,
    ),
    Case(
        "nothing_recorded_keeps_dose",
        "seed 000 step 2",
        "keep",
        D(35),
        frozenset({"titration.no_change"}),
    ),
    Case(
        "excessive_dissociation_steps_down",
        "clinical.md §4.5; protocol titration",
        "step_down",
        D("17.5"),
        frozenset({"titration.excessive_dissociation"}),
        last={"dissociation_peak_total": 14},
    ),
    Case(
        "insufficient_dissociation_no_response_steps_up",
        "clinical.md §2.2 (Cusin 2017)",
        "step_up",
        D("52.5"),
        frozenset({"titration.insufficient_response"}),
        last={"dissociation_peak_total": 1},
        symptoms=NOT_RESPONDING,
    ),
    Case(
        "step_up_is_clipped_at_ceiling",
        "clinical.md §2.2 (site ceilings)",
        "step_up",
        D(70),
        frozenset({"titration.insufficient_response"}),
        last={"dissociation_peak_total": 0, "dose_mg": D("63"), "dose_mg_per_kg": D("0.9")},
        symptoms=NOT_RESPONDING,
    ),
    Case(
        "step_up_already_at_ceiling_keeps",
        "clinical.md §2.2 (site ceilings)",
        "keep",
        D(70),
        frozenset({"titration.insufficient_response", "titration.at_ceiling"}),
        last={"dissociation_peak_total": 0, "dose_mg": D(70), "dose_mg_per_kg": D("1.0")},
        symptoms=NOT_RESPONDING,
    ),
    Case(
        "no_step_up_before_session_3_is_done",
        "protocol step_up_after_session",
        "keep",
        D(35),
        frozenset({"titration.no_change"}),
        last={"dissociation_peak_total": 1, "session_number": 2},
        symptoms=NOT_RESPONDING,
        next_session=3,
    ),
    Case(
        "low_dissociation_but_responding_keeps",
        "clinical.md §2.2",
        "keep",
        D(35),
        frozenset({"titration.no_change"}),
        last={"dissociation_peak_total": 1},
    ),
    Case(
        "low_dissociation_response_unknown_keeps",
        "clinical.md §2.2",
        "keep",
        D(35),
        frozenset({"titration.response_unknown"}),
        last={"dissociation_peak_total": 1},
        symptoms=None,
    ),
    Case(
        "full_cadss_not_compared_to_cadss6_thresholds",
        "clinical.md §4.5",
        "keep",
        D(35),
        frozenset({"titration.dissociation_not_comparable"}),
        last={
            "dissociation_instrument": DissociationInstrument.CADSS,
            "dissociation_peak_total": 30,
        },
    ),
    Case(
        "bp_alarm_last_session_holds",
        "clinical.md §4.3",
        "hold_and_review",
        None,
        frozenset({"titration.alarm.sbp-high"}),
        last={"alarms": (SessionAlarm("sbp-high", "sbp", AlertAction.NOTIFY),)},
    ),
    Case(
        "spo2_pause_alarm_holds",
        "clinical.md §4.3",
        "hold_and_review",
        None,
        frozenset({"titration.alarm.spo2-low"}),
        last={"alarms": (SessionAlarm("spo2-low", "spo2", AlertAction.PAUSE),)},
    ),
    Case(
        "hr_notify_alarm_does_not_hold",
        "clinical.md §4.3 (notify only)",
        "keep",
        D(35),
        frozenset({"titration.no_change"}),
        last={"alarms": (SessionAlarm("hr-high", "hr", AlertAction.NOTIFY),)},
    ),
    Case(
        "stopped_early_holds",
        "clinical.md §4.3",
        "hold_and_review",
        None,
        frozenset({"titration.stopped_early"}),
        last={"stopped_early": True},
    ),
    Case(
        "emergence_reaction_steps_down",
        "clinical.md §4.4 (Ketalar PI)",
        "step_down",
        D("17.5"),
        frozenset({"titration.adverse_event.emergence_reaction"}),
        last={"adverse_events": (AdverseEvent.EMERGENCE_REACTION,)},
    ),
    Case(
        "vomiting_steps_down",
        "clinical.md §4.4",
        "step_down",
        D("17.5"),
        frozenset({"titration.adverse_event.vomiting"}),
        last={"adverse_events": (AdverseEvent.VOMITING,)},
    ),
    Case(
        "nausea_keeps_dose",
        "clinical.md §4.4 (premedication)",
        "keep",
        D(35),
        frozenset({"titration.adverse_event.nausea"}),
        last={"adverse_events": (AdverseEvent.NAUSEA,)},
    ),
    Case(
        "excessive_sedation_steps_down",
        "clinical.md §4.4",
        "step_down",
        D("17.5"),
        frozenset({"titration.excessive_sedation"}),
        last={"excessive_sedation": True},
    ),
    Case(
        "sleep_deprivation_postpones",
        "seed 000 step 5; protocol min_sleep_hours",
        "postpone",
        None,
        frozenset({"checkin.sleep_deprivation"}),
        checkin={"sleep_hours_last_night": D(3)},
    ),
    Case(
        "illness_postpones",
        "seed 000 step 5",
        "postpone",
        None,
        frozenset({"checkin.illness"}),
        checkin={"illness": True},
    ),
    Case(
        "anxiety_spike_holds",
        "seed 000 step 5",
        "hold_and_review",
        None,
        frozenset({"checkin.anxiety_spike"}),
        checkin={"anxiety_spike": True, "anxiety_0_10": 9},
    ),
    Case(
        "medication_change_holds_for_interactions",
        "clinical.md §1.5",
        "hold_and_review",
        None,
        frozenset({"checkin.medication_change"}),
        checkin={
            "medication_changes": (MedicationChange("Lamotrigine", MedicationChangeKind.STARTED),)
        },
    ),
    Case(
        "urinary_pain_holds",
        "Ketalar PI §2.1",
        "hold_and_review",
        None,
        frozenset({"checkin.urinary_pain"}),
        checkin={"side_effects": (SideEffect.URINARY_PAIN,)},
    ),
    Case(
        "missing_checkin_holds",
        "seed 000 step 5",
        "hold_and_review",
        None,
        frozenset({"checkin.missing"}),
        checkin=None,
    ),
    Case(
        "postpone_wins_and_every_reason_is_kept",
        "seed 000 step 5; clinical.md §4.3",
        "postpone",
        None,
        frozenset(
            {
                "checkin.sleep_deprivation",
                "titration.alarm.sbp-high",
                "titration.excessive_dissociation",
            }
        ),
        last={
            "dissociation_peak_total": 20,
            "alarms": (SessionAlarm("sbp-high", "sbp", AlertAction.PAUSE),),
        },
        checkin={"sleep_hours_last_night": D(2)},
    ),
    Case(
        "sublingual_steps_up_by_fixed_mg",
        "clinical.md §7.2",
        "step_up",
        D(150),
        frozenset({"titration.insufficient_response"}),
        route={"sublingual": True},
        last={"dissociation_peak_total": 0, "dose_mg": D(100), "dose_mg_per_kg": None},
        symptoms=NOT_RESPONDING,
    ),
]


def _recommend(case: Case) -> Any:
    route = sl_route() if case.route.get("sublingual") else iv_route()
    previous = () if case.first_session else (replace(LAST, **case.last),)
    checkin = None if case.checkin is None else replace(CHECKIN, **case.checkin)
    inputs = TitrationInput(
        route,
        titration_rules(),
        actual_weight("70"),
        case.next_session,
        previous,
        case.symptoms,
        checkin,
    )
    return recommend_titration(inputs, at=AT)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_titration_case(case: Case) -> None:
    recommendation = _recommend(case)
    assert recommendation.outcome.value == case.outcome, case.source
    proposed = recommendation.proposed.dose_mg if recommendation.proposed else None
    assert proposed == case.dose_mg, case.source
    assert {r.rule_id for r in recommendation.reasons} == case.reasons, case.source
    assert all(r.source and r.message for r in recommendation.reasons)


def test_most_restrictive_reason_comes_first() -> None:
    case = next(c for c in CASES if c.id == "postpone_wins_and_every_reason_is_kept")
    outcomes = [f.outcome.value for f in _recommend(case).findings]
    assert outcomes == ["postpone", "hold_and_review", "step_down"]
