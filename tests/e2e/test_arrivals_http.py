"""Appointment to session over HTTP: the front desk checks in a booked appointment from the
schedule day (its session opens for the course, the protocol session number and the chair), the
nurse finds it in today's arrivals, a second check-in is a 409, a nurse cannot open a session
without an appointment, a prescriber can with a reason (audited), and a no-show recorded on the
schedule day re-plans the series. Consent: ``consent_in_force_stub``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.scheduling.booking import Booking, BookingStatus
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.audit.ports import AuditQuery
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.schedule_world import Booked, schedule_world

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def booked(world: World) -> Booked:
    found = schedule_world(world)
    world.services.schedule, world.services.replans = found.schedule, found.replans
    return found


@pytest.fixture
def client(world: World, booked: Booked) -> Iterator[TestClient]:
    with TestClient(create_app(services=world.services)) as c:
        yield c


def _series(world: World, booked: Booked, client: TestClient) -> list[Booking]:
    """Book and confirm the first course's series through the chart panel; the clock moves to
    30 minutes before its first appointment."""
    csrf = web_login(client, world, Role.FRONT_DESK)
    course = booked.courses[0]
    assert client.post(f"/courses/{course.id}/series", data={"csrf_token": csrf}).is_success
    assert client.post(f"/courses/{course.id}/series/confirm", data={"csrf_token": csrf}).is_success
    series = sorted(
        booked.schedule.series_of_patient(world.actor(Role.NURSE), course.patient_id),
        key=lambda b: b.start_at,
    )
    world.clock.current = series[0].start_at - timedelta(minutes=30)
    return series


def test_front_desk_checks_in_from_the_schedule_day_and_the_nurse_finds_the_session(
    world: World, booked: Booked, client: TestClient
) -> None:
    first = _series(world, booked, client)[0]
    csrf = web_login(client, world, Role.FRONT_DESK)
    day = client.get("/schedule")
    assert f'action="/appointments/{first.id}/check-in"' in day.text
    done = client.post(
        f"/appointments/{first.id}/check-in",
        data={"csrf_token": csrf, "back": "schedule"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/schedule?opened=")
    sid = int(done.headers["location"].rsplit("=", 1)[1])
    again = client.post(
        f"/appointments/{first.id}/check-in", data={"csrf_token": csrf, "back": "schedule"}
    )
    assert again.status_code == 409 and "already checked in" in again.text

    session = world.services.sessions.get(world.actor(Role.NURSE), sid)
    assert (session.appointment_id, session.session_number, session.chair_id) == (
        first.id,
        first.session_number,
        first.chair_id,
    )
    assert session.course_id == first.course_id and session.state.value == "scheduled"
    assert session.unscheduled_reason is None
    # The desk sees that the patient arrived, but is offered no link to the clinical session
    # page it may not open.
    for page in ("/schedule", f"/schedule?opened={sid}", "/arrivals", f"/today?opened={sid}"):
        shown = client.get(page)
        assert shown.status_code == 200, page
        assert f'href="/sessions/{sid}"' not in shown.text, page
    assert "waiting for the nurse's check-in" in client.get("/arrivals").text
    web_login(client, world, Role.NURSE)
    arrivals = client.get("/arrivals")
    assert arrivals.status_code == 200
    assert f'href="/sessions/{sid}#step-check-in"' in arrivals.text  # arrived: check in next
    row = arrivals.text.split(f'data-appointment-id="{first.id}"', 1)[1].split("</tr>", 1)[0]
    assert "<td>Induction session 1 · Confirmed</td>" in row and "induction 1" not in row
    session_page = client.get(f"/sessions/{sid}")
    assert session_page.status_code == 200
    assert "<h1>Infusion session · " in session_page.text  # the date apart from the title
    query = AuditQuery(world.clinic.id, patient_id=first.patient_id)
    found = world.services.audit.search(world.actor(Role.ADMIN), query)
    opened = [e.detail for _, e in found if e.action == "session.open"]
    assert opened == [f"appointment={first.id} session_number=1 chair={first.chair_id}"]


def test_api_check_in_twice_is_one_session_and_a_409(
    world: World, booked: Booked, client: TestClient
) -> None:
    first = _series(world, booked, client)[0]
    headers = bearer(client, world, Role.NURSE)
    url = f"/api/v1/schedule/appointments/{first.id}/check-in"
    created = client.post(url, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["session_number"] == first.session_number
    second = client.post(url, headers=bearer(client, world, Role.FRONT_DESK))
    assert second.status_code == 409 and second.json()["field"] == "appointment_id"
    listed = client.get(
        "/api/v1/schedule/arrivals",
        params={"day": first.start_at.astimezone(CHICAGO).date().isoformat()},
        headers=headers,
    ).json()
    assert [a["session"]["id"] for a in listed if a["appointment_id"] == first.id] == [
        created.json()["id"]
    ]


def test_the_database_keeps_one_session_per_appointment(
    world: World, booked: Booked, client: TestClient
) -> None:
    """Two check-ins that both passed the service's look-up: the unique index refuses the second."""
    first = _series(world, booked, client)[0]
    nurse = world.actor(Role.NURSE).staff_id
    assert nurse is not None
    with world.services.uow() as uow:
        for attempt in (1, 2):
            try:
                uow.sessions.add(
                    world.clinic.id,
                    course_id=first.course_id,
                    patient_id=first.patient_id,
                    chair_id=first.chair_id,
                    by=nurse,
                    at=world.clock.now(),
                    appointment_id=first.id,
                )
            except Conflict as err:
                assert attempt == 2 and err.field == "appointment_id"
            else:
                assert attempt == 1


