"""The administrator's Today and the dose order page answer "awaiting physician sign-off" from
one function (``services.protocols.publishing.awaiting_signoff``): signing off a version confirms
every default it flags, so the dose page never says a default of a signed-off version is
awaiting, and both pages agree when a version is not signed off."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import delete

from ketaclinic.adapters.db.protocols.tables import protocol_signoffs
from ketaclinic.domain.identity.access import Role
from ketaclinic.services.protocols.publishing import (
    awaiting_signoff,
    defaults_awaiting_signoff,
)
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.integration.test_outcome_service import induction_course

EVERY_SIGNED = "Every published version is signed off."


def _pages(client: TestClient, world: World, course_id: int) -> tuple[str, str]:
    client.cookies.clear()
    web_login(client, world, Role.ADMIN)
    admin = client.get("/today").text
    admin = admin[admin.index('id="today-protocols"') : admin.index('id="today-monitors"')]
    client.cookies.clear()
    web_login(client, world, Role.PHYSICIAN)
    order = client.get(f"/courses/{course_id}/orders/new")
    assert order.status_code == 200, order.text[:500]
    return admin, order.text


def test_both_pages_agree_when_every_version_is_signed_off_and_when_one_awaits(
    client: TestClient, world: World
) -> None:
    _, course_id = induction_course(world)
    physician = world.actor(Role.PHYSICIAN)
    [version] = world.services.protocols.published(world.actor(Role.ADMIN))
    route = world.services.orders.screen(physician, course_id).route
    flagged = [name for name, ref in route.sources.items() if ref.needs_signoff]
    assert flagged  # the shipped pack flags some of this route's defaults for sign-off

    assert not awaiting_signoff(version)
    assert defaults_awaiting_signoff(version, route.sources) == ()
    admin, order = _pages(client, world, course_id)
    assert EVERY_SIGNED in admin
    assert 'id="route-signoff"' not in order and "awaiting physician sign-off" not in order
    assert "clinic default, confirmed at sign-off by Test Physician on" in order
    assert "needs sign-off" not in order

    # setup step: the same version without its sign-off (the state before a physician signs)
    with world.services.uow() as uow:
        uow.connection.execute(
            delete(protocol_signoffs).where(protocol_signoffs.c.protocol_version_id == version.id)
        )
        uow.commit()
    [unsigned] = world.services.protocols.published(world.actor(Role.ADMIN))
    assert awaiting_signoff(unsigned)
    assert defaults_awaiting_signoff(unsigned, route.sources) == tuple(flagged)
    admin, order = _pages(client, world, course_id)
    assert EVERY_SIGNED not in admin and f'href="/protocols/{version.id}"' in admin
    notice = order[order.index('id="route-signoff"') :]
    assert notice.startswith(
        f'id="route-signoff">{len(flagged)} of this route\'s defaults are clinic defaults '
        "awaiting physician sign-off."
    )
