"""The coach's caseload over the JSON API carries what the Today page shows: each session row's
session (id, API record and page) once the patient has arrived, and which rows are today's
sessions (the clinic day), read through the same caseload service as the page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.integration.plans import NoteKind
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.e2e.test_today_http import section
from tests.integration_world import booked_visit, course_on, signed_note


def _rows(client: TestClient, world: World) -> list[dict[str, Any]]:
    answer = client.get("/api/v1/worklist/coaching", headers=bearer(client, world, Role.COACH))
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()
    return rows


def test_the_caseload_api_links_todays_arrived_session_like_the_today_page(
    client: TestClient, world: World
) -> None:
    kat_id, room = course_on(world, "kat-holistic", given="Wren")
    signed_note(world, kat_id, NoteKind.PREPARATORY)
    now = world.clock.now()
    today = booked_visit(world, kat_id, room, now + timedelta(hours=1))
    later = booked_visit(world, kat_id, room, now + timedelta(days=4))
    before = [r for r in _rows(client, world) if r["kind"] == "session_due"]
    assert [(r["today"], r["session_id"], r["session_url"]) for r in before] == [
        (True, None, None),  # booked today, not arrived yet: no session to open
        (False, None, None),
    ]
    session = world.services.arrivals.check_in(world.actor(Role.NURSE), today.id)
    rows = [r for r in _rows(client, world) if r["kind"] == "session_due"]
    [todays] = [r for r in rows if r["today"]]
    assert todays["course_id"] == kat_id and todays["attended"] is True
    assert todays["session_id"] == session.id
    assert todays["session_url"] == f"/api/v1/sessions/{session.id}/record"
    assert todays["session_page"] == f"/sessions/{session.id}"
    assert todays["due_at"] == today.start_at.isoformat()
    [ahead] = [r for r in rows if not r["today"]]
    assert ahead["due_at"] == later.start_at.isoformat() and ahead["session_id"] is None
    record = client.get(todays["session_url"], headers=bearer(client, world, Role.COACH))
    assert record.status_code == 200, record.text
    web_login(client, world, Role.COACH)
    page = section(client.get("/today").text, "today-coach-sessions")
    assert f'href="{todays["session_page"]}"' in page  # the same session as the Today page


def test_the_caseload_api_is_the_coachs_list(client: TestClient, world: World) -> None:
    course_on(world, "kat-holistic", given="Wren")
    front_desk = bearer(client, world, Role.FRONT_DESK)
    assert client.get("/api/v1/worklist/coaching", headers=front_desk).status_code == 403
