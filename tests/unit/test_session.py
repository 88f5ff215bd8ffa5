"""The infusion-session state machine: the transition table, every guard, every failed reason."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from ketaclinic.domain.errors import InvalidTransition
from ketaclinic.domain.infusion.session import (
    GUARDS,
    TRANSITIONS,
    SessionFacts,
    SessionState,
    allowed_targets,
    predose_bp_hold,
    to_mermaid,
    transition,
    visit_words,
)
from ketaclinic.domain.protocols.sections import Monitoring, Route, SourceRef

S = SessionState

# Facts where every check passes: each test breaks exactly what it is about.
ALL_DONE = SessionFacts(
    identity_confirmed=True,
    escort_named=True,
    escort_reachable=True,
    fasting_confirmed=True,
    pregnancy_test_required=True,
    pregnancy_test_negative=True,
    checkin_reviewed=True,
    baseline_vitals_recorded=True,
    symptom_check_done=True,
    premedication_recorded=True,
    route=Route.IV,
    iv_placement_recorded=True,
    verified_order=True,
    attendant_present=True,
    prescriber_on_site_by="Dr Zz-Test",
    reason="patient asked for a pause",
    resume_approved_by="dr-zz-test",
    dosing_end_recorded=True,
    discharge_unmet=(),
)


def test_every_state_is_in_the_table_and_every_guard_is_defined() -> None:
    states = {s for frm, to, _ in TRANSITIONS for s in (frm, to)}
    assert states == {s.value for s in SessionState}
    assert {g for _, _, g in TRANSITIONS} == set(GUARDS)


def test_happy_path_of_an_iv_session() -> None:
    state = S.SCHEDULED
    for to in (S.CHECKED_IN, S.READY, S.INFUSING, S.PAUSED, S.INFUSING, S.RECOVERY, S.DISCHARGED):
        state = transition(state, to, ALL_DONE)
    assert state is S.DISCHARGED


def test_stopped_session_still_goes_through_recovery() -> None:
    state = transition(S.INFUSING, S.STOPPED, ALL_DONE)
    assert transition(state, S.RECOVERY, ALL_DONE) is S.RECOVERY
    with pytest.raises(InvalidTransition):
        transition(state, S.DISCHARGED, ALL_DONE)


@pytest.mark.parametrize(
    ("frm", "to"),
    [
        (S.SCHEDULED, S.INFUSING),
        (S.RECOVERY, S.INFUSING),
        (S.DISCHARGED, S.RECOVERY),
        (S.CANCELLED, S.CHECKED_IN),
        (S.CHECKED_IN, S.NO_SHOW),
        (S.PAUSED, S.DISCHARGED),
    ],
    ids=lambda s: str(s),
)
def test_transitions_not_in_the_table_are_refused(frm: SessionState, to: SessionState) -> None:
    with pytest.raises(InvalidTransition) as refused:
        transition(frm, to, ALL_DONE)
    assert refused.value.field == "state"


def test_a_refused_move_names_the_states_in_plain_words() -> None:
    with pytest.raises(InvalidTransition) as refused:
        transition(S.CHECKED_IN, S.READY, SessionFacts())
    message = str(refused.value)
    assert "The session cannot move from checked in to ready yet" in message
    assert "checked_in" not in message and "->" not in message


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (S.SCHEDULED, "arrived and waiting for the nurse's check-in"),
        (S.CHECKED_IN, "checked in"),
        (S.READY, "ready to dose"),
        (S.INFUSING, "dosing"),
        (S.PAUSED, "dosing, paused"),
        (S.RECOVERY, "in recovery"),
    ],
)
def test_an_open_visit_says_where_the_patient_stands(state: SessionState, words: str) -> None:
    assert visit_words(state) == words


def test_check_in_with_nothing_done_lists_every_reason() -> None:
    facts = SessionFacts(open_safety_gates=("PHQ-9 item 9 positive, assessment pending",))
    with pytest.raises(InvalidTransition) as refused:
        transition(S.SCHEDULED, S.CHECKED_IN, facts)
    assert refused.value.reasons == (
        "identity_confirmed: identity not confirmed",
        "escort_named: no escort named for discharge",
        "escort_reachable: escort not confirmed reachable",
        "fasting_confirmed: fasting status not confirmed",
        "pregnancy_test: negative pregnancy test required by the protocol is missing",
        "checkin_reviewed: between-session check-in not reviewed",
        "safety_gates_clear: PHQ-9 item 9 positive, assessment pending",
    )


def test_pregnancy_test_only_when_required() -> None:
    facts = replace(ALL_DONE, pregnancy_test_required=False, pregnancy_test_negative=False)
    assert transition(S.SCHEDULED, S.CHECKED_IN, facts) is S.CHECKED_IN


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"baseline_vitals_recorded": False}, "baseline_vitals: baseline vitals not recorded"),
        ({"symptom_check_done": False}, "symptom_check: symptom check not done"),
        (
            {"premedication_recorded": False},
            "premedication: premedication not recorded (drug, dose, route, time, lot)",
        ),
        (
            {"iv_placement_recorded": False},
            "iv_placement: IV placement not recorded (site, gauge, attempts, who)",
        ),
        ({"route": None}, "route_known: route of administration unknown"),
        ({"verified_order": False}, "verified_order: no verified dose order"),
        (
            {"predose_hold": ("SBP 184 >= hold 180 mmHg",)},
            "predose_bp: SBP 184 >= hold 180 mmHg; recheck done, a prescriber (physician or APP) "
            "must decide",
        ),
        (
            {"predose_hard_stop": ("BP 230/132 mmHg above the hard-stop limit 180/100",)},
            "predose_bp_hard_stop: BP 230/132 mmHg above the hard-stop limit 180/100; hard stop, "
            "no dose today",
        ),
        ({"open_safety_gates": ("consent withdrawn",)}, "safety_gates_clear: consent withdrawn"),
    ],
    ids=[
        "vitals",
        "symptoms",
        "premedication",
        "iv-placement",
        "route",
        "order",
        "bp-hold",
        "bp-hard-stop",
        "safety-gate",
    ],
)
def test_pre_dose_checklist_reasons(change: dict[str, object], reason: str) -> None:
    with pytest.raises(InvalidTransition) as refused:
        transition(S.CHECKED_IN, S.READY, replace(ALL_DONE, **change))  # type: ignore[arg-type]
    assert refused.value.reasons == (reason,)


def test_predose_hold_passes_with_prescriber_decision() -> None:
    facts = replace(
        ALL_DONE,
        predose_hold=("SBP 184 >= hold 180 mmHg",),
        predose_bp_decided_by="Dr Demo Prescriber",
    )
    assert transition(S.CHECKED_IN, S.READY, facts) is S.READY


def test_predose_hard_stop_asks_no_prescriber_decision_on_the_hold_too() -> None:
    facts = replace(
        ALL_DONE,
        predose_hold=("BP 205/122 mmHg at or above the hold 180/100",),
        predose_hard_stop=("BP 205/122 mmHg above the hard-stop limit 180/100",),
    )
    with pytest.raises(InvalidTransition) as refused:
        transition(S.CHECKED_IN, S.READY, facts)
    assert refused.value.reasons == (
        "predose_bp_hard_stop: BP 205/122 mmHg above the hard-stop limit 180/100; hard stop, "
        "no dose today",
    )


def test_predose_hard_stop_holds_even_with_a_decision_and_at_dosing_start() -> None:
    facts = replace(
        ALL_DONE,
        predose_hard_stop=("BP 230/132 above 180/100",),
        predose_bp_decided_by="Dr Demo Prescriber",
    )
    with pytest.raises(InvalidTransition):
        transition(S.CHECKED_IN, S.READY, facts)
    with pytest.raises(InvalidTransition) as refused:
        transition(S.READY, S.INFUSING, facts)
    assert any(r.startswith("predose_bp_hard_stop") for r in refused.value.reasons)


@pytest.mark.parametrize("route", [Route.IM, Route.IN, Route.SL], ids=str)
def test_non_iv_routes_need_no_iv_placement(route: Route) -> None:
    facts = replace(ALL_DONE, route=route, iv_placement_recorded=False)
    assert transition(S.CHECKED_IN, S.READY, facts) is S.READY


def test_dosing_needs_attendant_and_prescriber_on_site() -> None:
    facts = replace(ALL_DONE, attendant_present=False, prescriber_on_site_by=" ")
    with pytest.raises(InvalidTransition) as refused:
        transition(S.READY, S.INFUSING, facts)
    assert refused.value.reasons == (
        "attendant_present: no attendant recorded",
        "prescriber_on_site: no prescriber (physician or APP) of this clinic named as on site",
    )


@pytest.mark.parametrize(
    ("frm", "to"),
    [
        (S.SCHEDULED, S.CANCELLED),
        (S.SCHEDULED, S.NO_SHOW),
        (S.INFUSING, S.PAUSED),
        (S.INFUSING, S.STOPPED),
        (S.PAUSED, S.STOPPED),
    ],
    ids=lambda s: str(s),
)
def test_cancel_no_show_pause_and_stop_need_a_reason(frm: SessionState, to: SessionState) -> None:
    with pytest.raises(InvalidTransition) as refused:
        transition(frm, to, replace(ALL_DONE, reason="  "))
    assert refused.value.reasons == ("reason_given: a reason is required",)


def test_resume_after_alarm_needs_ack_approval_and_no_stop_alarm() -> None:
    facts = replace(
        ALL_DONE,
        resume_approved_by="",
        unacknowledged_alarms=("sbp-180",),
        open_stop_alarms=("spo2-92",),
    )
    with pytest.raises(InvalidTransition) as refused:
        transition(S.PAUSED, S.INFUSING, facts)
    assert refused.value.reasons == (
        "resume_approved: a signed-in prescriber (physician or APP) must approve resuming after "
        "this pause",
        "alarms_acknowledged: sbp-180",
        "no_stop_alarm: spo2-92",
    )


def test_discharge_needs_evaluated_and_met_criteria() -> None:
    with pytest.raises(InvalidTransition) as not_evaluated:
        transition(S.RECOVERY, S.DISCHARGED, replace(ALL_DONE, discharge_unmet=None))
    assert not_evaluated.value.reasons == ("discharge_evaluated: discharge criteria not evaluated",)
    with pytest.raises(InvalidTransition) as unmet:
        unmet_facts = replace(ALL_DONE, discharge_unmet=("aldrete: modified Aldrete 8 < 9",))
        transition(S.RECOVERY, S.DISCHARGED, unmet_facts)
    assert unmet.value.reasons == ("discharge_criteria: aldrete: modified Aldrete 8 < 9",)


def test_defaults_fail_closed_for_every_guarded_transition() -> None:
    for frm, to, _guard in TRANSITIONS:
        with pytest.raises(InvalidTransition):
            transition(S(frm), S(to), SessionFacts())


def test_allowed_targets_and_mermaid_come_from_the_table() -> None:
    assert allowed_targets(S.PAUSED) == (S.INFUSING, S.STOPPED)
    diagram = to_mermaid()
    assert diagram.startswith("stateDiagram-v2")
    assert "    infusing --> paused: reason_given" in diagram
    assert diagram.count("-->") == len(TRANSITIONS) + 1 + 3


MONITORING = Monitoring(
    vitals_every_min=10,
    recovery_vitals_every_min=15,
    alert_rules=(),
    scales=(),
    predose_hold_sbp_mmhg=Decimal(180),
    predose_hold_dbp_mmhg=Decimal(110),
    sources={"predose_hold_sbp_mmhg": SourceRef("clinical.md §4.3", needs_signoff=True)},
)


@pytest.mark.parametrize(
    ("sbp", "dbp", "reasons"),
    [
        (179, 109, ()),
        (180, 90, ("systolic 180 mmHg is at or above the hold of 180 mmHg",)),
        (150, 110, ("diastolic 110 mmHg is at or above the hold of 110 mmHg",)),
        (
            190,
            115,
            (
                "systolic 190 mmHg is at or above the hold of 180 mmHg",
                "diastolic 115 mmHg is at or above the hold of 110 mmHg",
            ),
        ),
    ],
    ids=["179/109-no-hold", "180/90-hold", "150/110-hold", "190/115-both"],
)
def test_predose_bp_hold(sbp: int, dbp: int, reasons: tuple[str, ...]) -> None:
    """clinical.md §4.3 suggested pre-dose rule: SBP >= 180 or DBP >= 110 -> hold and recheck."""
    hold = predose_bp_hold(Decimal(sbp), Decimal(dbp), MONITORING)
    assert hold.reasons == reasons
    assert hold.held is bool(reasons)
    assert hold.source == "clinical.md §4.3"
