"""Who may do what at a KAT bedside, each tried the way around it by the role who would try.

The coach attends a KAT session but never checks the patient in (``session.nursing_step``),
records a drug given (``premedication.role``) nor clears the patient for dosing with the pre-dose
check (``predose.role``); a premedication the signed order does not list is refused
(``premedication.order``), whoever gives it, and so is a rescue drug a nurse records that neither
the protocol's standing rescue list nor the order covers (``rescue.order``). SQLite and
PostgreSQL (``world``).
"""

from __future__ import annotations

from typing import Any

import pytest

from ketaclinic.domain.errors import PermissionDenied, ValidationFailed
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.infusion.ports import RecordKind
from tests.conftest import World
from tests.integration.test_session_workflow import CHECK_IN
from tests.kat_dosing import KatDose, kat_course, verified_im_order

PREMED = {"drug": "ondansetron", "dose_mg": "4", "route": "PO", "lot": "LOT-DEMO-2"}
PRE_DOSE = {
    "sbp_mmhg": "124",
    "dbp_mmhg": "78",
    "hr_per_min": "70",
    "spo2_pct": "98",
    "symptom_check": "calm, no headache",
}


def _checked_in(world: World) -> KatDose:
    """A KAT session the nurse checks in, with a signed and verified order (no premedication)."""
    s = world.services
    setup = kat_course(world)
    order = verified_im_order(world, setup)
    with s.uow() as uow:
        room = uow.clinics.add_chair(world.clinic.id, "Journey room", ())
        uow.commit()
    session = s.sessions.create(
        world.actor(Role.PHYSICIAN), setup.course_id, room, unscheduled_reason="walk-in"
    )
    s.session_workflow.check_in(world.actor(Role.NURSE), session.id, CHECK_IN)
    return KatDose(setup, order, session.id)


def _given(world: World, dose: KatDose) -> list[Any]:
    view = world.services.session_workflow.day(world.actor(Role.NURSE), dose.session_id)
    return [r for r in view.records if r.kind is RecordKind.ADMINISTRATION]


def test_a_coach_cannot_record_a_premedication_even_naming_a_nurse(world: World) -> None:
    dose = _checked_in(world)
    nurse_id = str(world.actor(Role.NURSE).staff_id)
    with pytest.raises(PermissionDenied) as refused:
        world.services.session_workflow.give(
            world.actor(Role.COACH), dose.session_id, {**PREMED, "given_by": nurse_id}
        )
    assert refused.value.detail.startswith("premedication.role: a coach cannot give a dose")
    assert "a nurse, physician or APP does" in refused.value.detail
    assert _given(world, dose) == []


def test_a_coach_recording_ketamine_is_told_a_coach_cannot_give_a_dose(world: World) -> None:
    dose = _checked_in(world)
    ketamine = {**PREMED, "drug": "ketamine", "dose_mg": "50", "route": "IM"}
    with pytest.raises(PermissionDenied) as refused:
        world.services.session_workflow.give(world.actor(Role.COACH), dose.session_id, ketamine)
    assert "coach cannot give a dose" in refused.value.detail
    assert "start dosing" not in refused.value.detail.lower()


def test_a_premedication_not_on_the_signed_order_is_refused(world: World) -> None:
    dose = _checked_in(world)
    assert dose.order.content.premedications == ()
    with pytest.raises(ValidationFailed) as refused:
        world.services.session_workflow.give(world.actor(Role.NURSE), dose.session_id, PREMED)
    assert refused.value.errors == {
        "drug": "premedication.order: ondansetron is not a premedication on the signed order "
        "(it lists none); a prescriber adds it to the order"
    }
    assert _given(world, dose) == []


def test_a_nurse_cannot_record_a_rescue_drug_no_prescriber_ordered(world: World) -> None:
    dose = _checked_in(world)
    rescue = {**PREMED, "purpose": "rescue"}
    flow = world.services.session_workflow
    with pytest.raises(ValidationFailed) as refused:
        flow.give(world.actor(Role.NURSE), dose.session_id, rescue)
    assert refused.value.errors["drug"].startswith(
        "rescue.order: ondansetron is not a standing rescue drug of the protocol nor on the "
        "signed order (they list none)"
    )
    assert _given(world, dose) == []
    flow.give(world.actor(Role.PHYSICIAN), dose.session_id, rescue)  # the prescriber orders it
    assert [r.payload["drug"] for r in _given(world, dose)] == ["ondansetron"]


def test_a_drug_given_for_any_other_purpose_is_refused_naming_the_purpose(world: World) -> None:
    dose = _checked_in(world)
    with pytest.raises(ValidationFailed) as refused:
        world.services.session_workflow.give(
            world.actor(Role.NURSE), dose.session_id, {**PREMED, "purpose": "nausea"}
        )
    assert refused.value.errors == {"purpose": "one of: premedication, rescue"}
    assert _given(world, dose) == []


def test_a_coach_cannot_complete_the_pre_dose_check(world: World) -> None:
    dose = _checked_in(world)
    flow = world.services.session_workflow
    fields = {**PRE_DOSE, "order_id": str(dose.order.id)}
    with pytest.raises(PermissionDenied) as refused:
        flow.pre_dose(world.actor(Role.COACH), dose.session_id, fields)
    assert refused.value.detail.startswith("predose.role: a coach cannot complete")
    view = flow.day(world.actor(Role.NURSE), dose.session_id)
    assert view.session.state is SessionState.CHECKED_IN
    assert not [r for r in view.records if r.kind is RecordKind.PRE_DOSE]
    ready = flow.pre_dose(world.actor(Role.NURSE), dose.session_id, fields)
    assert ready.state is SessionState.READY