def test_a_check_in_of_another_day_or_a_proposed_series_is_refused(
    world: World, booked: Booked, client: TestClient
) -> None:
    series = _series(world, booked, client)
    headers = bearer(client, world, Role.FRONT_DESK)
    later = client.post(f"/api/v1/schedule/appointments/{series[2].id}/check-in", headers=headers)
    assert later.status_code == 409 and "not today" in later.json()["detail"]
    auditor = client.post(
        f"/api/v1/schedule/appointments/{series[0].id}/check-in",
        headers=bearer(client, world, Role.AUDITOR),
    )
    assert auditor.status_code == 403
    csrf = web_login(client, world, Role.FRONT_DESK)
    other = booked.courses[1]
    assert client.post(f"/courses/{other.id}/series", data={"csrf_token": csrf}).is_success
    proposed = booked.schedule.series_of_patient(world.actor(Role.NURSE), other.patient_id)[0]
    refused = client.post(f"/api/v1/schedule/appointments/{proposed.id}/check-in", headers=headers)
    assert refused.status_code == 409 and "confirm the series first" in refused.json()["detail"]


def test_only_a_prescriber_opens_an_unscheduled_visit_with_a_reason(
    world: World, booked: Booked, client: TestClient
) -> None:
    course = booked.courses[1]
    chair = world.services.calendar.board(world.actor(Role.NURSE), world.clock.now().date())
    chair_id = chair.directory.chairs[0].id
    body = {"course_id": course.id, "chair_id": chair_id, "reason": "walk-in after a call"}
    refused = client.post(
        "/api/v1/sessions/unscheduled", json=body, headers=bearer(client, world, Role.NURSE)
    )
    assert refused.status_code == 403 and "session.needs_appointment" in refused.json()["detail"]
    blank = client.post(
        "/api/v1/sessions/unscheduled",
        json={**body, "reason": ""},
        headers=bearer(client, world, Role.PHYSICIAN),
    )
    assert blank.status_code == 422
    opened = client.post(
        "/api/v1/sessions/unscheduled", json=body, headers=bearer(client, world, Role.PHYSICIAN)
    )
    assert opened.status_code == 201, opened.text
    assert opened.json()["unscheduled_reason"] == "walk-in after a call"
    assert opened.json()["appointment_id"] is None


