"""The front desk's Today lists induction series re-planned after a dropped session ("Series to
confirm"): who, which course, what changed and a link to the schedule, until the desk confirms
the new times. A series proposed for the first time is not listed: it is confirmed where it was
booked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.errors import PermissionDenied
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.scheduling.inputs import DropReason, DropRequest
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.schedule_world import Booked, schedule_world


@pytest.fixture
def booked(world: World) -> Booked:
    found = schedule_world(world, patients=1)
    world.services.schedule, world.services.replans = found.schedule, found.replans
    return found


@pytest.fixture
def desk(world: World, booked: Booked) -> Iterator[tuple[TestClient, str]]:
    with TestClient(create_app(services=world.services)) as c:
        yield c, web_login(c, world, Role.FRONT_DESK)


def _today_series(client: TestClient) -> str:
    page = client.get("/today")
    assert page.status_code == 200
    return page.text.split('id="today-series"', 1)[1].split("</section>", 1)[0]


def test_a_replanned_series_is_listed_until_the_desk_confirms_it(
    world: World, booked: Booked, desk: tuple[TestClient, str]
) -> None:
    client, csrf = desk
    front_desk: Actor = world.actor(Role.FRONT_DESK)
    course = booked.courses[0]
    booked.schedule.book_series(front_desk, course.id)
    assert "No re-planned series waiting" in _today_series(client)  # first proposal: not here
    series = sorted(booked.schedule.confirm_series(front_desk, course.id), key=lambda b: b.start_at)
    booked.replans.drop(front_desk, series[1].id, DropRequest(DropReason.CANCELLED, "car broke"))

    [listed] = world.services.series_to_confirm.series_to_confirm(front_desk)
    assert listed.course.id == course.id and listed.dropped.id == series[1].id
    assert (listed.why, listed.reason) == ("cancelled", "car broke") and listed.proposed

    section = _today_series(client)
    assert f'data-course-id="{course.id}"' in section and 'data-why="cancelled"' in section
    assert listed.patient_name in section and "Course opened" in section
    assert "Induction session 2 on " in section and "was cancelled (car broke)" in section
    assert f'href="/patients/{course.patient_id}?section=schedule"' in section

    confirmed = client.post(f"/courses/{course.id}/series/confirm", data={"csrf_token": csrf})
    assert confirmed.status_code == 200
    assert world.services.series_to_confirm.series_to_confirm(front_desk) == []
    assert "No re-planned series waiting" in _today_series(client)


def test_only_schedule_readers_see_the_list(world: World, booked: Booked) -> None:
    with pytest.raises(PermissionDenied):
        world.services.series_to_confirm.series_to_confirm(world.actor(Role.AUDITOR))
