"""Out-of-range integers and database conflicts never become a 500, on SQLite and PostgreSQL.

Row ids are int4 on PostgreSQL (``2**31`` and up cannot exist) and SQLite refuses integers past
``2**63``; either used to escape as a server error. Every such input is now refused with 404/422
naming the field, and a constraint lost to a concurrent change is a 409.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from ketaclinic.domain.identity.access import Role
from ketaclinic.entrypoints.input_limits import INT4_MAX
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login

HUGE = [INT4_MAX + 1, 2**63, 2**64 + 7]


def _is_refusal(response: Any, *codes: int) -> dict[str, Any]:
    assert response.status_code in codes, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    assert set(body) >= {"error", "detail", "field"}
    return body


@pytest.mark.parametrize("value", HUGE)
def test_oversized_path_ids_are_refused_not_500(
    client: TestClient, world: World, value: int
) -> None:
    token = bearer(client, world, Role.PHYSICIAN)
    for path in (
        f"/api/v1/patients/{value}",
        f"/api/v1/patients/{value}/orders",
        f"/api/v1/fhir/QuestionnaireResponse/{value}",
    ):
        response = client.get(path, headers=token)
        assert response.status_code in (404, 422), (path, response.text)
    body = _is_refusal(client.get(f"/api/v1/patients/{value}", headers=token), 404, 422)
    assert body["field"] == "patient_id"


@pytest.mark.parametrize("value", HUGE)
def test_oversized_query_and_offset_are_refused(
    client: TestClient, world: World, value: int
) -> None:
    token = bearer(client, world, Role.FRONT_DESK)
    body = _is_refusal(client.get(f"/api/v1/patients?offset={value}", headers=token), 422)
    assert body["field"] == "offset"
    auditor = bearer(client, world, Role.AUDITOR)
    body = _is_refusal(client.get(f"/api/v1/audit?patient_id={value}", headers=auditor), 422)
    assert body["field"] == "patient_id"


@pytest.mark.parametrize("value", HUGE)
def test_oversized_body_ids_are_refused(client: TestClient, world: World, value: int) -> None:
    token = bearer(client, world, Role.PHYSICIAN)
    created = client.post(
        "/api/v1/patients",
        headers=bearer(client, world, Role.FRONT_DESK),
        json={
            "given_name": "Testpatient",
            "family_name": "Range",
            "date_of_birth": "1980-01-02",
            "sex_at_birth": "male",
        },
    )
    patient_id = created.json()["id"]
    response = client.post(
        f"/api/v1/patients/{patient_id}/courses",
        headers=token,
        json={"protocol_version_id": value},
    )
    body = _is_refusal(response, 422)
    assert body["field"] == "protocol_version_id"


def test_oversized_ids_on_web_pages_are_refused(client: TestClient, world: World) -> None:
    web_login(client, world, Role.PHYSICIAN)
    for value in HUGE:
        page = client.get(f"/patients/{value}")
        assert page.status_code in (404, 422), page.text
        assert "patient_id" in page.text


def test_token_endpoint_clinic_id_out_of_range(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/auth/token",
        json={"email": "x@example.test", "password": "whatever-long", "clinic_id": 2**63},
    )
    assert _is_refusal(response, 422)["field"] == "clinic_id"


def test_constraint_conflict_is_409_not_500(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A unique constraint lost to a concurrent request surfaces as 409 with a clear message."""

    def lose_the_race(*_args: object, **_kwargs: object) -> None:
        raise IntegrityError("INSERT ...", {}, Exception("duplicate key value"))

    monkeypatch.setattr(world.services.patients, "register", lose_the_race)
    response = client.post(
        "/api/v1/patients",
        headers=bearer(client, world, Role.FRONT_DESK),
        json={
            "given_name": "Testpatient",
            "family_name": "Race",
            "date_of_birth": "1980-01-02",
            "sex_at_birth": "female",
        },
    )
    body = _is_refusal(response, 409)
    assert body["error"] == "Conflict"
    assert "reload" in body["detail"]


def test_openapi_declares_the_error_model_every_refusal_and_fhir_types(
    client: TestClient, world: World
) -> None:
    document = client.get("/api/openapi.json").json()
    assert set(document["components"]["schemas"]["ErrorBody"]["required"]) == {"error", "detail"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    patient = document["paths"]["/api/v1/patients/{patient_id}"]["get"]["responses"]
    assert {"200", "401", "403", "404", "422"} <= set(patient)
    assert patient["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    create = document["paths"]["/api/v1/patients"]["post"]["responses"]
    assert "409" in create
    token = document["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert "Retry-After" in token["429"]["headers"]
    fhir = document["paths"]["/api/v1/fhir/Questionnaire/{instrument_id}"]["get"]["responses"]
    assert list(fhir["200"]["content"]) == ["application/fhir+json"]
    ids = document["paths"]["/api/v1/patients/{patient_id}"]["get"]["parameters"][0]["schema"]
    assert (ids["minimum"], ids["maximum"]) == (1, INT4_MAX)
