"""The demo's pathway patient: prepared through the real services to induction with a signed
order and a confirmed series whose first appointment is today, so a new user can check them in
from the schedule and take them through infusion day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.services.demo_pathway import PathwayServices, prepare_pathway_patient
from ketaclinic.services.infusion.demo_sessions import start_demo_sessions
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.infusion_world import prepare_clinic, running_sessions

CHICAGO = ZoneInfo("America/Chicago")


def pathway_services(world: World) -> PathwayServices:
    s = world.services
    return PathwayServices(
        s.patients, s.courses, s.evaluations, s.eligibility, s.consents, s.orders, s.schedule
    )


def test_the_pathway_patient_is_in_induction_with_an_order_and_today_booked(
    client: TestClient, world: World
) -> None:
    prepare_clinic(world, patients=0)
    seed_demo_schedule(world.services.uow, world.clock, world.clinic.id)
    ready = prepare_pathway_patient(
        world.services.uow, world.clock, pathway_services(world), world.clinic.id
    )
    [course] = world.services.courses.for_patient(world.actor(Role.NURSE), ready.patient_id)
    assert course.state is CourseState.INDUCTION
    first = min(ready.appointments, key=lambda b: b.start_at)
    zone = ZoneInfo(world.clinic.timezone)
    assert first.start_at.astimezone(zone).date() == world.clock.now().astimezone(zone).date()
    assert len(ready.appointments) == 6
    csrf = web_login(client, world, Role.FRONT_DESK)
    arrivals = client.get("/arrivals")
    assert "Demo-Pathway" in arrivals.text
    done = client.post(
        f"/appointments/{first.id}/check-in",
        data={"csrf_token": csrf, "back": "arrivals"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[:800]


def test_demo_board_sessions_belong_to_consented_courses_in_induction_with_orders(
    world: World,
) -> None:
    monitors = running_sessions(world, count=2, patients=3)
    nurse = world.actor(Role.NURSE)
    assert len(monitors) == 2
    for m in monitors:
        [course] = world.services.courses.for_patient(nurse, m.session.patient_id)
        assert course.id == m.session.course_id and course.state is CourseState.INDUCTION
        assert world.services.orders.for_patient(nurse, m.session.patient_id)
        assert m.session.unscheduled_reason  # opened by the demo prescriber, with a reason


def test_at_night_the_demo_sessions_leave_todays_booked_chairs_free(
    client: TestClient, world: World
) -> None:
    """Started at 02:00 clinic time: the monitored demo sessions take only chairs nobody is
    booked into for the rest of the clinic day (fewer open when none is), so the pathway
    patient's 08:00 appointment checks in."""
    world.clock.current = datetime(2026, 3, 2, 2, 0, tzinfo=CHICAGO)
    prepare_clinic(world, chairs=3, patients=3)
    seed_demo_schedule(world.services.uow, world.clock, world.clinic.id)
    ready = prepare_pathway_patient(
        world.services.uow, world.clock, pathway_services(world), world.clinic.id
    )
    first = min(ready.appointments, key=lambda b: b.start_at)
    assert first.start_at.astimezone(CHICAGO).date() == date(2026, 3, 2)
    s = world.services
    monitors = start_demo_sessions(
        s.uow,
        s.pathway(),
        s.sessions,
        world.clinic.id,
        workflow=s.session_workflow,
        count=3,
        clock=world.clock,
    )
    end = datetime(2026, 3, 3, 0, 0, tzinfo=CHICAGO)
    with s.uow() as uow:
        booked = {
            b.chair_id for b in uow.schedule.active_between(world.clinic.id, first.start_at, end)
        }
    assert first.chair_id in booked
    assert monitors and len(monitors) == 3 - len(booked)
    assert not {m.session.chair_id for m in monitors} & booked
    world.clock.current = first.start_at - timedelta(minutes=10)
    checked_in = client.post(
        f"/api/v1/schedule/appointments/{first.id}/check-in",
        headers=bearer(client, world, Role.FRONT_DESK),
    )
    assert checked_in.status_code == 201, checked_in.text
