"""Walk every route of the app and check who may use it against the role table.

A new route must either carry a guard (``ApiActor``/``WebUser`` with a permission) or be listed
here as public; the walk then proves, for every role, that the guard lets exactly the roles of
``PERMISSIONS`` through. A second walk proves one clinic cannot read another's patients.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role, is_allowed
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from ketaclinic.entrypoints.app import create_app
from ketaclinic.entrypoints.guards import ApiActor, WebUser
from tests.conftest import World, make_world
from tests.e2e.conftest import bearer, web_login

PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/"),
    ("GET", "/signin"),
    ("POST", "/signin"),
    ("POST", "/signout"),
    ("POST", "/api/v1/auth/token"),
    ("GET", "/favicon.ico"),  # the site icon (a redirect to a static file)
}
PUBLIC_PREFIXES = ("/link/",)  # patient self-report links authenticate with the link token


def guard_of(route: APIRoute) -> ApiActor | WebUser | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, ApiActor | WebUser):
            return dep.call
        stack.extend(dep.dependencies)
    return None


def _flatten(items: Sequence[object], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every APIRoute with its full path, including routers included into the app."""
    for item in items:
        if isinstance(item, APIRoute):
            yield prefix + item.path, item
        original = getattr(item, "original_router", None)
        if original is not None:
            context = getattr(item, "include_context", None)
            yield from _flatten(original.routes, prefix + getattr(context, "prefix", ""))


def routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    """Routes to walk; sign-out-like routes (which end the credential) come last."""
    ordered = sorted(_flatten(app.routes), key=lambda pr: pr[0].endswith(("/revoke", "/signout")))
    for path, route in ordered:
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            yield method, path, route


def fill(path: str, ids: dict[str, int]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)


def test_every_route_is_guarded_or_declared_public(world: World) -> None:
    app = create_app(services=world.services)
    unguarded = [
        (m, p)
        for m, p, r in routes(app)
        if guard_of(r) is None
        and (m, p) not in PUBLIC
        and not p.startswith(PUBLIC_PREFIXES)
        and not p.startswith("/api/docs")
        and p != "/api/openapi.json"
    ]
    assert unguarded == []


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_reaches_exactly_what_the_table_allows(world: World, role: Role) -> None:
    patient = world.services.patients.register(
        world.actor(Role.FRONT_DESK),
        PatientDetails("Devon", "Demo-Dogwood", date(1988, 8, 8), SexAtBirth.MALE),
    )
    ids = {"patient_id": patient.id}
    app = create_app(services=world.services)
    with TestClient(app) as client:
        api_auth = bearer(client, world, role)
        csrf = web_login(client, world, role)
        checked = 0
        for method, path, route in routes(app):
            guard = guard_of(route)
            if guard is None:
                continue
            url = fill(path, ids)
            if isinstance(guard, ApiActor):
                response = client.request(method, url, headers=api_auth, json={})
            else:
                data = {"csrf_token": csrf} if method != "GET" else None
                response = client.request(method, url, data=data, follow_redirects=False)
            permitted = guard.permission is None or is_allowed(role, guard.permission)
            assert response.status_code != 401, (method, path)
            if permitted:
                assert response.status_code != 403, (method, path, response.text[:300])
            else:
                assert response.status_code == 403, (method, path, response.status_code)
            checked += 1
        assert checked >= 10


@pytest.mark.parametrize("role", [Role.PHYSICIAN, Role.ADMIN, Role.AUDITOR], ids=lambda r: r.value)
def test_a_user_of_one_clinic_cannot_read_another_clinics_patients_through_any_route(
    world: World, tmp_path_factory: pytest.TempPathFactory, role: Role
) -> None:
    other = make_world(world.services.engine, tmp_path_factory.mktemp("b"), slug="otherclinic")
    secret = other.services.patients.register(
        other.actor(Role.FRONT_DESK),
        PatientDetails("Secretia", "Demo-Otherclinic", date(1970, 1, 1), SexAtBirth.FEMALE),
    )
    app = create_app(services=world.services)
    with TestClient(app) as client:
        api_auth = bearer(client, world, role)
        web_login(client, world, role)
        for method, path, route in routes(app):
            if method != "GET" or guard_of(route) is None:
                continue
            url = fill(path, {"patient_id": secret.id})
            sep = "&" if "?" in url else "?"
            for probe in (url, f"{url}{sep}q=Secretia&patient_id={secret.id}"):
                headers = api_auth if isinstance(guard_of(route), ApiActor) else {}
                response = client.get(probe, headers=headers)
                assert "Otherclinic" not in response.text, probe  # echoing the query is fine
                assert response.status_code in {200, 403, 404, 422}, (probe, response.status_code)
