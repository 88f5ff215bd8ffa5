"""Infusion day over HTTP: the JSON API refuses bad fields with 422 naming each one and nothing
stored, guards with every reason; the web form shows inline field errors; the session exports as
a FHIR R4 Bundle that validates with fhir.resources.R4B (Encounter, MedicationAdministration with
rate and lot, LOINC vital signs, AdverseEvent); the chart panel summarises the session."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.observation import Observation

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.discharge import AldreteScore
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading
from ketaclinic.services.infusion.monitor_messages import VitalsBatch
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.infusion_world import start_fields
from tests.integration.test_session_workflow import CHECK_IN, Day, _ready, make_day

_R4B = {
    "Encounter": Encounter,
    "MedicationAdministration": MedicationAdministration,
    "Observation": Observation,
    "AdverseEvent": AdverseEvent,
}


@pytest.fixture
def day(world: World) -> Day:
    return make_day(world)


def test_api_steps_refuse_bad_fields_then_check_in(client: TestClient, day: Day) -> None:
    auth = bearer(client, day.world, Role.NURSE)
    url = f"/api/v1/sessions/{day.session_id}/steps/check-in"
    bad = client.post(url, headers=auth, json={**CHECK_IN, "escort_phone": "", "pregnancy_test": 3})
    assert bad.status_code == 422
    assert {"escort_phone", "pregnancy_test"} <= set(bad.json()["fields"])
    record = client.get(f"/api/v1/sessions/{day.session_id}/record", headers=auth).json()
    assert record["records"] == [] and record["session"]["state"] == "scheduled"
    refused = client.post(url, headers=auth, json={**CHECK_IN, "fasting_confirmed": False})
    assert refused.status_code in (409, 422) and "fasting_confirmed" in refused.text
    done = client.post(url, headers=auth, json=CHECK_IN)
    assert done.status_code == 200, done.text
    assert done.json()["session"]["state"] == "checked_in"
    assert (
        client.post(url.replace("check-in", "nonsense"), headers=auth, json={}).status_code == 404
    )
    desk = bearer(client, day.world, Role.FRONT_DESK)
    assert client.post(url, headers=desk, json=CHECK_IN).status_code == 403


def test_web_form_shows_inline_field_errors(client: TestClient, day: Day) -> None:
    csrf = web_login(client, day.world, Role.NURSE)
    page = client.post(
        f"/sessions/{day.session_id}/steps/check-in",
        data={"csrf_token": csrf, "escort_name": "Sam Demo-Escort"},
    )
    assert page.status_code == 422
    assert 'id="check-in-escort_phone-error"' in page.text
    assert client.get(f"/sessions/{day.session_id}").status_code == 200


def test_fhir_export_validates_as_r4b(client: TestClient, day: Day) -> None:
    w, nurse = day.world, day.world.actor(Role.NURSE)
    _ready(day)
    day.flow.start(
        nurse,
        day.session_id,
        start_fields(w, lot="KET-DEMO-42"),
    )
    reading = VitalReading(
        Parameter.SBP, Decimal(126), "mm[Hg]", w.clock.now(), ReadingSource.STAFF
    )
    w.services.monitoring.ingest(nurse, VitalsBatch((reading,), session_id=day.session_id))
    day.flow.adverse_event(
        nurse,
        day.session_id,
        {
            "kind": "nausea",
            "severity": "mild",
            "intervention": "ondansetron",
            "outcome": "resolved",
        },
    )
    w.clock.advance(minutes=40)
    day.flow.end_dosing(nurse, day.session_id)
    day.flow.aldrete(nurse, day.session_id, AldreteScore(2, 2, 2, 2, 1))
    bundle = client.get(
        f"/api/v1/sessions/{day.session_id}/fhir", headers=bearer(client, w, Role.NURSE)
    ).json()
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[0] == "Encounter" and kinds.count("MedicationAdministration") == 2
    assert "AdverseEvent" in kinds and "Observation" in kinds
    for entry in bundle["entry"]:
        resource = entry["resource"]
        _R4B[resource["resourceType"]].model_validate(resource)
    given = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "MedicationAdministration"
    ]
    ketamine = next(g for g in given if g["contained"][0]["batch"]["lotNumber"] == "KET-DEMO-42")
    assert ketamine["dosage"]["rateQuantity"]["unit"] == "mL/h"
    sbp = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    )
    assert sbp["code"]["coding"][0] == {"system": "http://loinc.org", "code": "8480-6"}
    web_login(client, w, Role.NURSE)
    panel = client.get(f"/patients/{day.setup.patient_id}/panels/sessions")
    assert panel.status_code == 200 and "KET-DEMO-42" in panel.text and "recovery" in panel.text
