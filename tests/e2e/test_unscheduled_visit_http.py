"""A prescriber opening an unscheduled visit through the web page and the JSON API, in a chair
booked for another patient right now: both refuse it with the chair field, the rule and the time
the chair is booked (clinic local time; the rule id behind "Why" on the page, another patient
never named); the page lists the free chairs, and the visit opens in one of them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.scheduling.booking import Booking
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.schedule_world import Booked, schedule_world

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def first_booked(world: World) -> tuple[Booked, Booking]:
    """Two chairs; the first patient's confirmed series starts now (08:00), in one of them."""
    booked = schedule_world(world, chairs=2, patients=2)
    world.services.schedule, world.services.replans = booked.schedule, booked.replans
    desk = world.actor(Role.FRONT_DESK)
    course = booked.courses[0]
    world.services.calendar.set_patient_preferences(desk, course.patient_id, (), 8 * 60)
    booked.schedule.book_series(desk, course.id)
    booked.schedule.confirm_series(desk, course.id)
    first = min(booked.schedule.series_of_patient(desk, course.patient_id), key=_start)
    assert first.start_at == world.clock.now()
    return booked, first


def _names(world: World, booked: Booked, first: Booking) -> tuple[str, str, str]:
    with world.services.uow() as uow:
        chairs = {c.id: c.name for c in uow.clinics.chairs(world.clinic.id)}
        patient = uow.patients.get(world.clinic.id, booked.courses[0].patient_id)
    assert patient is not None
    [other] = [name for i, name in chairs.items() if i != first.chair_id]
    return chairs[first.chair_id], other, patient.details.family_name


def _booked_words(world: World, booked: Booked, first: Booking) -> str:
    chair, _, _ = _names(world, booked, first)
    start, end = first.start_at.astimezone(CHICAGO), first.end_at.astimezone(CHICAGO)
    return f"{chair} is booked from {start:%H:%M} to {end:%H:%M} for another patient"


def test_the_page_refuses_a_booked_chair_and_lists_the_free_one(
    client: TestClient, world: World, first_booked: tuple[Booked, Booking]
) -> None:
    booked, first = first_booked
    walk_in = booked.courses[1]
    chair, free_chair, other_name = _names(world, booked, first)
    csrf = web_login(client, world, Role.PHYSICIAN)
    panel = client.get(f"/patients/{walk_in.patient_id}/panels/schedule")
    assert f'href="/courses/{walk_in.id}/unscheduled"' in panel.text
    form = client.get(f"/courses/{walk_in.id}/unscheduled")
    assert form.status_code == 200
    assert f"Free now: {free_chair}." in form.text and f"{chair} (taken)" in form.text
    chosen = form.text.split('id="chair_id"', 1)[1].split("</select>", 1)[0]
    assert f"selected>{free_chair}<" in chosen, chosen  # a free chair is offered first

    refused = client.post(
        f"/courses/{walk_in.id}/unscheduled",
        data={"csrf_token": csrf, "chair_id": str(first.chair_id), "reason": "unwell today"},
        follow_redirects=False,
    )
    assert refused.status_code == 409
    assert _booked_words(world, booked, first) + "; choose a free chair" in refused.text
    assert (
        '<details class="why"><summary>Why</summary><span class="meta">rule session.chair_free'
        in refused.text
    )
    assert other_name not in refused.text
    assert ">unwell today</textarea>" in refused.text  # the reason written is kept
    with world.services.uow() as uow:
        assert not uow.sessions.for_patient(world.clinic.id, walk_in.patient_id)

    free_id = next(
        c.id
        for c, is_free in world.services.arrivals.chairs_for_visit(
            world.actor(Role.PHYSICIAN), walk_in.id
        )
        if is_free
    )
    opened = client.post(
        f"/courses/{walk_in.id}/unscheduled",
        data={"csrf_token": csrf, "chair_id": str(free_id), "reason": "unwell today"},
        follow_redirects=False,
    )
    assert opened.status_code == 303 and opened.headers["location"].startswith("/sessions/")


def test_the_api_refuses_a_booked_chair_naming_the_rule(
    client: TestClient, world: World, first_booked: tuple[Booked, Booking]
) -> None:
    booked, first = first_booked
    walk_in = booked.courses[1]
    prescriber = bearer(client, world, Role.PHYSICIAN)
    body = {"course_id": walk_in.id, "chair_id": first.chair_id, "reason": "unwell today"}
    refused = client.post("/api/v1/sessions/unscheduled", json=body, headers=prescriber)
    assert refused.status_code == 409, refused.text
    assert refused.json()["field"] == "chair_id"
    assert refused.json()["detail"] == (
        f"session.chair_free: {_booked_words(world, booked, first)}; choose a free chair"
    )
    with world.services.uow() as uow:
        assert not uow.sessions.for_patient(world.clinic.id, walk_in.patient_id)


def _start(b: Booking) -> datetime:
    return b.start_at


def test_a_walk_in_for_a_course_with_a_booked_series_warns_of_the_appointments_ahead(
    client: TestClient, world: World, first_booked: tuple[Booked, Booking]
) -> None:
    """A prescriber opening a visit for a course whose series is booked is told which
    appointments are ahead and that a dose now makes the next one too soon; a course with
    nothing booked shows no such warning."""
    booked, first = first_booked
    web_login(client, world, Role.PHYSICIAN)
    form = client.get(f"/courses/{booked.courses[0].id}/unscheduled").text
    ahead = form.split('id="booked-ahead"', 1)[1].split("</div>", 1)[0]
    series = world.services.schedule.series_of_patient(
        world.actor(Role.FRONT_DESK), first.patient_id
    )
    nxt = min((b for b in series if b.start_at > world.clock.now()), key=_start)
    local = nxt.start_at.astimezone(ZoneInfo(world.clinic.timezone))
    words = f"Induction session {nxt.session_number} on {local:%a %-d %b at %H:%M}"
    assert words in ahead, ahead
    assert "the next dose cannot start until the protocol's interval" in ahead
    other = client.get(f"/courses/{booked.courses[1].id}/unscheduled").text
    assert 'id="booked-ahead"' not in other
