"""Integration and coaching through the JSON API: the ROOT plan and ratings, a note whose private
part is only in its own endpoint (403 for a nurse, 200 for the author, both audited), bad input
gets 422 naming the field, and a journey with a wrong attendant is refused."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.services.audit.ports import AuditQuery
from tests.conftest import World
from tests.e2e.conftest import bearer
from tests.integration_world import course_on
from tests.kat_dosing import dosed_kat_session

SECRET = "Synthetic private part for the API"


def test_plan_ratings_and_field_errors(client: TestClient, world: World) -> None:
    course_id, _ = course_on(world, "adult-iv-induction")
    coach = bearer(client, world, Role.COACH)
    made = client.post(f"/api/v1/courses/{course_id}/integration-plan", headers=coach)
    assert made.status_code == 201
    body = made.json()
    assert [d["id"] for d in body["domains"]] == ["regulate", "overcome", "open", "transform"]
    goal_id = body["domains"][1]["goals"][0]["id"]
    rated = client.post(
        f"/api/v1/integration/goals/{goal_id}/ratings", json={"rating": 4}, headers=coach
    )
    assert rated.status_code == 201
    bad = client.post(
        f"/api/v1/integration/goals/{goal_id}/ratings", json={"rating": 12}, headers=coach
    )
    assert bad.status_code == 422 and "rating" in str(bad.json())
    plan = client.get(
        f"/api/v1/courses/{course_id}/integration-plan", headers=bearer(client, world, Role.NURSE)
    ).json()
    assert [r["rating"] for r in plan["domains"][1]["goals"][0]["ratings"]] == [4]


def test_private_part_only_through_its_audited_endpoint(client: TestClient, world: World) -> None:
    course_id, _ = course_on(world, "kat-holistic")
    coach, nurse = bearer(client, world, Role.COACH), bearer(client, world, Role.NURSE)
    note = client.post(
        f"/api/v1/courses/{course_id}/coaching-notes",
        headers=coach,
        json={
            "kind": "preparatory",
            "session_at": "2026-11-20T15:00:00+00:00",
            "themes": "intentions",
            "risk": "none",
            "private_text": SECRET,
        },
    )
    assert note.status_code == 201 and SECRET not in note.text
    note_id = note.json()["id"]
    listed = client.get(f"/api/v1/courses/{course_id}/coaching-notes", headers=nurse)
    assert listed.status_code == 200 and SECRET not in listed.text
    assert listed.json()[0]["has_private"] is True
    refused = client.get(f"/api/v1/coaching-notes/{note_id}/private", headers=nurse)
    assert refused.status_code == 403 and SECRET not in refused.text
    assert refused.json()["field"] == "private_text"
    shown = client.get(f"/api/v1/coaching-notes/{note_id}/private", headers=coach)
    assert shown.status_code == 200 and shown.json()["private_text"] == SECRET
    events = world.services.audit.search(world.actor(Role.AUDITOR), AuditQuery(world.clinic.id))
    reads = sorted(
        (e.actor_role, e.outcome) for _, e in events if e.action == "coaching.private_note_read"
    )
    assert reads == [("coach", "success"), ("nurse", "denied")]
    naive = client.post(
        f"/api/v1/courses/{course_id}/coaching-notes",
        headers=coach,
        json={
            "kind": "integration",
            "session_at": "2026-11-20T15:00:00",
            "themes": "x",
            "risk": "none",
        },
    )
    assert naive.status_code == 422 and "session_at" in naive.text


def test_journey_with_a_nurse_attendant_is_refused(client: TestClient, world: World) -> None:
    dose = dosed_kat_session(world)
    body = {
        "session_id": dose.session_id,
        "attendant_id": world.actor(Role.NURSE).staff_id,
        "setting": ["quiet_room"],
    }
    refused = client.post(
        f"/api/v1/courses/{dose.setup.course_id}/journeys",
        headers=bearer(client, world, Role.PHYSICIAN),
        json=body,
    )
    assert refused.status_code == 422 and refused.json()["field"] == "attendant_id"
