"""The outcomes JSON API: tagged scores, the outcome review, booster plan, decision, worklist and
dashboard, with 422 naming the field for bad input and 404 for another clinic's course."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import bearer
from tests.integration.test_outcome_service import phq9, responder_in_reassessment


def test_scores_review_plan_decision_over_the_api(client: TestClient, world: World) -> None:
    _, course_id = responder_in_reassessment(world)
    nurse, physician = bearer(client, world, Role.NURSE), bearer(client, world, Role.PHYSICIAN)
    url = f"/api/v1/courses/{course_id}"
    body = {"instrument_id": "phq9", "answers": phq9(9), "kind": "reassessment"}
    recorded = client.post(f"{url}/scores", json=body, headers=nurse)
    assert recorded.status_code == 201 and recorded.json()["total"] == 9
    bad = client.post(f"{url}/scores", json={**body, "kind": "session"}, headers=nurse)
    assert bad.status_code == 422 and bad.json()["field"] == "session_number"
    review = client.get(f"{url}/outcome", headers=nurse).json()
    assert review["outcome"]["outcome"] == "response" and review["reassessment_recorded"]
    assert (review["outcome"]["baseline"], review["outcome"]["latest"]) == (20, 9)
    start = world.clock.now().date().isoformat()
    plan = client.post(f"{url}/booster-plan", json={"start_on": start}, headers=physician)
    assert plan.status_code == 201 and len(plan.json()["windows"]) == 3
    refused = client.post(f"{url}/booster-plan", json={"start_on": start}, headers=nurse)
    assert refused.status_code == 403
    no_reason = client.post(
        f"{url}/decision", json={"decision": "maintenance", "reason": ""}, headers=physician
    )
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    [due] = client.get("/api/v1/worklist/outcomes", headers=physician).json()
    [entry] = world.services.outcomes.worklist(world.actor(Role.PHYSICIAN))
    assert due["kind"] == entry.kind == "maintenance_decision_due"
    assert due["due_on"] == entry.due_on.isoformat()  # the worklist's "since" date
    decided = client.post(
        f"{url}/decision",
        json={"decision": "maintenance", "reason": "responder"},
        headers=physician,
    )
    assert decided.status_code == 200 and decided.json()["state"] == "maintenance"
    assert client.get("/api/v1/worklist/outcomes", headers=physician).json() == []
    assert (
        client.get(f"/api/v1/courses/{course_id + 999}/outcome", headers=nurse).status_code == 404
    )
    month = world.clock.now().strftime("%Y-%m")
    admin = bearer(client, world, Role.ADMIN)
    figures = client.get(
        f"/api/v1/outcomes/dashboard?from_month={month}&to_month={month}", headers=admin
    ).json()
    [rates] = figures["protocols"][0]["rates_by_month"]
    assert (rates["group"], rates["denominator"], rates["responders"]) == ([month], 1, 1)
    bad_month = client.get("/api/v1/outcomes/dashboard?from_month=x&to_month=y", headers=admin)
    assert bad_month.status_code == 422 and "from_month" in bad_month.json()["fields"]
