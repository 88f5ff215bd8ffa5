"""The nurse's "due now" list from stored sessions: a checked-in patient whose signed order is not
yet verified at the bedside, and vitals due then overdue on the protocol's interval while infusing
(clinical.md §4.1). Setup walks the sessions through the nurse's real steps (the demo's
check-in form); the list itself reads storage only."""

from __future__ import annotations

from datetime import timedelta

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.demo_pathway import prepare_course
from ketaclinic.services.infusion.demo_sessions import DEMO_CHECK_IN
from ketaclinic.services.patients.ports import PatientSearch
from tests.conftest import World
from tests.infusion_world import running_sessions


def test_vitals_are_due_then_overdue_on_the_protocol_interval(world: World) -> None:
    [monitor] = running_sessions(world, count=1, chairs=1, patients=1)
    nurse = world.actor(Role.NURSE)
    [item] = world.services.due_now.due_now(nurse)
    started = monitor.session.dosing_started_at
    assert started is not None and item.session.id == monitor.session.id
    assert item.urgency == "due" and item.anchor == "step-vitals"
    assert item.what == "vital signs (every 10 min)" and item.at == started + timedelta(minutes=10)
    world.clock.advance(minutes=11)
    [late] = world.services.due_now.due_now(nurse)
    assert late.urgency == "overdue" and late.chair_name == "Chair 1"


def test_a_checked_in_patient_waits_for_the_bedside_verification(world: World) -> None:
    [monitor] = running_sessions(world, count=1, chairs=2, patients=2)
    physician, nurse = world.actor(Role.PHYSICIAN), world.actor(Role.NURSE)
    found = world.services.patients.search(nurse, PatientSearch(world.clinic.id, "Demo-Infusion"))
    other = next(p for p in found if p.id != monitor.session.patient_id)
    course_id, order_id = prepare_course(
        world.services.uow, world.clock, world.services.pathway(), world.clinic.id, other.id
    )
    chairs = world.services.gateways.chairs(world.actor(Role.ADMIN))
    chair = next(c.id for c in chairs if c.id != monitor.session.chair_id)
    s = world.services.sessions.create(
        physician, course_id, chair, unscheduled_reason="test", prescriber_id=physician.staff_id
    )
    checked_in = world.services.session_workflow.check_in(nurse, s.id, DEMO_CHECK_IN)
    assert checked_in.state is SessionState.CHECKED_IN
    due = {i.session.id: i for i in world.services.due_now.due_now(nurse)}
    item = due[s.id]
    assert item.what == "bedside verification of the dose order" and item.order_id == order_id
    assert item.patient_name == other.display_name
