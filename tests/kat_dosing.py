"""A KAT experiential dose given through the dose gate, for tests: a consented kat-holistic course
(test fact provider), a signed preparatory session, a signed and verified IM order, a session the
coach checks in (the coach attends), the premedication and pre-dose checklist by the nurse and
the start of dosing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ketaclinic.domain.dosing.records import DoseOrder
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.discharge import AldreteScore
from ketaclinic.domain.integration.plans import NoteKind
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.services.dosing.orders import OrderDraft
from tests.conftest import World
from tests.integration.test_orders_service import DosingSetup, bedside, set_up_course
from tests.integration.test_session_workflow import CHECK_IN
from tests.integration_world import signed_note


@dataclass(frozen=True)
class KatDose:
    setup: DosingSetup
    order: DoseOrder
    session_id: int


def verified_im_order(world: World, setup: DosingSetup, reason: str = "") -> DoseOrder:
    s = world.services
    draft = OrderDraft(
        route=Route.IM, mg_per_kg=Decimal("0.5"), vial_mg_per_ml=Decimal(50), override_reason=reason
    )
    order = s.orders.sign(world.actor(Role.APP), setup.course_id, draft)
    c = order.content
    entry = bedside(
        setup.mrn,
        route=Route.IM,
        concentration_mg_per_ml=c.final_concentration_mg_per_ml,
        dose_mg=c.dose_mg,
        rate_ml_per_h=c.rate_ml_per_h,
    )
    assert s.orders.verify(world.actor(Role.NURSE), order.id, entry).verified
    return order


def kat_course(world: World) -> DosingSetup:
    """A consented kat-holistic course (test fact provider) of a new synthetic patient."""
    return set_up_course(
        world.services,
        world.clock,
        world.actor(Role.PHYSICIAN),
        world.actor(Role.FRONT_DESK),
        protocol_id="kat-holistic",
    )


def arrived_kat_session(
    world: World, setup: DosingSetup | None = None, *, prepared: bool = True
) -> KatDose:
    """A KAT session opened for a walk-in, with a verified IM order, not yet checked in
    (``prepared``: the protocol's preparatory session is signed first; ``setup``: another
    journey of that course)."""
    s = world.services
    reason = "the same dose for the next journey, reviewed with the patient" if setup else ""
    if setup is None:
        setup = kat_course(world)
        if prepared:
            signed_note(world, setup.course_id, NoteKind.PREPARATORY)
    order = verified_im_order(world, setup, reason)
    with s.uow() as uow:
        rooms = [c.id for c in uow.clinics.chairs(world.clinic.id) if c.name == "Journey room"]
        room = rooms[0] if rooms else uow.clinics.add_chair(world.clinic.id, "Journey room", ())
        uow.commit()
    session = s.sessions.create(
        world.actor(Role.PHYSICIAN), setup.course_id, room, unscheduled_reason="walk-in"
    )
    return KatDose(setup, order, session.id)


def ready_kat_session(
    world: World,
    setup: DosingSetup | None = None,
    *,
    prepared: bool = True,
    checked_in_by: Role = Role.NURSE,
) -> KatDose:
    """A KAT session walked to ``ready`` through the real steps (see :func:`arrived_kat_session`;
    ``checked_in_by``: a nurse, physician or APP, since checking in is a nursing step)."""
    s, nurse = world.services, world.actor(Role.NURSE)
    arrived = arrived_kat_session(world, setup, prepared=prepared)
    setup, order = arrived.setup, arrived.order
    session_id = arrived.session_id
    flow = s.session_workflow
    flow.check_in(world.actor(checked_in_by), session_id, CHECK_IN)
    for premed in order.content.premedications:
        flow.give(
            nurse,
            session_id,
            {
                "drug": premed.drug,
                "dose_mg": str(premed.dose_mg),
                "route": "PO",
                "lot": "LOT-DEMO-2",
                "given_by": str(world.actor(Role.PHYSICIAN).staff_id),  # not the coach
            },
        )
    flow.pre_dose(
        nurse,  # licensed staff clear the session; the coach attends
        session_id,
        {
            "sbp_mmhg": "124",
            "dbp_mmhg": "78",
            "hr_per_min": "70",
            "spo2_pct": "98",
            "symptom_check": "calm, no headache",
            "order_id": str(order.id),
        },
    )
    return KatDose(setup, order, session_id)


def kat_start(world: World) -> dict[str, str]:
    """The start form of a KAT dose: the physician gives it and is the prescriber on site, the
    coach attends (each chosen by staff id)."""
    physician = str(world.actor(Role.PHYSICIAN).staff_id)
    return {
        "lot": "KET-DEMO-IM",
        "given_by": physician,
        "attending": str(world.actor(Role.COACH).staff_id),
        "prescriber_on_site": physician,
    }


def dosed_kat_session(world: World) -> KatDose:
    dose = ready_kat_session(world)
    world.services.session_workflow.start(
        world.actor(Role.NURSE), dose.session_id, kat_start(world)
    )
    return dose


def discharge_kat(world: World, session_id: int) -> None:
    """End dosing, Aldrete, and a physician's discharge after an extended observation (the
    bedside vitals of recovery charted on paper in this synthetic journey)."""
    flow, nurse = world.services.session_workflow, world.actor(Role.NURSE)
    flow.end_dosing(nurse, session_id)
    flow.aldrete(nurse, session_id, AldreteScore(2, 2, 2, 2, 2))
    world.clock.advance(minutes=200)
    flow.discharge(
        world.actor(Role.PHYSICIAN),
        session_id,
        {
            "escort_present": "on",
            "instructions_given": "on",
            "override_reason": "recovery vitals charted on paper",
            "extended_observation_min": "180",
        },
    )