def test_a_no_show_on_the_schedule_day_re_plans_the_series(
    world: World, booked: Booked, client: TestClient
) -> None:
    series = _series(world, booked, client)
    csrf = web_login(client, world, Role.FRONT_DESK)
    day = client.get("/schedule")
    assert f'action="/schedule/appointments/{series[0].id}/drop"' in day.text
    done = client.post(
        f"/schedule/appointments/{series[0].id}/drop",
        data={"csrf_token": csrf, "why": "missed", "reason": "did not arrive"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and f"dropped={series[0].id}" in done.headers["location"]
    page = client.get(done.headers["location"])
    assert 'id="replan-result"' in page.text
    after = booked.schedule.series_of_patient(world.actor(Role.NURSE), series[0].patient_id)
    dropped = next(b for b in after if b.id == series[0].id)
    assert dropped.status is BookingStatus.MISSED
    assert len([b for b in after if b.active]) == 5 or any(
        b.active and b.id not in {s.id for s in series} for b in after
    )
    refused = client.post(
        f"/appointments/{series[0].id}/check-in", data={"csrf_token": csrf, "back": "arrivals"}
    )
    assert refused.status_code == 409 and "missed" in refused.text


@pytest.mark.both_backends  # a race: each backend's locking is what is tested
def test_two_simultaneous_check_ins_end_in_one_session_and_one_conflict(
    world: World, booked: Booked, client: TestClient
) -> None:
    first = _series(world, booked, client)[0]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def check_in(role: Role) -> None:
        start.wait(timeout=10)
        try:
            world.services.arrivals.check_in(world.actor(role), first.id)
            outcomes.append("opened")
        except Conflict as err:
            outcomes.append(f"conflict:{err.field}")

    threads = [threading.Thread(target=check_in, args=(r,)) for r in (Role.NURSE, Role.FRONT_DESK)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["conflict:appointment_id", "opened"]
    listed = world.services.arrivals.arrivals(
        world.actor(Role.NURSE), first.start_at.astimezone(CHICAGO).date()
    )
    assert [a.session is not None for a in listed if a.booking.id == first.id] == [True]


def test_a_check_in_into_a_chair_with_another_patient_in_it_is_refused(
    world: World, booked: Booked, client: TestClient
) -> None:
    """A walk-in still in the appointment's chair: the desk's check-in (web and API) is refused,
    naming the chair, that another patient is in it, and the free chairs to move to."""
    first = _series(world, booked, client)[0]
    world.clock.current = first.start_at - timedelta(hours=6)
    body = {"course_id": booked.courses[1].id, "chair_id": first.chair_id, "reason": "walk-in"}
    walk_in = client.post(
        "/api/v1/sessions/unscheduled", json=body, headers=bearer(client, world, Role.PHYSICIAN)
    )
    assert walk_in.status_code == 201, walk_in.text
    world.clock.current = first.start_at - timedelta(minutes=10)
    chairs = world.services.calendar.board(world.actor(Role.NURSE), world.clock.now().date())
    names = {c.id: c.name for c in chairs.directory.chairs}
    others = [n for i, n in names.items() if i != first.chair_id]
    api = client.post(
        f"/api/v1/schedule/appointments/{first.id}/check-in",
        headers=bearer(client, world, Role.FRONT_DESK),
    )
    assert api.status_code == 409 and api.json()["field"] == "chair_id", api.text
    detail = api.json()["detail"]
    assert f"{names[first.chair_id]} has another patient in it" in detail, detail
    assert "session.chair_free" in detail and any(n in detail for n in others), detail
    csrf = web_login(client, world, Role.FRONT_DESK)
    web = client.post(
        f"/appointments/{first.id}/check-in", data={"csrf_token": csrf, "back": "schedule"}
    )
    assert web.status_code == 409
    alert = web.text.split('id="arrival-error"', 1)[1].split("</div>", 1)[0]
    said = alert.split("<details", 1)[0]
    assert f"{names[first.chair_id]} has another patient in it" in said, alert
    assert "session.chair_free" not in said and "rule session.chair_free" in alert
    with world.services.uow() as uow:
        assert uow.sessions.for_appointment(world.clinic.id, first.id) is None
    day = client.get("/schedule").text  # the chair is shown taken, not free
    row = day.split(f'<tr data-chair-id="{first.chair_id}">', 1)[1].split("</tr>", 1)[0]
    since = (first.start_at - timedelta(hours=6)).astimezone(CHICAGO)
    assert f"In use: a patient without an appointment, since {since:%H:%M}" in row, row
    assert ">free<" not in row
