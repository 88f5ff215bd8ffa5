"""The patients API end to end: tokens, create/read/update/search, and hostile input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ketaclinic.adapters.db.tables import patients, related_persons
from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import bearer

GOOD: dict[str, Any] = {
    "given_name": "Cameron",
    "family_name": "Demo-Cedar",
    "date_of_birth": "2011-04-02",
    "sex_at_birth": "female",
    "guardians": [{"name": "Lee Demo-Cedar", "relationship": "parent", "legal_authority": True}],
}


def stored(world: World) -> tuple[int, int]:
    with world.services.engine.connect() as conn:
        n_patients = conn.execute(select(func.count()).select_from(patients)).scalar_one()
        n_related = conn.execute(select(func.count()).select_from(related_persons)).scalar_one()
    return int(n_patients), int(n_related)


def test_token_then_create_read_update_search(client: TestClient, world: World) -> None:
    auth = bearer(client, world, Role.FRONT_DESK)
    created = client.post("/api/v1/patients", json=GOOD, headers=auth)
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    record = client.get(f"/api/v1/patients/{pid}", headers=auth).json()
    assert record["related"][0]["legal_authority"] is True
    update = {**GOOD, "phone": "+1 555 0142", "version": record["version"]}
    update.pop("guardians")
    assert client.put(f"/api/v1/patients/{pid}", json=update, headers=auth).json()["version"] == 2
    found = client.get("/api/v1/patients", params={"q": "cedar"}, headers=auth).json()
    assert [p["id"] for p in found] == [pid]
    stale = client.put(f"/api/v1/patients/{pid}", json=update, headers=auth)
    assert stale.status_code == 409 and stale.json()["field"] == "version"


def test_pounds_and_inches_are_converted_at_the_edge(client: TestClient, world: World) -> None:
    auth = bearer(client, world, Role.FRONT_DESK)
    pid = client.post("/api/v1/patients", json=GOOD, headers=auth).json()["id"]
    body = {
        "measured_at": "2026-03-01T09:00:00Z",
        "weight": "154.32",
        "weight_unit": "lb",
        "height": "69",
        "height_unit": "in",
    }
    assert (
        client.post(f"/api/v1/patients/{pid}/measurements", json=body, headers=auth).status_code
        == 201
    )
    assert client.get(f"/api/v1/patients/{pid}", headers=auth).json()["bmi"] == "22.8"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"given_name": 42}, "given_name"),
        ({"given_name": "A" * 10_240}, "given_name"),
        ({"family_name": "x'); DROP TABLE patients;--"}, "family_name"),
        ({"given_name": "<script>alert(1)</script>"}, "given_name"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": "yesterday"}, "date_of_birth"),
        ({"sex_at_birth": "robot"}, "sex_at_birth"),
        ({"email": "<img src=x>@x.io"}, "email"),
        ({"unexpected": "field"}, "unexpected"),
        ({"guardians": [{"name": "<b>bold</b>", "relationship": "parent"}]}, "guardians[0].name"),
        (
            {"guardians": [{"name": "Lee", "relationship": "parent", "legal_authority": "yes"}]},
            "guardians.0.legal_authority",
        ),
    ],
)
def test_hostile_input_gets_a_field_error_and_stores_nothing(
    client: TestClient, world: World, change: dict[str, Any], field: str
) -> None:
    auth = bearer(client, world, Role.FRONT_DESK)
    before = stored(world)
    response = client.post("/api/v1/patients", json={**GOOD, **change}, headers=auth)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "ValidationFailed"
    assert field in body["fields"], body
    assert stored(world) == before


def test_malformed_json_is_a_4xx_not_a_500(client: TestClient, world: World) -> None:
    auth = {**bearer(client, world, Role.FRONT_DESK), "content-type": "application/json"}
    response = client.post("/api/v1/patients", content=b"{not json", headers=auth)
    assert response.status_code == 422
    assert client.get("/api/v1/patients/not-a-number", headers=auth).status_code == 422


def test_no_token_and_bad_token_are_refused(client: TestClient) -> None:
    assert client.get("/api/v1/patients").status_code == 401
    bad = client.get("/api/v1/patients", headers={"authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["error"] == "NotAuthenticated"


def test_wrong_password_is_refused_without_saying_why(client: TestClient, world: World) -> None:
    body = {"email": f"nurse@{world.clinic.slug}.test", "password": "wrong-password"}
    response = client.post("/api/v1/auth/token", json=body)
    unknown = client.post("/api/v1/auth/token", json={**body, "email": "ghost@nowhere.test"})
    assert response.status_code == unknown.status_code == 401
    assert response.json()["detail"] == unknown.json()["detail"]


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    assert client.get("/api/openapi.json").json()["paths"]["/api/v1/patients"]
