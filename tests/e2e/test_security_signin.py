"""Passwords, sign-in throttling and account enumeration, attacked over HTTP.

Weak passwords are refused naming the ``password`` field; failed sign-ins sprayed across accounts
or repeated from one address are throttled with 429 and ``Retry-After`` (form and token endpoint);
creating a user whose email belongs to another clinic answers exactly as for a new email.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.identity.access import Role
from ketaclinic.services.identity.clinics import create_clinic
from ketaclinic.services.identity.staff_admin import RULE_NOT_SELF, NewStaff
from tests.conftest import PASSWORD, World
from tests.e2e.conftest import web_login

WEAK = [
    "aaaaaaaaaaaa",
    "password1234",
    "123456789012",
    "qwertyuiopas",
    "Password2024!",
    "short-pass",
    "newcomer-is-here-1",  # contains the email name
    "test clinic rocks 2",  # contains the clinic's name
]


def _create_user(client: TestClient, csrf: str, email: str, password: str) -> httpx.Response:
    return client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "name": "Newcomer Testperson",
            "email": email,
            "role": "nurse",
            "password": password,
        },
        follow_redirects=False,
    )


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused_naming_the_field(
    client: TestClient, world: World, password: str
) -> None:
    csrf = web_login(client, world, Role.ADMIN)
    response = _create_user(client, csrf, "newcomer@testclinic.test", password)
    assert response.status_code == 422
    page = response.text
    assert 'id="password"' in page and "field-error" in page
    assert world.services.staff.list(world.actor(Role.ADMIN))
    emails = [m.email for m, _ in world.services.staff.list(world.actor(Role.ADMIN))]
    assert "newcomer@testclinic.test" not in emails


def test_a_long_uncommon_passphrase_is_accepted(client: TestClient, world: World) -> None:
    csrf = web_login(client, world, Role.ADMIN)
    response = _create_user(client, csrf, "newcomer@testclinic.test", "violet-harbor-gravel")
    assert response.status_code == 303


def _token_attempt(client: TestClient, email: str, password: str) -> httpx.Response:
    return client.post("/api/v1/auth/token", json={"email": email, "password": password})


def test_spraying_across_accounts_is_throttled(client: TestClient, world: World) -> None:
    """32 guesses over 8 accounts (4 each, under the per-account lockout) from one address."""
    accounts = [f"{r.value}@testclinic.test" for r in Role] + ["nobody@testclinic.test"]
    statuses = [
        _token_attempt(client, accounts[i % 8], f"guess-number-{i:04d}").status_code
        for i in range(32)
    ]
    assert 429 in statuses
    first = statuses.index(429)
    assert first <= world.services.settings.signin_failures_per_address
    assert set(statuses[first:]) == {429}
    refused = _token_attempt(client, accounts[0], PASSWORD)  # even the right password waits
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert refused.json()["error"] == "TooManyAttempts"


def test_rapid_failures_on_the_sign_in_form_get_429(client: TestClient, world: World) -> None:
    statuses: list[int] = []
    for i in range(100):
        page = client.get("/signin")
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        response = client.post(
            "/signin",
            data={"email": "nurse@testclinic.test", "password": f"wrong-{i}", "csrf_token": csrf},
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["retry-after"]) > 0
            assert "Too many failed sign-ins" in response.text
            break
    assert statuses[-1] == 429
    assert len(statuses) <= world.services.settings.signin_failures_per_address + 1


def test_throttle_lifts_after_the_window(client: TestClient, world: World) -> None:
    for i in range(world.services.settings.signin_failures_per_account):
        _token_attempt(client, "nurse@testclinic.test", f"wrong-guess-{i}")
    blocked = _token_attempt(client, "nurse@testclinic.test", PASSWORD)
    assert blocked.status_code == 429
    world.clock.advance(minutes=world.services.settings.signin_throttle_window_min + 1)
    world.clock.advance(minutes=world.services.settings.lockout_min + 1)
    assert _token_attempt(client, "nurse@testclinic.test", PASSWORD).status_code == 200


def test_per_account_throttle_does_not_reveal_the_account(client: TestClient, world: World) -> None:
    """A missing account is throttled exactly like a real one."""
    limit = world.services.settings.signin_failures_per_account
    for email in ("nurse@testclinic.test", "nobody-here@testclinic.test"):
        statuses = [
            _token_attempt(client, email, f"wrong-guess-{i}").status_code for i in range(limit + 1)
        ]
        assert statuses == [401] * limit + [429], email


def test_creating_a_user_from_another_clinic_reveals_nothing(
    client: TestClient, world: World
) -> None:
    other = create_clinic(
        world.services.uow, world.clock, "otherclinic", "Other Place", "America/Chicago", "OP"
    )
    world.services.staff.bootstrap_create(
        other, NewStaff("elsewhere@otherclinic.test", "Elsewhere Person", Role.NURSE, PASSWORD)
    )
    csrf = web_login(client, world, Role.ADMIN)
    existing = _create_user(client, csrf, "elsewhere@otherclinic.test", "violet-harbor-gravel")
    new = _create_user(client, csrf, "brandnew@testclinic.test", "violet-harbor-gravel")
    for response in (existing, new):
        assert response.status_code == 303
    assert existing.headers["location"] == new.headers["location"]

    def notice(response: httpx.Response) -> str:
        page = client.get(response.headers["location"]).text
        assert "Elsewhere Person" not in page  # nothing of the other clinic's account
        return page.split('class="notice"', 1)[1].split("</p>", 1)[0]

    assert notice(existing) == notice(new)
    words = notice(new).split(">", 1)[1]
    assert words.count(".") == 1 and "already" not in words and "email" not in words.lower()
    # the other clinic's account is untouched: its password still works and no membership added
    memberships = world.services.staff.list(world.actor(Role.ADMIN))
    assert "elsewhere@otherclinic.test" not in [m.email for m, _ in memberships]


def test_duplicate_in_the_same_clinic_is_named(client: TestClient, world: World) -> None:
    csrf = web_login(client, world, Role.ADMIN)
    response = _create_user(client, csrf, "nurse@testclinic.test", "violet-harbor-gravel")
    assert response.status_code == 422
    assert "already exists" in response.text


def test_a_refused_sign_in_costs_one_password_check_whether_or_not_the_account_exists(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown, deactivated or locked account is refused only after a password check against a
    decoy hash, so the response time does not reveal which emails have accounts."""
    hasher = world.services.hasher
    checked: list[str] = []
    real_verify = hasher.verify

    def counting(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return real_verify(password_hash, password)

    monkeypatch.setattr(hasher, "verify", counting)
    known = f"{Role.NURSE.value}@testclinic.test"
    for email in (known, "nobody@testclinic.test"):
        checked.clear()
        response = _token_attempt(client, email, "not the password at all")
        assert response.status_code == 401, response.text
        assert len(checked) == 1, email
    assert _token_attempt(client, known, PASSWORD).status_code == 200


def test_an_administrator_cannot_disable_their_own_account(
    client: TestClient, world: World
) -> None:
    admin = world.actor(Role.ADMIN)
    assert admin.staff_id is not None
    with pytest.raises(Conflict, match=RULE_NOT_SELF):
        world.services.staff.set_active(admin, admin.staff_id, False)
    csrf = web_login(client, world, Role.ADMIN)
    page = client.get("/admin/users").text
    own = page.split("<tr><td>Test Admin</td>", 1)[1].split("</tr>", 1)[0]
    assert "Disable" not in own and "your account" in own
    nurse_row = page.split("<tr><td>Test Nurse</td>", 1)[1].split("</tr>", 1)[0]
    assert "Disable" in nurse_row
    assert '<option value="app">nurse practitioner / PA</option>' in page  # the table's labels
    refused = client.post(
        f"/admin/users/{admin.staff_id}/active", data={"csrf_token": csrf, "active": "0"}
    )
    assert refused.status_code == 409
    assert "cannot disable your own account" in refused.text
    shown = refused.text.split('role="alert"', 1)[1].split("<details", 1)[0]
    assert RULE_NOT_SELF not in shown and RULE_NOT_SELF in refused.text
    assert world.services.staff.list(admin)  # still signed in and listed
    assert client.get("/admin/users").status_code == 200
