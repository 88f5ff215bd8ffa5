"""A course past induction (in reassessment) with no booking: the chart's schedule panel does not
offer "Book induction series", and a direct POST from the page or the JSON API is refused naming
the rule (behind "Why" on the page) and the course; nothing is booked."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.integration.test_outcome_service import responder_in_reassessment
from tests.integration.test_outcome_service_boosters import clinic_with_chairs

RULE = "schedule.induction_stage"


def test_panel_and_post_refuse_an_induction_series_after_induction(
    client: TestClient, world: World
) -> None:
    clinic_with_chairs(world)
    patient_id, course_id = responder_in_reassessment(world)
    csrf = web_login(client, world, Role.FRONT_DESK)
    panel = client.get(f"/patients/{patient_id}/panels/schedule")
    assert panel.status_code == 200
    assert f'data-course-id="{course_id}"' in panel.text
    assert "Book induction series" not in panel.text
    assert f'id="book-series-{course_id}"' not in panel.text

    posted = client.post(f"/courses/{course_id}/series", data={"csrf_token": csrf})
    assert "No induction series for this course: the course is past induction" in posted.text
    assert f'<span class="meta">rule {RULE}</span>' in posted.text
    assert f"{RULE}: No induction" not in posted.text  # the rule id is not in the sentence

    api = client.post(
        f"/api/v1/schedule/courses/{course_id}/series",
        headers=bearer(client, world, Role.FRONT_DESK),
    )
    assert api.status_code == 409, api.text
    assert api.json()["field"] == "course_id" and api.json()["detail"].startswith(f"{RULE}: ")
    with world.services.uow() as uow:
        assert not uow.schedule.for_course(world.clinic.id, course_id)
