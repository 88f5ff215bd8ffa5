"""Protocol pages and the protocols API through HTTP: browse, compare, sign off, adopt."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from ketaclinic.adapters.protocol_files import shipped_protocol, shipped_protocols
from ketaclinic.domain.identity.access import Role
from tests.conftest import World, make_world
from tests.e2e.conftest import bearer, web_login

SBP_PAUSE = "monitoring.alert_rules[bp-systolic-pause]"
THRESHOLD = f"{SBP_PAUSE}.threshold"


def publish_all(world: World) -> dict[str, int]:
    published = world.services.protocols.publish(world.clinic.id, shipped_protocols())
    return {p.protocol_id: p.id for p in published}


def signoff_form(world: World, version_id: int, csrf: str, *, skip: set[str]) -> dict[str, object]:
    items = world.services.protocols.signoff_items(world.actor(Role.PHYSICIAN), version_id)
    return {"csrf_token": csrf, "confirm": [i.path for i in items if i.path not in skip]}


def test_list_shows_every_version_with_hash_and_sign_off_state(
    client: TestClient, world: World
) -> None:
    ids = publish_all(world)
    adult = ids["adult-iv-induction"]
    items = world.services.protocols.signoff_items(world.actor(Role.PHYSICIAN), adult)
    world.services.protocols.sign_off(world.actor(Role.PHYSICIAN), adult, [i.path for i in items])
    web_login(client, world, Role.ADMIN)
    page = client.get("/protocols")
    assert page.status_code == 200
    for pack in shipped_protocols():
        assert pack.hash[:12] in page.text and pack.id in page.text
    adult_row = page.text.split(f'data-version-id="{adult}"', 1)[1].split("</tr>", 1)[0]
    assert "signed off" in adult_row and "Test Physician" in adult_row
    kat_row = page.text.split(f'data-version-id="{ids["kat-holistic"]}"', 1)[1].split("</tr>", 1)[0]
    assert "needs sign-off" in kat_row


def test_version_page_shows_tables_sources_sign_off_items_and_state_machines(
    client: TestClient, world: World
) -> None:
    adult = publish_all(world)["adult-iv-induction"]
    web_login(client, world, Role.PHYSICIAN)
    page = client.get(f"/protocols/{adult}")
    assert page.status_code == 200
    text = page.text
    assert (
        "<code>dosing.iv.start_mg_per_kg</code></td><td>0.5</td><td>mg/kg</td>"
        "<td>§2.1 Sanacora 2017" in text
    )
    assert "<td>bp-systolic-pause</td><td>systolic BP 180 mmHg or above</td>" in text
    for heading in (
        "Dosing",
        "Monitoring and alert thresholds",
        "Recovery and discharge",
        "Induction series",
        "Reassessment",
        "Maintenance and relapse watch",
        "Defaults needing sign-off",
    ):
        assert f">{heading}</h" in text, heading
    assert "Treatment course states" in text and "Infusion session states" in text
    assert f'href="/protocols/{adult}/signoff"' in text


def test_compare_lists_field_changes_between_two_versions(client: TestClient, world: World) -> None:
    adult = publish_all(world)["adult-iv-induction"]
    adopted = world.services.protocols.adopt(
        world.actor(Role.ADMIN), adult, {THRESHOLD: 170}, new_version="1.0.1"
    )
    web_login(client, world, Role.ADMIN)
    page = client.get(f"/protocols/compare?a={adult}&b={adopted.id}")
    assert page.status_code == 200
    rows = re.findall(r'data-path="([^"]+)"', page.text)
    assert rows == ["version", THRESHOLD, "base"]
    assert client.get("/protocols/compare").status_code == 200
    bad = client.get("/protocols/compare?a=x&b=1")
    assert bad.status_code == 422 and "choose a protocol version" in bad.text


def test_sign_off_with_an_item_left_unconfirmed_shows_it_inline_and_signs_nothing(
    client: TestClient, world: World
) -> None:
    adult = publish_all(world)["adult-iv-induction"]
    csrf = web_login(client, world, Role.PHYSICIAN)
    form = signoff_form(world, adult, csrf, skip={"series.min_hours_between"})
    response = client.post(f"/protocols/{adult}/signoff", data=form, follow_redirects=False)
    assert response.status_code == 422
    assert 'id="ce-series.min_hours_between"' in response.text
    assert "series.min_hours_between: confirm this default or change it" in response.text
    assert not world.services.protocols.view(
        world.actor(Role.PHYSICIAN), adult
    ).published.signed_off


def test_sign_off_with_a_changed_threshold_signs_a_new_version_and_shows_the_difference(
    client: TestClient, world: World
) -> None:
    adult = publish_all(world)["adult-iv-induction"]
    csrf = web_login(client, world, Role.PHYSICIAN)
    form = signoff_form(world, adult, csrf, skip={SBP_PAUSE})
    form[f"value:{THRESHOLD}"] = "170"
    response = client.post(f"/protocols/{adult}/signoff", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    location = response.headers["location"]
    assert location.endswith(f"?signed=1&from={adult}")
    page = client.get(location)
    assert "Adult IV ketamine induction 1.1.1" in page.text and "signed off" in page.text
    assert re.findall(r'data-path="([^"]+)"', page.text) == ["version", THRESHOLD, "base"]
    old = client.get(f"/protocols/{adult}")
    assert "<td>bp-systolic-pause</td><td>systolic BP 180 mmHg or above</td>" in old.text
    assert "needs sign-off" in old.text


def test_sign_off_with_an_implausible_value_names_the_field(
    client: TestClient, world: World
) -> None:
    adult = publish_all(world)["adult-iv-induction"]
    csrf = web_login(client, world, Role.PHYSICIAN)
    form = signoff_form(world, adult, csrf, skip=set())
    form[f"value:{THRESHOLD}"] = "1800"
    form["value:series.min_hours_between"] = "two days"
    response = client.post(f"/protocols/{adult}/signoff", data=form, follow_redirects=False)
    assert response.status_code == 422
    assert "series.min_hours_between: expected a whole number" in response.text
    form["value:series.min_hours_between"] = "48"
    response = client.post(f"/protocols/{adult}/signoff", data=form, follow_redirects=False)
    assert response.status_code == 422
    assert (
        f'id="e-{THRESHOLD}"' in response.text
        and "expected a value between 60 and 260" in response.text
    )
    assert len(world.services.protocols.published(world.actor(Role.PHYSICIAN))) == 3


def test_admin_adopts_local_blood_pressure_thresholds_with_field_errors(
    client: TestClient, world: World
) -> None:
    adult = publish_all(world)["adult-iv-induction"]
    csrf = web_login(client, world, Role.ADMIN)
    assert client.get(f"/protocols/{adult}/adopt").status_code == 200
    bad = client.post(
        f"/protocols/{adult}/adopt",
        data={"csrf_token": csrf, "new_version": "1.2.0", f"value:{THRESHOLD}": "10"},
    )
    assert (
        bad.status_code == 422
        and f"{THRESHOLD}: got 10; expected a value between 60 and 260" in bad.text
    )
    unchanged = client.post(
        f"/protocols/{adult}/adopt", data={"csrf_token": csrf, "new_version": "1.2.0"}
    )
    assert unchanged.status_code == 422 and "change at least one value" in unchanged.text
    good = client.post(
        f"/protocols/{adult}/adopt",
        data={
            "csrf_token": csrf,
            "new_version": "1.2.0",
            f"value:{THRESHOLD}": "170",
            "value:monitoring.alert_rules[bp-diastolic-pause].threshold": "105",
        },
        follow_redirects=False,
    )
    assert good.status_code == 303
    page = client.get(good.headers["location"])
    assert re.findall(r'data-path="([^"]+)"', page.text) == [
        "version",
        THRESHOLD,
        "monitoring.alert_rules[bp-diastolic-pause].threshold",
        "base",
    ]
    assert "needs sign-off" in page.text
    assert client.get(f"/protocols/{adult}/signoff").status_code == 403  # admins do not sign


def test_api_lists_and_reads_versions_with_hash_and_sign_off_items(
    client: TestClient, world: World
) -> None:
    adult = publish_all(world)["adult-iv-induction"]
    auth = bearer(client, world, Role.NURSE)
    listed = client.get("/api/v1/protocols", headers=auth)
    assert listed.status_code == 200
    assert {(p["protocol_id"], p["hash"], p["signed_off"]) for p in listed.json()} == {
        (p.id, p.hash, False) for p in shipped_protocols()
    }
    one = client.get(f"/api/v1/protocols/{adult}", headers=auth)
    body = one.json()
    assert (
        body["ref"] == "adult-iv-induction@1.1.0"
        and body["hash"] == shipped_protocol("adult-iv-induction").hash
    )
    assert body["signed_off"] is False and body["signed_off_at"] is None
    paths = [i["path"] for i in body["signoff_items"]]
    assert SBP_PAUSE in paths and "series.min_hours_between" in paths
    missing = client.get("/api/v1/protocols/999999", headers=auth)
    assert missing.status_code == 404 and missing.json()["field"] == "protocol_version_id"
    assert client.get("/api/v1/protocols/abc", headers=auth).status_code == 422
    assert (
        client.get("/api/v1/protocols", headers=bearer(client, world, Role.AUDITOR)).status_code
        == 403
    )


def test_another_clinics_version_is_not_found_through_pages_or_api(
    client: TestClient, world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = make_world(world.services.engine, tmp_path_factory.mktemp("other"), slug="otherclinic")
    [foreign] = other.services.protocols.publish(
        other.clinic.id, [shipped_protocol("kat-holistic")]
    )
    auth = bearer(client, world, Role.PHYSICIAN)
    assert client.get(f"/api/v1/protocols/{foreign.id}", headers=auth).status_code == 404
    web_login(client, world, Role.PHYSICIAN)
    for url in (
        f"/protocols/{foreign.id}",
        f"/protocols/{foreign.id}/signoff",
        f"/protocols/{foreign.id}/adopt",
    ):
        response = client.get(url)
        assert response.status_code == 404 and foreign.hash[:12] not in response.text, url
    assert client.get("/api/v1/protocols", headers=auth).json() == []


def test_a_bad_or_taken_version_number_is_shown_at_its_field(
    client: TestClient, world: World
) -> None:
    adult = publish_all(world)["adult-iv-induction"]
    csrf = web_login(client, world, Role.ADMIN)
    data = {"csrf_token": csrf, f"value:{THRESHOLD}": "170"}
    bad = client.post(f"/protocols/{adult}/adopt", data={**data, "new_version": "latest"})
    assert bad.status_code == 422
    field = bad.text.split('id="new_version"', 1)[1].split("</div>", 1)[0]
    assert "expected a semantic version" in field
    taken = client.post(f"/protocols/{adult}/adopt", data={**data, "new_version": "1.1.0"})
    assert taken.status_code == 422
    assert "a version other than 1.1.0" in taken.text.split('id="new_version"', 1)[1]
