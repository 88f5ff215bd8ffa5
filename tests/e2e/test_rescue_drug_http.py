"""A rescue (as-needed) drug needs a prescriber's authority, tried over the JSON API and the
session page by the nurse who would try it: one neither the protocol's standing rescue list nor
the signed order covers is refused naming ``rescue.order`` and nothing is recorded; one the order
covers is recorded; a physician signed in records one under their own authority. A drug given
for any purpose but premedication or rescue is refused naming ``purpose``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.services.infusion.ports import RecordKind
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.infusion_world import start_fields
from tests.integration.test_session_workflow import Day, _ready, make_day

MIDAZOLAM = {"drug": "midazolam", "dose_mg": "1", "route": "IV", "lot": "LOT-FAKE-9"}
RESCUE = {**MIDAZOLAM, "purpose": "rescue"}


@pytest.fixture
def day(world: World) -> Day:
    made = make_day(world)
    _ready(made)
    made.flow.start(world.actor(Role.NURSE), made.session_id, start_fields(world))
    return made


def _api(client: TestClient, day: Day, role: Role, body: Any) -> Any:
    url = f"/api/v1/sessions/{day.session_id}/steps/give"
    return client.post(url, headers=bearer(client, day.world, role), json=body)


def _given(day: Day) -> list[str]:
    view = day.flow.day(day.world.actor(Role.NURSE), day.session_id)
    kinds = [r for r in view.records if r.kind is RecordKind.ADMINISTRATION]
    return [f"{r.payload['drug']}:{r.payload['purpose']}" for r in kinds]


def test_a_nurse_recording_an_unlisted_rescue_drug_is_refused_by_api_and_page(
    client: TestClient, day: Day
) -> None:
    before = _given(day)
    refused = _api(client, day, Role.NURSE, RESCUE)
    assert refused.status_code == 422, refused.text
    assert refused.json()["fields"]["drug"].startswith(
        "rescue.order: midazolam is not a standing rescue drug of the protocol nor on the "
        "signed order (they list ondansetron)"
    )
    csrf = web_login(client, day.world, Role.NURSE)
    form = client.get(f"/sessions/{day.session_id}").text.split('id="step-give"', 1)[1]
    form = form.split("</section>", 1)[0]
    assert "Rescue drug given" in form and 'name="purpose" value="rescue"' in form
    covered = form.split('data-field="rescue-covered">', 1)[1].split("</p>", 1)[0]
    assert covered.startswith("Without a new order: ondansetron.")
    page = client.post(
        f"/sessions/{day.session_id}/steps/give", data={**RESCUE, "csrf_token": csrf}
    )
    assert page.status_code == 422
    refusal = page.text.split('id="give-drug-error">', 1)[1].split("</p>", 1)[0]
    assert "rescue.order" in refusal and "midazolam is not a standing rescue drug" in refusal
    assert _given(day) == before


def test_a_rescue_drug_the_order_covers_is_recorded_and_a_physician_may_order_one(
    client: TestClient, day: Day
) -> None:
    before = _given(day)
    ondansetron = {**RESCUE, "drug": "ondansetron", "dose_mg": "4"}
    assert _api(client, day, Role.NURSE, ondansetron).status_code == 200
    by_physician = _api(client, day, Role.PHYSICIAN, RESCUE)
    assert by_physician.status_code == 200, by_physician.text
    assert _given(day) == [*before, "ondansetron:rescue", "midazolam:rescue"]


def test_any_other_purpose_is_refused_naming_the_purpose(client: TestClient, day: Day) -> None:
    before = _given(day)
    for purpose in ("nausea", "prn", "comfort"):
        refused = _api(client, day, Role.NURSE, {**MIDAZOLAM, "purpose": purpose})
        assert refused.status_code == 422, refused.text
        assert refused.json()["fields"]["purpose"] == "one of: premedication, rescue"
    assert _given(day) == before


def test_the_rescue_form_while_dosing_offers_who_gives_it_and_records_from_the_page(
    client: TestClient, day: Day
) -> None:
    """While dosing the form's "Given by" lists the clinic's nurses, physicians and APPs with
    the signed-in nurse chosen, so a covered rescue drug is recorded from the page alone."""
    csrf = web_login(client, day.world, Role.NURSE)
    form = client.get(f"/sessions/{day.session_id}").text.split("Rescue drug given", 1)[1]
    form = form.split("</section>", 1)[0]
    select = form.split('name="given_by"', 1)[1].split("</select>", 1)[0]
    nurse_id = day.world.actor(Role.NURSE).staff_id
    assert f'value="{nurse_id}" selected' in select, select
    before = _given(day)
    ondansetron = {**RESCUE, "drug": "ondansetron", "dose_mg": "4", "given_by": str(nurse_id)}
    page = client.post(
        f"/sessions/{day.session_id}/steps/give",
        data={**ondansetron, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text
    assert _given(day) == [*before, "ondansetron:rescue"]
