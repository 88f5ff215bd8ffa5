"""The end-of-dosing form before the planned duration, over HTTP: it shows the planned and
elapsed minutes and asks for a reason; sent without one it is refused naming ``reason`` and the
session keeps infusing; with one, recovery begins and the amount actually given is recorded."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.infusion_world import start_fields
from tests.integration.test_session_workflow import Day, _ready, make_day


@pytest.fixture
def day(world: World) -> Day:
    return make_day(world)


def _infusing_for(day: Day, minutes: int) -> None:
    _ready(day)
    day.flow.start(day.world.actor(Role.NURSE), day.session_id, start_fields(day.world))
    day.world.clock.advance(minutes=minutes)


def _state(day: Day) -> SessionState:
    return day.world.services.sessions.get(day.world.actor(Role.NURSE), day.session_id).state


def test_the_form_asks_why_dosing_ends_early_and_refuses_without_a_reason(
    client: TestClient, day: Day
) -> None:
    _infusing_for(day, 4)
    csrf = web_login(client, day.world, Role.NURSE)
    page = client.get(f"/sessions/{day.session_id}").text
    form = page.split('id="step-end"', 1)[1].split("</section>", 1)[0]
    assert (
        "Planned 40 min;" in form and '<span data-field="elapsed-min">4</span> min elapsed' in form
    )
    assert 'id="end-reason"' in form and 'name="reason"' in form and "required" in form
    assert 'value="dosing complete"' not in form
    url = f"/sessions/{day.session_id}/steps/end"
    refused = client.post(url, data={"csrf_token": csrf, "reason": ""}, follow_redirects=False)
    assert refused.status_code == 422
    error = refused.text.split('id="end-reason-error">', 1)[1].split("</p>", 1)[0]
    assert "dosing.early_stop" in error and "planned 40 min, 4 min elapsed" in error
    assert _state(day) is SessionState.INFUSING
    done = client.post(
        url, data={"csrf_token": csrf, "reason": "patient asked to stop"}, follow_redirects=False
    )
    assert done.status_code == 303, done.text[:800]
    assert _state(day) is SessionState.RECOVERY
    page = client.get(f"/sessions/{day.session_id}").text
    assert '<strong data-field="given-mg">given 3.5 mg</strong> (dosing ended early)' in page
    zone = ZoneInfo(day.world.clinic.timezone)
    ended_at = day.world.clock.now().astimezone(zone).strftime("%H:%M")
    record = page.split('id="session-record"', 1)[1].split("</section>", 1)[0]
    entry = record.split('<li data-kind="early-end">', 1)[1].split("</li>", 1)[0]
    assert entry.startswith(f"{ended_at} · Dosing ended early: patient asked to stop;"), entry
    assert "given 3.5 mg of 35 mg ordered" in entry
    panel = client.get(f"/patients/{day.setup.patient_id}/panels/sessions").text
    ketamine = panel.split("<tr><td>", 1)[1].split("</td>")[2]
    assert ketamine.strip().startswith("<td>3.5 mg IV"), ketamine
    early = panel.split('data-field="early-end">', 1)[1].split("</p>", 1)[0]
    assert (
        early
        == f"{ended_at} · Dosing ended early: patient asked to stop; given 3.5 mg of 35 mg ordered"
    )
    web_login(client, day.world, Role.APP)
    record = client.get(f"/courses/{day.setup.course_id}/orders/new").text
    assert '<strong data-field="given-mg">given 3.5 mg</strong> (dosing ended early)' in record


def test_the_api_refuses_an_early_end_without_a_reason(client: TestClient, day: Day) -> None:
    _infusing_for(day, 4)
    url = f"/api/v1/sessions/{day.session_id}/steps/end"
    headers = bearer(client, day.world, Role.NURSE)
    refused = client.post(url, headers=headers, json={})
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["field"] == "reason"
    assert body["fields"]["reason"].startswith("dosing.early_stop:")
    assert "planned 40 min, 4 min elapsed" in body["fields"]["reason"]
    assert _state(day) is SessionState.INFUSING
    done = client.post(url, headers=headers, json={"reason": "line tissued"})
    assert done.status_code == 200, done.text
    assert _state(day) is SessionState.RECOVERY


def test_at_the_planned_duration_the_form_needs_no_reason(client: TestClient, day: Day) -> None:
    _infusing_for(day, 40)
    csrf = web_login(client, day.world, Role.NURSE)
    form = client.get(f"/sessions/{day.session_id}").text.split('id="step-end"', 1)[1]
    assert 'id="end-reason"' not in form.split("</section>", 1)[0]
    done = client.post(
        f"/sessions/{day.session_id}/steps/end",
        data={"csrf_token": csrf, "reason": "dosing complete"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and _state(day) is SessionState.RECOVERY
