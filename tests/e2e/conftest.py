"""HTTP through the real app (TestClient) on the `world` clinic, signed in per role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.entrypoints.app import create_app
from tests.conftest import PASSWORD, World


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    app = create_app(services=world.services)
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def bearer(client: TestClient, world: World, role: Role) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token",
        json={"email": f"{role.value}@{world.clinic.slug}.test", "password": PASSWORD},
    )
    assert response.status_code == 200, response.text
    return {"authorization": f"Bearer {response.json()['access_token']}"}


def web_login(client: TestClient, world: World, role: Role) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    page = client.get("/signin")
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/signin",
        data={
            "email": f"{role.value}@{world.clinic.slug}.test",
            "password": PASSWORD,
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    home = client.get("/patients")
    return (
        home.text.split('data-csrf="', 1)[1].split('"', 1)[0] if 'data-csrf="' in home.text else ""
    )
