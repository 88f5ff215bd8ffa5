"""Security headers on every kind of response; framing refused; no third-party script on the API
reference; the API description needs a signed-in person in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from ketaclinic.domain.identity.access import Role
from ketaclinic.entrypoints.app import create_app
from ketaclinic.settings import Environment, Settings
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login


def _assert_security_headers(response: object, *, cacheable: bool = False) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] in {"no-referrer", "same-origin"}
    if cacheable:
        assert "no-store" not in headers["cache-control"]
    else:
        assert headers["cache-control"] == "no-store"


def _patient(client: TestClient, world: World) -> int:
    headers = bearer(client, world, Role.FRONT_DESK)
    created = client.post(
        "/api/v1/patients",
        headers=headers,
        json={
            "given_name": "Testpatient",
            "family_name": "Headers",
            "date_of_birth": "1980-01-02",
            "sex_at_birth": "female",
        },
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def test_headers_on_page_fragment_api_fhir_and_static(client: TestClient, world: World) -> None:
    patient_id = _patient(client, world)
    token = bearer(client, world, Role.PHYSICIAN)
    web_login(client, world, Role.PHYSICIAN)
    _assert_security_headers(client.get("/signin"))
    page = client.get(f"/patients/{patient_id}")
    assert page.status_code == 200
    _assert_security_headers(page)
    fragment = client.get(f"/patients/{patient_id}/panels/safety", headers={"hx-request": "true"})
    assert fragment.status_code == 200, fragment.text
    _assert_security_headers(fragment)
    api = client.get(f"/api/v1/patients/{patient_id}", headers=token)
    assert api.status_code == 200
    _assert_security_headers(api)
    fhir = client.get("/api/v1/fhir/Questionnaire/phq9", headers=token)
    _assert_security_headers(fhir)
    error = client.get("/api/v1/patients/999999", headers=token)
    assert error.status_code == 404
    _assert_security_headers(error)
    asset = client.get("/static/app.js")
    assert asset.status_code == 200
    _assert_security_headers(asset, cacheable=True)


def test_hsts_only_when_cookies_are_secure(client: TestClient, world: World) -> None:
    assert "strict-transport-security" not in client.get("/signin").headers
    world.services.settings = world.services.settings.model_copy(update={"cookie_secure": True})
    with TestClient(create_app(services=world.services), base_url="https://testserver") as secure:
        assert "max-age=" in secure.get("/signin").headers["strict-transport-security"]


def test_no_page_can_be_framed(client: TestClient, world: World) -> None:
    response = client.get("/signin")
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_no_inline_script_or_handler_in_signed_in_pages(client: TestClient, world: World) -> None:
    patient_id = _patient(client, world)
    web_login(client, world, Role.PHYSICIAN)
    for path in ("/signin", "/patients", f"/patients/{patient_id}"):
        html = client.get(path).text
        for chunk in html.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), f"inline script on {path}"
        assert " onclick=" not in html and " onload=" not in html and " style=" not in html


def test_api_reference_loads_nothing_from_another_site(client: TestClient, world: World) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "/api/v1/patients" in page.text
    assert "<script" not in page.text
    assert "http://" not in page.text.replace("http://testserver", "")
    assert "https://" not in page.text
    _assert_security_headers(page)


def _production(world: World, tmp_path: Path) -> Settings:
    return Settings(
        environment=Environment.PRODUCTION,
        var_dir=tmp_path,
        database_url=world.services.settings.effective_database_url,
        secret_key=SecretStr("p" * 40),
        audit_key=SecretStr("a" * 40),
    )


def test_api_description_requires_sign_in_in_production(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    world.services.settings = _production(world, tmp_path)
    with TestClient(create_app(services=world.services), base_url="https://testserver") as prod:
        for path in ("/api/openapi.json", "/api/docs"):
            refused = prod.get(path)
            assert refused.status_code == 401, path
            assert refused.json()["error"] == "NotAuthenticated"
        headers = bearer(prod, world, Role.FRONT_DESK)
        assert prod.get("/api/openapi.json", headers=headers).json()["openapi"].startswith("3.")
        assert prod.get("/api/docs", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("environment", "expected"),
    [(Environment.PRODUCTION, True), (Environment.DEVELOPMENT, False), (Environment.TEST, False)],
)
def test_cookie_secure_default_follows_environment(
    environment: Environment, expected: bool, tmp_path: Path
) -> None:
    settings = Settings(
        environment=environment,
        var_dir=tmp_path,
        database_url="sqlite:///x.db",
        secret_key=SecretStr("s" * 40),
        audit_key=SecretStr("a" * 40),
    )
    assert settings.cookie_secure is expected
    explicit = Settings(
        environment=environment,
        var_dir=tmp_path,
        database_url="sqlite:///x.db",
        secret_key=SecretStr("s" * 40),
        audit_key=SecretStr("a" * 40),
        cookie_secure=not expected,
    )
    assert explicit.cookie_secure is (not expected)


def test_no_template_carries_what_the_policy_blocks() -> None:
    """Inline scripts, inline handlers, inline styles and javascript: URLs would all be blocked
    by the CSP; none may appear in any template."""
    import re
    from importlib import resources

    root = resources.files("ketaclinic.entrypoints.web") / "templates"
    blocked = re.compile(
        r"<script(?![^>]*\bsrc=)|<style|\son[a-z]+\s*=|\sstyle\s*=|javascript:|hx-on", re.I
    )
    offenders = []
    for path in Path(str(root)).rglob("*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if blocked.search(line):
                offenders.append(f"{path.name}:{number}: {line.strip()[:80]}")
    assert not offenders, offenders
