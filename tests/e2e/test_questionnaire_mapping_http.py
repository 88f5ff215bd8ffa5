"""A clinic registers a peer's GAD-7 over HTTP, and its responses are then scored and stored.

The peer Questionnaire (synthetic fixture) uses UUID linkIds and local answer codes; before the
mapping the FHIR import is refused naming the item, after it the response is stored with its
total. Registering is a physician's act: a nurse trying it is refused.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from tests.conftest import World
from tests.e2e.conftest import bearer

SYNTHETIC = Path(__file__).resolve().parents[1] / "data" / "fhir"  # synthetic, not public


def load(name: str) -> Any:
    return json.loads((SYNTHETIC / name).read_text(encoding="utf-8"))


def peer_response(patient_id: int) -> dict[str, Any]:
    response = load("peer-anxiety-response.json")
    response["subject"] = {"reference": f"Patient/{patient_id}"}
    response["contained"] = [load("peer-anxiety-questionnaire.json")]
    return response


def test_a_nurse_cannot_register_a_questionnaire_mapping(client: TestClient, world: World) -> None:
    nurse = bearer(client, world, Role.NURSE)
    refused = client.post(
        "/api/v1/questionnaire-mappings", headers=nurse, json=load("peer-anxiety-mapping.json")
    )
    assert refused.status_code == 403 and refused.json()["error"] == "PermissionDenied"


def test_a_peer_gad7_is_refused_until_mapped_then_scored(client: TestClient, world: World) -> None:
    patient = world.services.patients.register(
        world.actor(Role.FRONT_DESK),
        PatientDetails("Quill", "Demo-Quince", date(1990, 4, 4), SexAtBirth.FEMALE),
    ).id
    nurse = bearer(client, world, Role.NURSE)
    before = client.post(
        "/api/v1/fhir/QuestionnaireResponse", json=peer_response(patient), headers=nurse
    )
    assert before.status_code == 422, before.text
    assert before.json()["resourceType"] == "OperationOutcome"

    physician = bearer(client, world, Role.PHYSICIAN)
    bad = client.post(
        "/api/v1/questionnaire-mappings",
        headers=physician,
        json=load("peer-anxiety-mapping.json") | {"items": {"x": "1"}},
    )
    assert bad.status_code == 422 and "items" in bad.json()["fields"]
    made = client.post(
        "/api/v1/questionnaire-mappings", headers=physician, json=load("peer-anxiety-mapping.json")
    )
    assert made.status_code == 201, made.text
    again = client.post(
        "/api/v1/questionnaire-mappings", headers=physician, json=load("peer-anxiety-mapping.json")
    )
    assert again.status_code == 409 and again.json()["field"] == "url"
    listed = client.get("/api/v1/questionnaire-mappings", headers=nurse).json()
    assert [m["instrument_id"] for m in listed] == ["gad7"]

    after = client.post(
        "/api/v1/fhir/QuestionnaireResponse", json=peer_response(patient), headers=nurse
    )
    assert after.status_code == 201, after.text
    [stored] = world.services.assessments.responses(world.actor(Role.NURSE), patient, "gad7")
    assert stored.total == 10 and stored.complete
