"""The infusion-day workflow through the services on SQLite and PostgreSQL: check-in refuses with
every missing item, an open safety gate and absent consent; the pre-dose checklist needs baseline
vitals, a BP recheck with a prescriber decision above the hold, premedication, IV placement and
the verified order; dosing records ketamine with lot and who gave it; recovery with Aldrete; the
discharge is refused before the minimum observation time and accepted after, and a physician
may sign against a failed criterion only with a reason and an extended observation period."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from ketaclinic.domain.assessments.safety import Urgency
from ketaclinic.domain.consent.signatures import ConsentStatus
from ketaclinic.domain.dosing.records import OrderStatus
from ketaclinic.domain.errors import (
    Conflict,
    InvalidTransition,
    PermissionDenied,
    SafetyBlock,
    ValidationFailed,
)
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.discharge import AldreteScore
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.assessments.safety import SafetyFlag, open_tasks
from ketaclinic.services.infusion.ports import RecordKind
from ketaclinic.services.infusion.workflow import SessionWorkflowService
from tests.conftest import World
from tests.infusion_world import start_fields
from tests.integration.test_orders_service import DosingSetup, bedside, iv_draft, set_up_course

CHECK_IN: dict[str, Any] = {
    "identity_confirmed": True,
    "escort_name": "Sam Demo-Escort",
    "escort_phone": "555-0100",
    "escort_reachable": True,
    "fasting_confirmed": True,
    "pregnancy_test": "negative",
    "checkin_reviewed": True,
}


@dataclass
class Day:
    world: World
    setup: DosingSetup
    flow: SessionWorkflowService
    session_id: int
    order_id: int


def _verified_order(world: World, setup: DosingSetup) -> int:
    order = world.services.orders.sign(world.actor(Role.APP), setup.course_id, iv_draft())
    c = order.content
    entry = bedside(
        setup.mrn,
        concentration_mg_per_ml=c.final_concentration_mg_per_ml,
        dose_mg=c.dose_mg,
        rate_ml_per_h=c.rate_ml_per_h,
    )
    assert world.services.orders.verify(world.actor(Role.NURSE), order.id, entry).verified
    return order.id


def make_day(world: World) -> Day:
    """A consented course, a verified order and a scheduled session in a chair."""
    s = world.services
    setup = set_up_course(s, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK))
    with s.uow() as uow:
        chair_id = uow.clinics.add_chair(world.clinic.id, "Chair 1", ("monitor",))
        uow.commit()
    order_id = _verified_order(world, setup)
    session = s.sessions.create(
        world.actor(Role.PHYSICIAN), setup.course_id, chair_id, unscheduled_reason="walk-in"
    )
    flow = s.session_workflow
    return Day(world, setup, flow, session.id, order_id)


@pytest.fixture
def day(world: World) -> Day:
    return make_day(world)


def _pre_dose(day: Day, **changes: Any) -> Mapping[str, Any]:
    values: dict[str, Any] = {
        "sbp_mmhg": "128",
        "dbp_mmhg": "82",
        "hr_per_min": "74",
        "spo2_pct": "98",
        "symptom_check": "no headache, no nausea",
        "order_id": str(day.order_id),
    }
    values.update(changes)
    return values


def _ready(day: Day) -> None:
    nurse = day.world.actor(Role.NURSE)
    day.flow.check_in(nurse, day.session_id, CHECK_IN)
    _premed_and_iv(day)
    day.flow.pre_dose(nurse, day.session_id, _pre_dose(day))


def _premed_and_iv(day: Day) -> None:
    nurse = day.world.actor(Role.NURSE)
    day.flow.give(
        nurse,
        day.session_id,
        {
            "drug": "ondansetron",
            "dose_mg": "4",
            "route": "PO",
            "lot": "LOT-DEMO-1",
            "given_by": str(nurse.staff_id),
        },
    )
    day.flow.place_iv(
        nurse,
        day.session_id,
        {"site": "left antecubital", "gauge": "22", "attempts": "1", "placed_by": nurse.staff_id},
    )


def test_check_in_refuses_with_every_missing_item_and_stores_nothing(day: Day) -> None:
    nurse = day.world.actor(Role.NURSE)
    with pytest.raises(InvalidTransition) as refused:
        day.flow.check_in(
            nurse,
            day.session_id,
            {
                **CHECK_IN,
                "identity_confirmed": False,
                "escort_reachable": False,
                "pregnancy_test": "not_applicable",
            },
        )
    reasons = " ".join(refused.value.reasons)
    assert "identity_confirmed" in reasons and "escort_reachable" in reasons
    assert "pregnancy_test" in reasons
    with pytest.raises(ValidationFailed) as bad:
        day.flow.check_in(nurse, day.session_id, {**CHECK_IN, "escort_name": ""})
    assert "escort_name" in bad.value.errors
    with pytest.raises(Conflict):  # nothing is documented before the patient is checked in
        day.flow.observe(nurse, day.session_id, {"note": "arrived"})
    view = day.flow.day(nurse, day.session_id)
    assert view.session.state is SessionState.SCHEDULED and not view.records


def test_an_open_safety_gate_refuses_check_in_with_its_reason(day: Day) -> None:
    w = day.world
    with w.services.uow() as uow:
        flag = SafetyFlag("cssrs-high", "C-SSRS positive", Urgency.URGENT)
        open_tasks(uow, w.clock, w.actor(Role.PHYSICIAN), day.setup.patient_id, [flag], source="t")
        uow.commit()
    with pytest.raises(InvalidTransition) as refused:
        day.flow.check_in(w.actor(Role.NURSE), day.session_id, CHECK_IN)
    assert any(r.startswith("safety_gates_clear") for r in refused.value.reasons)


def test_consent_not_in_force_refuses_check_in(day: Day) -> None:
    w = day.world
    day.setup.gate.consent = ConsentStatus(missing=("treatment consent unsigned",), blocks=())
    with pytest.raises(SafetyBlock) as blocked:
        day.flow.check_in(w.actor(Role.NURSE), day.session_id, CHECK_IN)
    assert blocked.value.field == "consent"
    assert "treatment consent unsigned" in blocked.value.reasons
    day.setup.gate.consent = None
    with pytest.raises(SafetyBlock):
        day.flow.check_in(w.actor(Role.NURSE), day.session_id, CHECK_IN)


def test_pre_dose_needs_premedication_iv_and_a_bp_decision_above_the_hold(day: Day) -> None:
    nurse, physician = day.world.actor(Role.NURSE), day.world.actor(Role.PHYSICIAN)
    day.flow.check_in(nurse, day.session_id, CHECK_IN)
    with pytest.raises(InvalidTransition) as refused:
        day.flow.pre_dose(nurse, day.session_id, _pre_dose(day))
    reasons = " ".join(refused.value.reasons)
    assert "premedication" in reasons and "iv_placement" in reasons
    _premed_and_iv(day)
    with pytest.raises(SafetyBlock) as held:
        day.flow.pre_dose(nurse, day.session_id, _pre_dose(day, sbp_mmhg="186"))
    assert held.value.field == "recheck_sbp_mmhg"
    with pytest.raises(SafetyBlock) as undecided:  # stored, waiting for a prescriber
        day.flow.pre_dose(
            nurse, day.session_id, _pre_dose(day, sbp_mmhg="186", recheck_sbp_mmhg="180")
        )
    assert undecided.value.field == "predose_bp"
    assert any(r.startswith("predose_bp:") for r in undecided.value.reasons)
    assert day.flow.day(nurse, day.session_id).predose_waiting is not None
    with pytest.raises(ValidationFailed) as typed:  # a decision is never typed on the checklist
        day.flow.pre_dose(
            nurse,
            day.session_id,
            _pre_dose(day, sbp_mmhg="186", recheck_sbp_mmhg="180", prescriber_bp_decision="ok"),
        )
    assert "predose_bp" in typed.value.errors["prescriber_bp_decision"]
    with pytest.raises(PermissionDenied):  # a nurse cannot decide
        day.flow.decide_predose_bp(
            nurse, day.session_id, {"decision": "proceed", "reason": "asymptomatic"}
        )
    moved = day.flow.decide_predose_bp(
        physician,
        day.session_id,
        {"decision": "proceed", "reason": "asymptomatic, known white-coat pattern"},
    )
    assert moved.state is SessionState.READY


def test_a_bp_above_the_hard_stop_is_stored_and_nobody_can_start(day: Day) -> None:
    nurse, physician = day.world.actor(Role.NURSE), day.world.actor(Role.PHYSICIAN)
    day.flow.check_in(nurse, day.session_id, CHECK_IN)
    _premed_and_iv(day)
    with pytest.raises(SafetyBlock) as stopped:
        day.flow.pre_dose(
            nurse,
            day.session_id,
            _pre_dose(day, sbp_mmhg="230", dbp_mmhg="132", recheck_sbp_mmhg="230"),
        )
    assert stopped.value.field == "predose_bp_hard_stop"
    assert (
        "predose_bp_hard_stop: systolic 230 mmHg is above the hard-stop limit of 180 mmHg; "
        "hard stop, no dose today"
    ) in stopped.value.reasons
    with pytest.raises(SafetyBlock) as refused:
        day.flow.decide_predose_bp(
            physician, day.session_id, {"decision": "proceed", "reason": "feels well"}
        )
    assert refused.value.field == "predose_bp_hard_stop"
    view = day.flow.day(nurse, day.session_id)
    assert view.session.state is SessionState.CHECKED_IN
    assert [r.kind for r in view.records].count(RecordKind.PRE_DOSE) == 1
    stored = next(r for r in view.records if r.kind is RecordKind.PRE_DOSE)
    assert "rule uncontrolled_hypertension" in stored.payload["bp_hard_stop_source"]


def test_a_whole_session_to_discharge_refused_before_the_minimum_time(day: Day) -> None:
    w, nurse = day.world, day.world.actor(Role.NURSE)
    _ready(day)
    with pytest.raises(ValidationFailed) as no_lot:
        day.flow.start(nurse, day.session_id, start_fields(w, lot=""))
    assert "lot" in no_lot.value.errors
    started = day.flow.start(
        nurse,
        day.session_id,
        start_fields(w, lot="KET-DEMO-42"),
    )
    assert started.state is SessionState.INFUSING
    w.clock.advance(minutes=10)
    day.flow.score(nurse, day.session_id, {"instrument": "cadss6", "total": "9", "minute": "10"})
    day.flow.adverse_event(
        nurse,
        day.session_id,
        {
            "kind": "nausea",
            "severity": "mild",
            "intervention": "reassurance",
            "outcome": "resolved",
        },
    )
    day.flow.pause(nurse, day.session_id, "nausea")
    with pytest.raises(ValidationFailed) as typed:  # a typed approver is no approval
        day.flow.resume(nurse, day.session_id, {"reason": "settled", "approved_by": "Dr Demo"})
    assert typed.value.errors["approved_by"].startswith("resume_approved:")
    with pytest.raises(InvalidTransition) as unapproved:
        day.flow.resume(nurse, day.session_id, {"reason": "settled"})
    assert any(r.startswith("resume_approved:") for r in unapproved.value.reasons)
    day.flow.approve_resume(w.actor(Role.APP), day.session_id, {"reason": "nausea settled"})
    day.flow.resume(nurse, day.session_id, {"reason": "settled"})
    w.clock.advance(minutes=30)
    ended = day.flow.end_dosing(nurse, day.session_id)
    assert ended.state is SessionState.RECOVERY
    with w.services.uow() as uow:
        assert uow.dosing.get_order(w.clinic.id, day.order_id).status is OrderStatus.ADMINISTERED  # type: ignore[union-attr]
    day.flow.aldrete(nurse, day.session_id, AldreteScore(2, 2, 2, 2, 2))
    discharge = {"escort_present": "on", "instructions_given": "on"}
    with pytest.raises(SafetyBlock) as early:
        day.flow.discharge(nurse, day.session_id, discharge)
    assert any(r.startswith("min_observation") for r in early.value.reasons)
    with pytest.raises(SafetyBlock):  # a nurse cannot sign against criteria
        day.flow.discharge(nurse, day.session_id, {**discharge, "override_reason": "busy"})
    w.clock.advance(minutes=61)
    decision = day.flow.check_discharge(nurse, day.session_id)
    assert [u.id for u in decision.unmet] == ["vitals_within_limits"] * len(decision.unmet)
    override = {**discharge, "override_reason": "vitals charted on paper"}
    with pytest.raises(SafetyBlock):  # an APP no longer signs against criteria
        day.flow.discharge(w.actor(Role.APP), day.session_id, override)
    physician = w.actor(Role.PHYSICIAN)
    with pytest.raises(ValidationFailed) as no_extension:
        day.flow.discharge(physician, day.session_id, override)
    assert "extended_observation_min" in no_extension.value.errors
    done = day.flow.discharge(
        physician, day.session_id, {**override, "extended_observation_min": "60"}
    )
    assert done.state is SessionState.DISCHARGED
    records = day.flow.day(nurse, day.session_id).records
    note = [r for r in records if r.kind is RecordKind.DISCHARGE][-1].payload
    assert "no driving" in note["instructions"] and note["overridden"]
    ketamine = [r.payload for r in records if r.payload.get("purpose") == "ketamine"]
    assert ketamine[0]["lot"] == "KET-DEMO-42" and ketamine[0]["rate_ml_per_h"]


def test_documenting_needs_session_run(day: Day) -> None:
    with pytest.raises(PermissionDenied):
        day.flow.observe(day.world.actor(Role.FRONT_DESK), day.session_id, {"note": "calm"})
