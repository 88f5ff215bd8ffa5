"""Who gave a premedication and who placed the IV line over HTTP: the JSON API and the session
page share one rule (``services.infusion.dose_team.step_person``).

A nurse typing a name, naming a coach or another clinic's nurse through the API is refused (422)
naming the field and nothing is stored; the page offers people by name in a drop-down (the
signed-in nurse chosen), refuses a coach naming the field, and the record shows names, never ids.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.services.identity.clinics import create_clinic
from ketaclinic.services.identity.staff_admin import NewStaff
from tests.conftest import PASSWORD, World
from tests.e2e.conftest import bearer, web_login
from tests.integration.test_session_workflow import CHECK_IN, Day, make_day

PREMED = {"drug": "ondansetron", "dose_mg": "4", "route": "PO", "lot": "LOT-P1"}
IV = {"site": "left antecubital", "gauge": "22", "attempts": "1"}
STEPS = {"give": ("given_by", PREMED), "iv": ("placed_by", IV)}


@pytest.fixture
def day(world: World) -> Day:
    made = make_day(world)
    made.flow.check_in(world.actor(Role.NURSE), made.session_id, CHECK_IN)
    return made


def _api(client: TestClient, day: Day, step: str, body: dict[str, Any]) -> Any:
    url = f"/api/v1/sessions/{day.session_id}/steps/{step}"
    return client.post(url, headers=bearer(client, day.world, Role.NURSE), json=body)


def _count(client: TestClient, day: Day) -> int:
    auth = bearer(client, day.world, Role.NURSE)
    record = client.get(f"/api/v1/sessions/{day.session_id}/record", headers=auth).json()
    return len(record["records"])


@pytest.mark.parametrize("step", list(STEPS))
def test_nurse_getting_around_the_people_check_through_the_api_is_refused(
    client: TestClient, day: Day, step: str
) -> None:
    field, form = STEPS[step]
    w = day.world
    other = create_clinic(w.services.uow, w.clock, "otherclinic", "Other", "UTC", "OC")
    stranger = w.services.staff.bootstrap_create(
        other, NewStaff("rn@other.test", "Nurse Elsewhere", Role.NURSE, PASSWORD)
    ).id
    before = _count(client, day)
    tries = {
        "Test Nurse": "not typed text",
        str(w.actor(Role.COACH).staff_id): "not an active nurse or prescriber",
        str(stranger): "of this clinic",
    }
    for person, why in tries.items():
        refused = _api(client, day, step, {**form, field: person})
        assert refused.status_code == 422, (person, refused.text)
        assert set(refused.json()["fields"]) == {field}
        assert why in refused.json()["fields"][field]
    assert _count(client, day) == before
    physician = w.actor(Role.PHYSICIAN).staff_id
    done = _api(client, day, step, {**form, field: physician})
    assert done.status_code == 200, done.text
    added = done.json()["records"][-1]["payload"]
    assert (added[field], added[f"{field}_id"], added[f"{field}_role"]) == (
        "Test Physician",
        physician,
        "physician",
    )


def test_the_page_offers_people_by_name_and_the_record_shows_names(
    client: TestClient, day: Day
) -> None:
    csrf = web_login(client, day.world, Role.NURSE)
    page = client.get(f"/sessions/{day.session_id}").text
    nurse_id = day.world.actor(Role.NURSE).staff_id
    for step, (field, _) in STEPS.items():
        form = page.split(f'id="step-{step}"', 1)[1].split("</form>", 1)[0]
        assert f'<input id="{step}-{field}"' not in form  # no free text
        chooser = form.split(f'name="{field}"', 1)[1].split("</select>", 1)[0]
        assert re.findall(r">([^<>]+)</option>", chooser) == [
            "— choose —",
            "Test App (nurse practitioner / PA)",
            "Test Nurse (nurse)",
            "Test Physician (physician)",
        ]
        assert f'<option value="{nurse_id}" selected>' in chooser
    coach = str(day.world.actor(Role.COACH).staff_id)
    refused = client.post(
        f"/sessions/{day.session_id}/steps/iv",
        data={**IV, "placed_by": coach, "csrf_token": csrf},
    )
    assert refused.status_code == 422
    assert 'id="iv-placed_by-error"' in refused.text
    assert "not an active nurse or prescriber (physician or APP) of this clinic" in refused.text
    for step, (field, form) in STEPS.items():
        done = client.post(
            f"/sessions/{day.session_id}/steps/{step}",
            data={**form, field: str(nurse_id), "csrf_token": csrf},
            follow_redirects=True,
        )
        assert done.status_code == 200, done.text
    record = done.text.split('id="session-record"', 1)[1]
    assert "Given by: Test Nurse" in record and "Placed by: Test Nurse" in record
    assert not re.search(r"(given by|placed by) (id|number)", record, re.I)
    assert f"placed by id {nurse_id}" not in record.lower()


@pytest.mark.parametrize("role", [Role.PHYSICIAN, Role.APP])
def test_a_signed_in_prescriber_is_chosen_as_who_gives_and_places_and_may_change_it(
    client: TestClient, day: Day, role: Role
) -> None:
    """A physician or APP at the bedside is licensed to give and to place a line: the forms
    start on them, and the list still offers everyone else who may."""
    web_login(client, day.world, role)
    page = client.get(f"/sessions/{day.session_id}").text
    me = day.world.actor(role).staff_id
    for step, (field, _) in STEPS.items():
        form = page.split(f'id="step-{step}"', 1)[1].split("</form>", 1)[0]
        chooser = form.split(f'name="{field}"', 1)[1].split("</select>", 1)[0]
        assert f'<option value="{me}" selected>' in chooser, (step, chooser)
        assert chooser.count(" selected>") == 1 and len(re.findall("<option ", chooser)) == 4
