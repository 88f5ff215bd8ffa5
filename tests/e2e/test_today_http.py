"""Today over HTTP: every role lands on ``/today`` after signing in and finds its own worklists
for the clinic day, patients by name, times in the clinic's time zone, links to act; the page's
patients are written to the read audit. The clinic has a running infusion, a booked series
whose first appointment is today and an open safety task."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ketaclinic.adapters.db.tables import audit_events
from ketaclinic.adapters.scheduling import CpSatScheduler
from ketaclinic.domain.assessments.safety import Urgency
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.people import Patient
from ketaclinic.domain.scheduling.booking import OpeningHours
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.assessments.safety import SafetyFlag, open_tasks
from ketaclinic.services.infusion.demo_sessions import DemoMonitor
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.scheduling.booking import ScheduleService
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.conftest import PASSWORD, World
from tests.infusion_world import running_sessions
from tests.schedule_world import TEST_LIMITS, consent_in_force_stub

CHICAGO = ZoneInfo("America/Chicago")


@dataclass
class Day:
    running: DemoMonitor
    infusing: Patient
    booked: Patient
    first_at_local: str
    first_id: int


@pytest.fixture
def day(world: World) -> Day:
    [monitor] = running_sessions(world, count=1, chairs=2, patients=2)
    seed_demo_schedule(world.services.uow, world.clock, world.clinic.id)
    physician = world.actor(Role.PHYSICIAN)
    found = world.services.patients.search(physician, PatientSearch(world.clinic.id, "Demo"))
    infusing = next(p for p in found if p.id == monitor.session.patient_id)
    booked = next(p for p in found if p.id != monitor.session.patient_id)
    version = world.services.protocols.published(physician)[0].id
    course = world.services.courses.open(physician, booked.id, version)
    world.services.schedule = ScheduleService(
        world.services.uow, world.clock, CpSatScheduler(), consent_in_force_stub, limits=TEST_LIMITS
    )
    desk = world.actor(Role.FRONT_DESK)
    world.services.schedule.book_series(desk, course.id)
    first = min(world.services.schedule.confirm_series(desk, course.id), key=lambda b: b.start_at)
    with world.services.uow() as uow:
        open_tasks(
            uow,
            world.clock,
            world.actor(Role.NURSE),
            booked.id,
            [SafetyFlag("phq9.item9", "PHQ-9 item 9 positive", Urgency.URGENT)],
            source="test",
        )
        uow.commit()
    # the clock moves to 30 minutes after the first appointment: it is today, and late
    world.clock.current = first.start_at + timedelta(minutes=30)
    local = first.start_at.astimezone(CHICAGO).strftime("%H:%M")
    return Day(monitor, infusing, booked, local, first.id)


@pytest.fixture
def client(world: World, day: Day) -> Iterator[TestClient]:
    with TestClient(create_app(services=world.services)) as c:
        yield c


def sign_in(client: TestClient, world: World, role: Role) -> str:
    """Sign in through the form; the answer sends every role to Today."""
    page = client.get("/signin")
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    email = f"{role.value}@{world.clinic.slug}.test"
    response = client.post(
        "/signin",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/today"
    today = client.get("/today")
    assert today.status_code == 200, today.text
    return today.text


def section(body: str, section_id: str) -> str:
    start = body.index(f'id="{section_id}"')
    return body[start : body.index("</section>", start)]


def phi_reads(world: World, patient_id: int, role: Role) -> int:
    with world.services.engine.connect() as conn:
        query = select(func.count()).where(
            audit_events.c.patient_id == patient_id,
            audit_events.c.actor_id == world.actor(role).staff_id,
            audit_events.c.action.like("phi.%"),
            audit_events.c.object_type == "web:today",
        )
        return int(conn.execute(query).scalar_one())


def test_today_is_the_first_navigation_item_and_home(world: World, client: TestClient) -> None:
    body = sign_in(client, world, Role.COACH)
    nav = body.split('aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    links = re.findall(
        r'<a class="nhsuk-header__navigation-link" href="([^"]+)"[^>]*>([^<]+)</a>', nav
    )
    assert links[0] == ("/today", "Today")
    assert client.get("/", follow_redirects=False).headers["location"] == "/today"
    now_local = world.clock.now().astimezone(CHICAGO)
    assert f"as of {now_local:%H:%M} (America/Chicago)" in body


def test_front_desk_sees_arrivals_and_the_late_patient(
    world: World, client: TestClient, day: Day
) -> None:
    body = sign_in(client, world, Role.FRONT_DESK)
    arrivals = section(body, "today-arrivals")
    assert day.booked.display_name in arrivals and day.first_at_local in arrivals
    assert f'action="/appointments/{day.first_id}/check-in"' in arrivals
    assert 'name="back" value="today"' in arrivals
    assert "<td>Induction session 1</td>" in arrivals and "induction 1" not in arrivals
    late = section(body, "today-late")
    assert day.booked.display_name in late and "No-show or cancel on the schedule" in late
    assert "today-due" not in body and "today-to-sign" not in body
    assert phi_reads(world, day.booked.id, Role.FRONT_DESK) == 1


def test_front_desk_checks_in_from_today_and_comes_back_to_it(
    world: World, client: TestClient, day: Day
) -> None:
    body = sign_in(client, world, Role.FRONT_DESK)
    csrf = body.split('data-csrf="', 1)[1].split('"', 1)[0]
    done = client.post(
        f"/appointments/{day.first_id}/check-in",
        data={"csrf_token": csrf, "back": "today"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text.split("arrival-error", 1)[-1][:300]
    assert done.headers["location"].startswith("/today?opened=")
    after = client.get(done.headers["location"])
    assert "Arrived: session opened." in after.text
    assert "Nobody is late." in section(after.text, "today-late")
    opened = done.headers["location"].rsplit("=", 1)[1]
    nurse = sign_in(client, world, Role.NURSE)
    due = section(nurse, "today-due")
    assert f'href="/sessions/{opened}#step-check-in">check-in checklist</a>' in due
    assert day.booked.display_name in due


def test_nurse_sees_chairs_what_is_due_and_alarms(
    world: World, client: TestClient, day: Day
) -> None:
    body = sign_in(client, world, Role.NURSE)
    chairs = section(body, "today-chairs")
    assert day.infusing.display_name in chairs and "<td>Dosing</td>" in chairs
    due = section(body, "today-due")
    session_id = day.running.session.id
    assert f'data-session-id="{session_id}"' in due and "vital signs (every" in due
    assert f'href="/sessions/{session_id}#step-vitals"' in due
    assert "No open alarm." in section(body, "today-alarms")
    assert day.booked.display_name in section(body, "today-arrivals")
    assert phi_reads(world, day.infusing.id, Role.NURSE) == 1


@pytest.mark.parametrize("role", [Role.PHYSICIAN, Role.APP])
def test_prescriber_sees_orders_to_sign_safety_tasks_and_decisions(
    world: World, client: TestClient, day: Day, role: Role
) -> None:
    body = sign_in(client, world, role)
    to_sign = section(body, "today-to-sign")
    assert day.booked.display_name in to_sign and day.first_at_local in to_sign
    assert "/orders/new" in to_sign
    assert "<td>Induction session 1</td>" in to_sign  # the visit in words, not "induction 1"
    safety = section(body, "today-safety")
    assert day.booked.display_name in safety and "PHQ-9 item 9 positive" in safety
    assert "No pre-dose decision waiting." in section(body, "today-decisions")
    assert "today-outcomes" in body
    assert phi_reads(world, day.booked.id, role) == 1


def test_coach_sees_the_caseload(world: World, client: TestClient) -> None:
    body = sign_in(client, world, Role.COACH)
    assert "today-coach-sessions" in body and "today-caseload" in body
    assert "today-to-sign" not in body


def test_admin_and_auditor_see_refused_actions_by_name(world: World, client: TestClient) -> None:
    form = client.get("/signin").text
    csrf = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    wrong = {"email": f"nurse@{world.clinic.slug}.test", "password": "wrong", "csrf_token": csrf}
    assert client.post("/signin", data=wrong).status_code == 401
    for role in (Role.ADMIN, Role.AUDITOR):
        body = sign_in(client, world, role)
        audit = section(body, "today-audit")
        assert "Test Nurse" in audit and "Sign in" in audit and "failed" in audit
    admin = sign_in(client, world, Role.ADMIN)
    assert "today-protocols" in admin and "today-monitors" in admin


def test_a_refused_request_on_the_admin_today_says_what_who_when_and_why(
    world: World, client: TestClient
) -> None:
    """Not "request.refused | refused | status=422": the attempt in words, by name, the local
    time and the reason; the rule ids and the recorded detail one click away."""
    body = sign_in(client, world, Role.ADMIN)
    csrf = body.split('data-csrf="', 1)[1].split('"', 1)[0]
    admin = world.actor(Role.ADMIN)
    refused = client.post(
        f"/admin/users/{admin.staff_id}/active", data={"csrf_token": csrf, "active": "0"}
    )
    assert refused.status_code == 409
    audit = section(client.get("/today").text, "today-audit")
    row = audit.split('data-action="request.refused"', 1)[1].split("</tr>", 1)[0]
    shown = re.sub(r"<details.*?</details>", "", row, flags=re.S)
    assert "Test Admin" in shown and "Set active" in shown
    assert "clashes with the current state" in shown
    when = world.clock.now().astimezone(CHICAGO)
    assert f"{when:%a} {when.day} {when:%b %Y %H:%M}" in shown
    for code in ("request.refused", "status=", "Conflict", "staff.not_disable_self"):
        assert code not in shown, code
    assert "rule staff.not_disable_self" in row


def test_on_a_day_without_appointments_the_next_clinic_day_is_shown(
    world: World, client: TestClient, day: Day
) -> None:
    """The evening before the series starts: nothing today, so the desk and the prescribers see
    the next clinic day's appointments (to prepare, no check-in) and the orders it still needs."""
    world.clock.current = world.clock.current - timedelta(days=1)
    first_day = (world.clock.current + timedelta(days=1)).astimezone(CHICAGO)
    body = sign_in(client, world, Role.FRONT_DESK)
    assert "No dosing appointments today." in section(body, "today-arrivals")
    ahead = section(body, "today-next")
    assert f"{first_day:%A} {first_day.day} {first_day:%B}" in ahead
    assert day.booked.display_name in ahead and day.first_at_local in ahead
    assert "/check-in" not in ahead
    client.cookies.clear()  # a new browser: the physician signs in
    body = sign_in(client, world, Role.PHYSICIAN)
    to_sign = section(body, "today-next-to-sign")
    assert day.booked.display_name in to_sign and "/orders/new" in to_sign
    assert phi_reads(world, day.booked.id, Role.PHYSICIAN) == 1


