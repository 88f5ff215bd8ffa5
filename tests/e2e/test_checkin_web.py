"""The between-session check-in on the chart's Dosing panel: a medication change re-runs the
interaction review and shows it; bad input is reported inline and nothing is stored."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.integration.test_orders_service import set_up_course


def test_a_medication_change_shows_its_interactions_and_holds_for_review(
    client: TestClient, world: World
) -> None:
    setup = set_up_course(
        world.services, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    )
    csrf = web_login(client, world, Role.NURSE)
    form = {
        "csrf_token": csrf,
        "anxiety_0_10": "4",
        "sleep_hours_last_night": "7",
        "started": "lorazepam",
        "side_effects": ["nausea"],
    }
    response = client.post(
        f"/courses/{setup.course_id}/checkins", data=form, headers={"hx-request": "true"}
    )
    assert response.status_code == 200, response.text
    assert 'id="checkin-recorded"' in response.text
    assert 'data-rule="checkin.medication_change"' in response.text
    assert "lorazepam — benzodiazepine" in response.text
    view = world.services.checkins.latest(world.actor(Role.NURSE), setup.course_id)
    assert view is not None and [i.medication for i in view.review.interactions] == ["lorazepam"]


def test_bad_check_in_input_is_reported_inline_and_nothing_is_stored(
    client: TestClient, world: World
) -> None:
    setup = set_up_course(
        world.services, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    )
    csrf = web_login(client, world, Role.NURSE)
    form = {"csrf_token": csrf, "anxiety_0_10": "11", "sleep_hours_last_night": "lots"}
    response = client.post(
        f"/courses/{setup.course_id}/checkins", data=form, headers={"hx-request": "true"}
    )
    assert response.status_code == 200
    assert 'id="sleep_hours_last_night-error"' in response.text
    assert world.services.checkins.latest(world.actor(Role.NURSE), setup.course_id) is None
    form = {"csrf_token": csrf, "anxiety_0_10": "11", "sleep_hours_last_night": "7"}
    response = client.post(
        f"/courses/{setup.course_id}/checkins", data=form, headers={"hx-request": "true"}
    )
    assert 'id="anxiety_0_10-error"' in response.text
    assert world.services.checkins.latest(world.actor(Role.NURSE), setup.course_id) is None
