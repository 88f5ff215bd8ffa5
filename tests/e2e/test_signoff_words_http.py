"""A flagged protocol default reads the same on every page: confirmed at sign-off once the
version is signed off, awaiting sign-off only before; the UNCONFIRMED marker is one click away."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from ketaclinic.adapters.protocol_files import shipped_protocols
from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.integration.test_orders_service import set_up_course

IV_ORDER = {
    "route": "iv",
    "mg_per_kg": "0.5",
    "vial_mg_per_ml": "50",
    "final_volume_ml": "100",
    "premedications": ["ondansetron"],
}


def _visible(html: str) -> str:
    """The page text a reader sees without opening any <details>."""
    return re.sub(r"<details.*?</details>", "", html, flags=re.S)


def test_a_signed_order_says_its_flagged_premedication_was_confirmed_at_sign_off(
    client: TestClient, world: World
) -> None:
    setup = set_up_course(
        world.services, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    )
    url = f"/api/v1/courses/{setup.course_id}/orders"
    signed = client.post(url, headers=bearer(client, world, Role.APP), json=IV_ORDER)
    assert signed.status_code == 201, signed.text
    web_login(client, world, Role.NURSE)
    page = client.get(f"/orders/{signed.json()['id']}").text
    summary = page.split('id="order-summary"', 1)[1].split("</dl>", 1)[0]
    assert "ondansetron" in summary
    assert "clinic default, confirmed at sign-off by Test Physician on" in summary
    assert "needs sign-off" not in page
    assert "UNCONFIRMED" not in _visible(page)


def test_the_version_page_words_flagged_defaults_by_its_sign_off(
    client: TestClient, world: World
) -> None:
    published = world.services.protocols.publish(world.clinic.id, shipped_protocols())
    ids = {p.protocol_id: p.id for p in published}
    adult, kat = ids["adult-iv-induction"], ids["kat-holistic"]
    physician = world.actor(Role.PHYSICIAN)
    items = world.services.protocols.signoff_items(physician, adult)
    world.services.protocols.sign_off(physician, adult, [i.path for i in items])
    web_login(client, world, Role.PHYSICIAN)
    signed = client.get(f"/protocols/{adult}").text
    assert "clinic default, confirmed at sign-off by Test Physician on" in signed
    assert "awaiting physician sign-off" not in signed
    assert "UNCONFIRMED" not in _visible(signed)
    assert "needs sign-off" not in _visible(signed)
    assert "Source note" in signed  # the marker stays one click away
    waiting = client.get(f"/protocols/{kat}").text
    assert "awaiting physician sign-off" in waiting
    assert "confirmed at sign-off" not in waiting
    assert "UNCONFIRMED" not in _visible(waiting)
