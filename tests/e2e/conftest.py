"""HTTP through the real app (TestClient) on the `world` clinic, signed in per role.

The end-to-end tests run each edge once, on PostgreSQL when ``KETACLINIC_TEST_DATABASE_URL`` is
set (as in CI) and on SQLite otherwise: the storage contract itself runs on both backends in
``tests/integration``, and the browser tier serves SQLite as ``make run`` does. A test whose
outcome depends on the backend (two requests racing, ingest, the MLLP listener, a killed
process) is marked ``both_backends`` and runs on both. The report header says which ran.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.entrypoints.app import create_app
from tests.conftest import PASSWORD, PG_URL_ENV, World

_HERE = Path(__file__).parent


def _backend() -> str:
    return "postgres" if os.environ.get(PG_URL_ENV) else "sqlite"


def pytest_report_header() -> str:
    return (
        f"end-to-end tier: HTTP edges on {_backend()}; tests marked both_backends on SQLite "
        "and PostgreSQL"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep one backend's variant of each end-to-end test (see the module), both for the tests
    marked ``both_backends``; the others are deselected, and pytest counts them as such."""
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        backend = params.get("migrated_engine")
        in_tier = _HERE in Path(str(item.path)).parents
        if (
            in_tier
            and backend is not None
            and backend != _backend()
            and item.get_closest_marker("both_backends") is None
        ):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


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
