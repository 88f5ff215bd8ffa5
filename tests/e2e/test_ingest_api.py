"""Vitals through the API: JSON readings and FHIR R4 Observations into the one pipeline; bad
input is a 422 naming the field, no running session a 409; alarm acknowledgement over the API."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from tests.conftest import World
from tests.e2e.conftest import bearer
from tests.infusion_world import device_readings, running_sessions

pytestmark = pytest.mark.both_backends  # the outcome depends on the backend


def bp_panel(at: str, sbp: int, dbp: int, device: str) -> dict[str, Any]:
    def component(code: str, value: int) -> dict[str, Any]:
        return {
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "valueQuantity": {
                "value": value,
                "unit": "mmHg",
                "system": "http://unitsofmeasure.org",
                "code": "mm[Hg]",
            },
        }

    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "effectiveDateTime": at,
        "device": {"identifier": {"value": device}},
        "component": [component("8480-6", sbp), component("8462-4", dbp)],
    }


def test_json_and_fhir_vitals_are_stored_and_evaluated(client: TestClient, world: World) -> None:
    [monitor] = running_sessions(world)
    auth = bearer(client, world, Role.NURSE)
    now = world.clock.now().isoformat()
    hr = {"parameter": "hr", "value": "72", "unit": "/min", "at": now}
    body = {"session_id": monitor.session.id, "readings": [hr]}
    response = client.post("/api/v1/vitals", json=body, headers=auth)
    assert response.status_code == 201, response.text
    assert response.json()["stored"] == 1
    response = client.post(
        "/api/v1/fhir/Observation", json=bp_panel(now, 212, 90, monitor.device_id), headers=auth
    )
    assert response.status_code == 201, response.text
    [alarm] = response.json()["alarms_raised"]
    assert alarm["rule_id"] == "bp-systolic-severe" and alarm["action"] == "pause"
    ack = client.post(
        f"/api/v1/alarms/{alarm['id']}/acknowledge",
        json={"action": "pause", "note": "paused the pump", "resolution": "recheck"},
        headers=auth,
    )
    assert ack.status_code == 200, ack.text
    assert ack.json()["ack_action"] == "pause"
    nurse = world.actor(Role.NURSE)
    assert world.services.sessions.get(nurse, monitor.session.id).state is SessionState.PAUSED


def test_bad_vitals_are_refused_naming_the_field(client: TestClient, world: World) -> None:
    [monitor] = running_sessions(world)
    auth = bearer(client, world, Role.NURSE)
    now = world.clock.now().isoformat()

    def post(body: dict[str, Any]) -> Any:
        return client.post("/api/v1/vitals", json=body, headers=auth)

    reading = {"parameter": "sbp", "value": "120", "unit": "mm[Hg]", "at": now}
    bad_unit = post({"session_id": monitor.session.id, "readings": [{**reading, "unit": "psi"}]})
    assert bad_unit.status_code == 422 and bad_unit.json()["field"] == "readings.0.unit"
    naive = post(
        {"session_id": monitor.session.id, "readings": [{**reading, "at": "2026-03-02T14:00:00"}]}
    )
    assert naive.status_code == 422 and "readings.0.at" in naive.json()["fields"]
    nan = post({"session_id": monitor.session.id, "readings": [{**reading, "value": "NaN"}]})
    assert nan.status_code == 422
    unknown = post({"session_id": 424242, "readings": [reading]})
    assert unknown.status_code == 409 and unknown.json()["field"] == "session_id"
    fhir = client.post("/api/v1/fhir/Observation", json={"resourceType": "Patient"}, headers=auth)
    assert fhir.status_code == 422 and fhir.json()["field"] == "resourceType"
    no_loinc = bp_panel(now, 120, 80, monitor.device_id)
    no_loinc["component"][0]["code"]["coding"][0]["system"] = "urn:other"
    response = client.post("/api/v1/fhir/Observation", json=no_loinc, headers=auth)
    assert response.status_code == 422 and response.json()["field"] == "component[0].code"
    assert device_readings(world, world.actor(Role.NURSE), monitor.session.id) == []
