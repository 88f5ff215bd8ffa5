"""The nurse's Today shows who is waiting for the check-in: a patient the front desk marked
arrived holds their chair in the chairs table (name, arrived local time), and an unscheduled
visit a prescriber opened appears in Due now and the chairs table with a link to its session."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.services.demo_pathway import prepare_course
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.infusion_world import prepare_clinic


def _chair_row(page: str, chair_id: int) -> str:
    table = page.split('id="today-chairs"', 1)[1].split("</section>", 1)[0]
    return table.split(f'data-chair-id="{chair_id}"', 1)[1].split("</tr>", 1)[0]


def test_an_arrived_patient_waits_for_their_chair_and_an_unscheduled_visit_is_listed(
    client: TestClient, world: World
) -> None:
    prepare_clinic(world)
    seed_demo_schedule(world.services.uow, world.clock, world.clinic.id)
    s, desk = world.services, world.actor(Role.FRONT_DESK)
    found = s.patients.search(world.actor(Role.NURSE), PatientSearch(0, text="Demo-Infusion"))
    booked, walk_in = found[0], found[1]
    course_id, _ = prepare_course(s.uow, world.clock, s.pathway(), world.clinic.id, booked.id)
    s.schedule.book_series(desk, course_id)
    first = min(s.schedule.confirm_series(desk, course_id), key=lambda b: b.start_at)
    world.clock.current = first.start_at - timedelta(minutes=20)
    arrived = s.arrivals.check_in(desk, first.id)
    zone = ZoneInfo(world.clinic.timezone)

    web_login(client, world, Role.NURSE)
    row = _chair_row(client.get("/today").text, first.chair_id)
    assert "Free" not in row, row
    assert f'href="/sessions/{arrived.id}">{booked.display_name}</a>' in row, row
    assert "arrived, waiting for the nurse's check-in" in row, row
    assert f"<td>{arrived.created_at.astimezone(zone):%H:%M}</td>" in row, row

    walk_in_course, _ = prepare_course(s.uow, world.clock, s.pathway(), world.clinic.id, walk_in.id)
    physician = world.actor(Role.PHYSICIAN)
    chair = next(c.id for c, free in s.arrivals.chairs_for_visit(physician, walk_in_course) if free)
    visit = s.arrivals.open_unscheduled(physician, walk_in_course, chair, reason="walk-in")
    page = client.get("/today").text
    due = page.split('id="today-due"', 1)[1].split("</section>", 1)[0]
    visit_row = due.split(f'data-session-id="{visit.id}"', 1)[1].split("</tr>", 1)[0]
    assert walk_in.display_name in visit_row
    assert f'href="/sessions/{visit.id}#step-check-in">check-in checklist</a>' in visit_row
    row = _chair_row(page, chair)
    assert f'href="/sessions/{visit.id}">{walk_in.display_name}</a>' in row, row
    assert "unscheduled visit, waiting for the nurse's check-in" in row, row
    assert client.get(f"/sessions/{visit.id}").status_code == 200
