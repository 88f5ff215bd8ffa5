"""The course page offers maintenance only when the course gate would accept it, and says what is
missing first (clinical.md §9.2: reassess, then plan maintenance).

A responder's course in reassessment is proposed "offer maintenance" from its session scores.
The physician sees what is missing (the reassessment, then the booster plan) with the link or
form that records it, and maintenance is not in the decision list until both are recorded; the
page and the refusal agree because both come from the course gate."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.integration.test_outcome_service import reassess, responder_in_reassessment

MAINTENANCE_OPTION = '<option value="maintenance"'


def test_maintenance_is_offered_only_once_reassessed_and_planned(
    client: TestClient, world: World
) -> None:
    patient_id, course_id = responder_in_reassessment(world)
    csrf = web_login(client, world, Role.PHYSICIAN)
    url = f"/courses/{course_id}/outcome"

    page = client.get(url).text
    assert 'data-next-step="offer_maintenance"' in page
    assert "data-maintenance-blocked" in page and 'data-blocked="maintenance"' in page
    assert "reassessment not recorded" in page and "no maintenance plan recorded" in page
    record_link = f'<a href="/patients/{patient_id}/assessments/new?instrument=phq9">'
    assert f"{record_link}Record the reassessment first</a>" in page
    assert '<a href="#plan">Store the maintenance plan first</a>' in page
    assert MAINTENANCE_OPTION not in page
    assert '<option value="discontinued"' in page
    refused = client.post(
        f"{url}/decision",
        data={"csrf_token": csrf, "decision": "maintenance", "reason": "responder"},
    )
    assert refused.status_code == 409
    assert "reassessment not recorded" in refused.text

    reassess(world, course_id, 9)
    page = client.get(url).text
    assert "Record the reassessment first" not in page
    assert '<a href="#plan">Store the maintenance plan first</a>' in page
    assert MAINTENANCE_OPTION not in page and '<option value="completed"' in page

    today = world.clock.now().date().isoformat()
    stored = client.post(
        f"{url}/plan", data={"csrf_token": csrf, "start_on": today}, follow_redirects=False
    )
    assert stored.status_code == 303
    page = client.get(url).text
    assert MAINTENANCE_OPTION in page
    assert "data-maintenance-blocked" not in page and 'data-blocked="maintenance"' not in page
    decided = client.post(
        f"{url}/decision",
        data={"csrf_token": csrf, "decision": "maintenance", "reason": "response, holding"},
        follow_redirects=False,
    )
    assert decided.status_code == 303
