"""The session's FHIR R4 Bundle over HTTP after dosing ends: the ketamine MedicationAdministration
gives the amount actually given (an early end gives less than the order), points at its order
for the ordered dose, and after an early end is ``stopped`` with the staff's reason; every adverse
event recorded on the session (during dosing and in recovery) is an AdverseEvent. Each resource
validates with fhir.resources.R4B."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.observation import Observation

from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import bearer
from tests.e2e.test_early_stop_http import _infusing_for
from tests.integration.test_session_workflow import Day, make_day

_R4B = {
    "Encounter": Encounter,
    "MedicationAdministration": MedicationAdministration,
    "Observation": Observation,
    "AdverseEvent": AdverseEvent,
}
NAUSEA = {
    "kind": "nausea",
    "severity": "mild",
    "intervention": "ondansetron",
    "outcome": "resolved",
}
DIZZY = {"kind": "dizziness", "severity": "moderate", "intervention": "rest", "outcome": "resolved"}


@pytest.fixture
def day(world: World) -> Day:
    return make_day(world)


def _bundle(client: TestClient, day: Day) -> list[dict[str, Any]]:
    got = client.get(
        f"/api/v1/sessions/{day.session_id}/fhir", headers=bearer(client, day.world, Role.NURSE)
    )
    assert got.status_code == 200, got.text
    resources = [e["resource"] for e in got.json()["entry"]]
    for resource in resources:
        _R4B[resource["resourceType"]].model_validate(resource)
    return resources


def _ketamine(resources: list[dict[str, Any]]) -> dict[str, Any]:
    [found] = [
        r
        for r in resources
        if r["resourceType"] == "MedicationAdministration"
        and r["contained"][0]["code"]["text"] == "ketamine"
    ]
    return found


def test_an_early_end_exports_the_amount_given_stopped_with_its_reason(
    client: TestClient, day: Day
) -> None:
    nurse = day.world.actor(Role.NURSE)
    _infusing_for(day, 2)
    day.flow.adverse_event(nurse, day.session_id, NAUSEA)
    day.world.clock.advance(minutes=2)
    url = f"/api/v1/sessions/{day.session_id}/steps/end"
    done = client.post(
        url, headers=bearer(client, day.world, Role.NURSE), json={"reason": "patient asked to stop"}
    )
    assert done.status_code == 200, done.text
    day.world.clock.advance(minutes=5)
    day.flow.adverse_event(nurse, day.session_id, DIZZY)  # in recovery
    resources = _bundle(client, day)
    ketamine = _ketamine(resources)
    assert ketamine["dosage"]["dose"] == {
        "value": 3.5,
        "unit": "mg",
        "system": "http://unitsofmeasure.org",
        "code": "mg",
    }  # 4 of 40 planned minutes of a 35 mg order
    assert ketamine["status"] == "stopped"
    assert ketamine["statusReason"] == [{"text": "patient asked to stop"}]
    [note] = ketamine["note"]
    assert note["text"] == (
        "Dosing ended early: 3.5 mg given of 35 mg ordered. Reason: patient asked to stop"
    )
    assert ketamine["request"] == {"reference": f"MedicationRequest/dose-order-{day.order_id}"}
    premeds = [
        r
        for r in resources
        if r["resourceType"] == "MedicationAdministration" and r is not ketamine
    ]
    assert premeds and all(
        r["status"] == "completed" and "request" not in r and "statusReason" not in r
        for r in premeds
    )
    events = [r for r in resources if r["resourceType"] == "AdverseEvent"]
    assert [e["event"]["text"] for e in events] == ["nausea", "dizziness"]
    assert [e["severity"]["coding"][0]["code"] for e in events] == ["mild", "moderate"]
    assert all(e["encounter"]["reference"] == f"Encounter/session-{day.session_id}" for e in events)
    assert events[1]["outcome"]["text"] == "resolved (intervention: rest)"


def test_a_stopped_session_exports_the_reason_it_was_stopped(client: TestClient, day: Day) -> None:
    nurse = day.world.actor(Role.NURSE)
    _infusing_for(day, 8)
    day.flow.stop(nurse, day.session_id, "chest tightness")
    day.world.clock.advance(minutes=3)
    day.flow.end_dosing(nurse, day.session_id, "recovery after stop")
    ketamine = _ketamine(_bundle(client, day))
    assert ketamine["dosage"]["dose"]["value"] == 7  # 8 pump minutes of 40: 7 of 35 mg
    assert ketamine["status"] == "stopped"
    assert ketamine["statusReason"] == [{"text": "chest tightness"}]
    assert "7 mg given of 35 mg ordered" in ketamine["note"][0]["text"]


def test_dosing_to_the_planned_end_exports_the_full_dose_completed(
    client: TestClient, day: Day
) -> None:
    _infusing_for(day, 40)
    running = _ketamine(_bundle(client, day))
    assert running["status"] == "in-progress" and running["dosage"]["dose"]["value"] == 35
    day.flow.end_dosing(day.world.actor(Role.NURSE), day.session_id)
    ketamine = _ketamine(_bundle(client, day))
    assert ketamine["status"] == "completed" and ketamine["dosage"]["dose"]["value"] == 35
    assert "statusReason" not in ketamine and "note" not in ketamine
    assert ketamine["request"] == {"reference": f"MedicationRequest/dose-order-{day.order_id}"}