def test_arrival_and_next_due_read_the_same_on_today_arrivals_and_the_session_page(
    world: World, client: TestClient, day: Day
) -> None:
    """One vocabulary: a patient who came in has "Arrived" (never "Checked in" or "Here", which
    is the nurse's clinical check-in), and the next vital signs are "Next due"."""
    body = sign_in(client, world, Role.FRONT_DESK)
    csrf = body.split('data-csrf="', 1)[1].split('"', 1)[0]
    done = client.post(
        f"/appointments/{day.first_id}/check-in",
        data={"csrf_token": csrf, "back": "today"},
        follow_redirects=False,
    )
    opened = done.headers["location"].rsplit("=", 1)[1]
    desk_today = client.get(done.headers["location"]).text
    arrivals_page = client.get("/arrivals").text
    for page in (desk_today, arrivals_page):
        assert "Arrived " in page and "waiting for the nurse's check-in" in page
        assert "Checked in: session" not in page and ">Here<" not in page
    nurse = sign_in(client, world, Role.NURSE)
    assert '<th scope="col">Next due</th>' in section(nurse, "today-due")
    assert ">Check in</a>" in section(nurse, "today-arrivals")
    session_page = client.get(f"/sessions/{opened}").text
    arrived = world.clock.now().astimezone(CHICAGO).strftime("%H:%M")
    assert f'arrived <span data-field="arrived">{arrived}</span>' in session_page
    running = client.get(f"/sessions/{day.running.session.id}").text
    assert "Next due: vital signs at" in running and "Due at" not in running


def test_the_next_clinic_day_is_the_next_day_the_clinic_opens_even_without_appointments(
    world: World, client: TestClient
) -> None:
    """On a Monday, a clinic open Tuesday to Friday shows Tuesday, booked or not; a clinic that
    keeps no opening hours falls back to the next day with appointments (the world's)."""
    monday = world.clock.now().astimezone(CHICAGO).date()
    monday -= timedelta(days=monday.weekday())
    desk = world.actor(Role.FRONT_DESK)
    with world.services.uow() as uow:
        uow.schedule.set_hours(world.clinic.id, [OpeningHours(d, 480, 1020) for d in range(1, 5)])
        uow.commit()
    assert world.services.arrivals.next_day(desk, monday) == monday + timedelta(days=1)
    friday = monday + timedelta(days=4)
    assert world.services.arrivals.next_day(desk, friday) == monday + timedelta(days=8)
    with world.services.uow() as uow:
        uow.schedule.set_hours(world.clinic.id, [])
        uow.commit()
    booked = world.services.arrivals.next_day(desk, monday)
    assert booked is not None and booked != monday + timedelta(days=1)
    assert world.services.arrivals.arrivals(desk, booked)
