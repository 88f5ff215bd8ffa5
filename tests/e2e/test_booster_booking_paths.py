"""Every way of booking a maintenance booster follows one rule: the prescriber's stored booster
plan, never the protocol's default intervals. The chart's "Book maintenance booster N" button,
the scheduling API and the outcome page's "Book boosters" all book the stored (edited) plan's
windows; before a plan is stored each of them refuses with "store the booster plan first"
(clinical.md §3.3: a booster is a prescriber's dose decision)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.outcomes.records import StoredBoosterPlan
from ketaclinic.domain.scheduling.booking import Booking
from ketaclinic.services.outcomes.maintenance import BoosterEdit
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.integration.test_outcome_service import reassess, responder_in_reassessment
from tests.integration.test_outcome_service_boosters import clinic_with_chairs

RULE = "store the booster plan first"


def _course(world: World) -> int:
    """A consented responder in reassessment on a clinic with chairs and opening hours."""
    clinic_with_chairs(world)
    _, course_id = responder_in_reassessment(world)
    reassess(world, course_id, 8)
    return course_id


def _in_windows(world: World, plan: StoredBoosterPlan, bookings: list[Booking]) -> None:
    zone = ZoneInfo(world.clinic.timezone)
    windows = {w.number: w for w in plan.plan.windows}
    for booking in bookings:
        window = windows[booking.session_number]
        day = booking.start_at.astimezone(zone).date()
        assert window.earliest_on <= day <= window.latest_on, (booking.session_number, day)


def test_chart_button_api_and_outcome_page_all_book_the_stored_plan(
    client: TestClient, world: World
) -> None:
    course_id = _course(world)
    today = world.clock.now().date()
    physician, desk = world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    # the prescriber moves booster 1 to day 20: the protocol default (day 7) would miss it
    moved = BoosterEdit(1, today + timedelta(days=20), "patient away the first fortnight")
    plan = world.services.maintenance.store(physician, course_id, today, [moved])
    first = plan.plan.windows[0]
    assert first.earliest_on > today + timedelta(days=10)

    csrf = web_login(client, world, Role.FRONT_DESK)
    chart = client.post(
        f"/courses/{course_id}/boosters", data={"csrf_token": csrf, "booster_number": "1"}
    )
    assert chart.status_code == 200, chart.text[:500]
    assert 'data-kind="booster"' in chart.text and 'data-session="B1"' in chart.text
    # boosters are listed in their own section, named "Booster 1", never as an induction session
    boosters = chart.text.split('<h4 id="boosters-h-', 1)[1]
    assert boosters.split(">", 1)[1].startswith("Maintenance boosters</h4>")
    assert 'data-session="B1"' in boosters and "<td>Booster 1</td>" in boosters
    assert 'data-session="B1"' not in chart.text.split('<h4 id="boosters-h-', 1)[0]
    after_chart = world.services.boosters.booked(desk, course_id)
    assert [b.session_number for b in after_chart] == [1]
    _in_windows(world, plan, after_chart)

    api = bearer(client, world, Role.FRONT_DESK)
    url = f"/api/v1/schedule/courses/{course_id}/boosters"
    booked_2 = client.post(f"{url}/2", headers=api)
    assert booked_2.status_code == 201, booked_2.text
    again = client.post(f"{url}/2", headers=api)
    assert again.status_code == 409 and "booster 2 is already booked" in again.json()["detail"]
    beyond = client.post(f"{url}/4", headers=api)
    assert beyond.status_code == 409 and "has 3 boosters, not 4" in beyond.json()["detail"]

    rest = client.post(
        f"/courses/{course_id}/outcome/book", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert rest.status_code == 303, rest.text[:500]
    every = world.services.boosters.booked(desk, course_id)
    assert [b.session_number for b in every] == [1, 2, 3]
    _in_windows(world, plan, every)
    with pytest.raises(Conflict, match="already has booked boosters for every window"):
        world.services.boosters.book(desk, course_id)


def test_no_path_books_a_booster_before_the_plan_is_stored(
    client: TestClient, world: World
) -> None:
    course_id = _course(world)
    desk = world.actor(Role.FRONT_DESK)
    with pytest.raises(Conflict, match=RULE):
        world.services.boosters.book(desk, course_id, 1)

    csrf = web_login(client, world, Role.FRONT_DESK)
    chart = client.post(
        f"/courses/{course_id}/boosters", data={"csrf_token": csrf, "booster_number": "1"}
    )
    assert chart.status_code == 200 and RULE in chart.text
    assert 'data-kind="booster"' not in chart.text
    page = client.post(f"/courses/{course_id}/outcome/book", data={"csrf_token": csrf})
    assert page.status_code == 409 and RULE in page.text

    api = client.post(
        f"/api/v1/schedule/courses/{course_id}/boosters/1",
        headers=bearer(client, world, Role.FRONT_DESK),
    )
    assert api.status_code == 409
    assert RULE in api.json()["detail"] and api.json()["field"] == "course_id"
    assert world.services.boosters.booked(desk, course_id) == []
