"""The people of a start of dosing over HTTP: the JSON API and the session page share one rule.

A nurse typing a name or ticking "prescriber on site" through the API is refused (422) naming
the field; the page offers people by name (never ids) and, after the start, the session record
names who gave the dose and which prescriber was on site.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.services.identity.staff_admin import NewStaff
from tests.conftest import PASSWORD, World
from tests.e2e.conftest import bearer, web_login
from tests.infusion_world import start_fields
from tests.integration.test_session_workflow import Day, _ready, make_day


@pytest.fixture
def day(world: World) -> Day:
    made = make_day(world)
    _ready(made)
    return made


def _start(client: TestClient, day: Day, role: Role, body: dict[str, Any]) -> Any:
    url = f"/api/v1/sessions/{day.session_id}/steps/start"
    return client.post(url, headers=bearer(client, day.world, role), json=body)


def _state(client: TestClient, day: Day) -> str:
    auth = bearer(client, day.world, Role.NURSE)
    record = client.get(f"/api/v1/sessions/{day.session_id}/record", headers=auth).json()
    return str(record["session"]["state"])


def test_nurse_typing_names_through_the_api_is_refused_naming_each_field(
    client: TestClient, day: Day
) -> None:
    typed = {"lot": "KET-DEMO-1", "given_by": "Test Nurse", "prescriber_on_site": True}
    refused = _start(client, day, Role.NURSE, typed)
    assert refused.status_code == 422
    body = refused.json()
    assert body["error"] == "ValidationFailed"
    assert set(body["fields"]) == {"given_by", "prescriber_on_site"}
    assert "not typed text" in body["fields"]["prescriber_on_site"]
    assert _state(client, day) == "ready"
    coach = start_fields(day.world, prescriber_on_site=str(day.world.actor(Role.COACH).staff_id))
    refused = _start(client, day, Role.NURSE, coach)
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "prescriber_on_site: not an active prescriber (physician or APP) of this clinic"
    )
    assert _state(client, day) == "ready"
    started = _start(client, day, Role.NURSE, start_fields(day.world))
    assert started.status_code == 200, started.text
    given = [r for r in started.json()["records"] if r["payload"].get("purpose") == "ketamine"]
    assert [r["payload"]["prescriber_on_site"] for r in given] == ["Test Physician"]


def test_the_start_form_offers_people_by_name_and_the_record_shows_names(
    client: TestClient, day: Day
) -> None:
    csrf = web_login(client, day.world, Role.NURSE)
    page = client.get(f"/sessions/{day.session_id}").text
    form = page.split('id="step-start"', 1)[1].split("</form>", 1)[0]
    nurse_id = day.world.actor(Role.NURSE).staff_id
    assert re.search(rf'<option value="{nurse_id}" selected>Test Nurse \(nurse\)</option>', form)
    prescribers = form.split('name="prescriber_on_site"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r">([^<>]+)</option>", prescribers) == [
        "— choose —",
        "Test App (nurse practitioner / PA)",
        "Test Physician (physician)",
    ]
    assert 'type="checkbox" name="prescriber_on_site"' not in page
    assert 'name="attending"' not in form  # IV: no separate attendant
    coach = str(day.world.actor(Role.COACH).staff_id)
    refused = client.post(
        f"/sessions/{day.session_id}/steps/start",
        data={**start_fields(day.world, prescriber_on_site=coach), "csrf_token": csrf},
    )
    assert refused.status_code == 422
    assert 'id="start-prescriber_on_site-error"' in refused.text
    assert "not an active prescriber (physician or APP) of this clinic" in refused.text
    started = client.post(
        f"/sessions/{day.session_id}/steps/start",
        data={**start_fields(day.world), "csrf_token": csrf},
        follow_redirects=True,
    )
    assert started.status_code == 200
    record = started.text.split('id="session-record"', 1)[1]
    given = record.split('data-kind="administration"')[-1].split("</li>", 1)[0]
    assert "Given by: Test Nurse" in given
    assert "Prescriber on site: Test Physician (physician)" in given
    assert "Route: Intravenous (IV)" in given and "Dose: " in given and " mg" in given
    assert not re.search(r"(given by|prescriber on site) (id|number)", record, re.I)
    assert not re.search(r"order( number)? \d", record, re.I)  # the order by what it orders
    listed = record.split("</section>", 1)[0]
    shown = re.sub(r"<details.*?</details>", "", listed, flags=re.S)
    assert "source" not in shown.lower() and "clinical.md" not in shown  # sources one click away
    assert "BP hard stop rule source: " in listed  # the pre-dose BP sources behind "Why"


def test_the_start_form_chooses_the_nurse_assigned_to_the_session_not_the_signed_in_one(
    client: TestClient, day: Day
) -> None:
    world = day.world
    assigned = world.services.staff.create(
        world.actor(Role.ADMIN),
        NewStaff("rn.assigned@testclinic.test", "Robin Assigned-Nurse", Role.NURSE, PASSWORD),
    )
    assert assigned is not None
    world.services.sessions.assign(
        world.actor(Role.NURSE), day.session_id, attendant_id=assigned.id, device_id=None
    )
    csrf = web_login(client, world, Role.NURSE)  # a colleague opens the page
    page = client.get(f"/sessions/{day.session_id}").text
    form = page.split('id="step-start"', 1)[1].split("</form>", 1)[0]
    given = form.split('name="given_by"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="(\d+)" selected>', given) == [str(assigned.id)]
    signed_in = world.actor(Role.NURSE).staff_id
    assert f'<option value="{signed_in}">Test Nurse (nurse)</option>' in given  # still offered
    assert "The nurse assigned to this session is chosen" in form
    started = client.post(
        f"/sessions/{day.session_id}/steps/start",
        data={**start_fields(world), "given_by": str(signed_in), "csrf_token": csrf},
        follow_redirects=True,
    )
    assert started.status_code == 200  # changeable to another eligible member of staff
    record = started.text.split('id="session-record"', 1)[1]
    assert "Given by: Test Nurse" in record.split('data-kind="administration"')[-1]
