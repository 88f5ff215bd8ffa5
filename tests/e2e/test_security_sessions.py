"""Web sessions end 12 hours after sign-in however active they are; signing an order, a consent
or a discharge against unmet criteria needs the password again (web: typed on the form, or a
sign-in within the re-authentication window; API: a bearer token issued within that window)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from tests.conftest import PASSWORD, World
from tests.e2e.conftest import bearer, web_login
from tests.e2e.test_orders_api import ORDER
from tests.integration.test_orders_service import set_up_course

CONSENT = {
    "document_id": "adult-iv-ketamine",
    "document_version": "1",
    "document_hash": "0" * 64,
    "signer": "patient",
    "signer_name": "Testpatient Signer",
}


def _keep_alive_for(client: TestClient, world: World, span: timedelta) -> list[int]:
    """Use the session every 10 minutes (inside the idle time-out) for ``span``."""
    statuses = []
    steps = int(span / timedelta(minutes=10))
    for _ in range(steps):
        world.clock.advance(minutes=10)
        statuses.append(client.get("/patients", follow_redirects=False).status_code)
    return statuses


def test_a_session_ends_after_its_absolute_lifetime(client: TestClient, world: World) -> None:
    web_login(client, world, Role.NURSE)
    before = _keep_alive_for(client, world, timedelta(hours=11, minutes=50))
    assert set(before) == {200}  # active use inside the 12 hours keeps it open
    after = _keep_alive_for(client, world, timedelta(hours=1, minutes=10))
    assert 303 in after
    refused = client.get("/patients", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"].startswith("/signin")


def test_a_session_created_13_hours_ago_is_refused_by_the_service(world: World) -> None:
    identity = world.services.identity
    signed = identity.sign_in("nurse@testclinic.test", PASSWORD, client="127.0.0.1")
    for _ in range(13 * 6):
        world.clock.advance(minutes=10)
        try:
            identity.resume(signed.token)
        except Exception as exc:
            assert "12 hours" in str(exc)
            break
    else:
        raise AssertionError("a 13-hour-old session still resumed")


def test_api_signatures_need_a_freshly_issued_token(client: TestClient, world: World) -> None:
    setup = set_up_course(
        world.services, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    )
    app = bearer(client, world, Role.APP)
    world.clock.advance(minutes=world.services.settings.reauth_window_min + 1)
    paths = [
        (f"/api/v1/courses/{setup.course_id}/orders", ORDER),
        (f"/api/v1/courses/{setup.course_id}/consent/signatures", CONSENT),
        ("/api/v1/sessions/1/steps/discharge", {"override_reason": "escort waiting outside"}),
    ]
    for path, body in paths:
        stale = client.post(path, headers=app, json=body)
        assert stale.status_code == 401, (path, stale.text)
        assert "token issued in the last" in stale.json()["detail"], path
    fresh = client.post(paths[0][0], headers=bearer(client, world, Role.APP), json=ORDER)
    assert fresh.status_code == 201, fresh.text


def test_web_order_signing_needs_the_password_again(client: TestClient, world: World) -> None:
    setup = set_up_course(
        world.services, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    )
    csrf = web_login(client, world, Role.APP)
    world.clock.advance(minutes=world.services.settings.reauth_window_min + 1)
    form = {**ORDER, "csrf_token": csrf, "action": "sign", "sex": "female"}
    form.pop("premedications")
    form["premedications"] = "ondansetron"
    path = f"/courses/{setup.course_id}/orders"
    refused = client.post(path, data=form, follow_redirects=False)
    assert refused.status_code == 422, refused.text
    assert 'id="reauth_password-error"' in refused.text
    wrong = client.post(
        path, data={**form, "reauth_password": "not-my-password"}, follow_redirects=False
    )
    assert wrong.status_code == 422 and "password not recognised" in wrong.text
    assert not world.services.orders.for_patient(world.actor(Role.APP), setup.patient_id)
    signed = client.post(path, data={**form, "reauth_password": PASSWORD}, follow_redirects=False)
    assert signed.status_code == 303, signed.text
    assert world.services.orders.for_patient(world.actor(Role.APP), setup.patient_id)


def test_unsafe_web_requests_without_the_session_csrf_token_are_refused(
    client: TestClient, world: World
) -> None:
    csrf = web_login(client, world, Role.ADMIN)
    form = {
        "name": "Forged Person",
        "email": "forged@testclinic.test",
        "role": "nurse",
        "password": "violet-harbor-gravel",
    }
    for token in ("", "not-the-token"):
        refused = client.post("/admin/users", data={**form, "csrf_token": token})
        assert refused.status_code == 403, refused.text
        assert "did not come from this site" in refused.text
    emails = [m.email for m, _ in world.services.staff.list(world.actor(Role.ADMIN))]
    assert "forged@testclinic.test" not in emails
    accepted = client.post(
        "/admin/users", data={**form, "csrf_token": csrf}, follow_redirects=False
    )
    assert accepted.status_code == 303


def test_web_consent_signing_needs_the_password_again(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = set_up_course(
        world.services, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    )
    signed: list[int] = []
    monkeypatch.setattr(world.services.consents, "sign", lambda *args, **kwargs: signed.append(1))
    view = world.services.consents.view(world.actor(Role.NURSE), setup.course_id)
    need = view.requirements[0].need
    csrf = web_login(client, world, Role.NURSE)
    world.clock.advance(minutes=world.services.settings.reauth_window_min + 1)
    client.get("/patients")  # still inside the idle time-out
    form = {
        **CONSENT,
        "document_id": need.document_id,
        "signer": need.signer.value,
        "csrf_token": csrf,
        "agrees": "yes",
    }
    path = f"/courses/{setup.course_id}/consent/sign"
    refused = client.post(path, data=form, follow_redirects=False)
    assert refused.status_code == 422, refused.text
    assert 'id="reauth_password-error"' in refused.text
    assert not signed
    accepted = client.post(path, data={**form, "reauth_password": PASSWORD}, follow_redirects=False)
    assert accepted.status_code == 303, accepted.text
    assert signed == [1]
