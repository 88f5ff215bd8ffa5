"""The monitor-senders admin page: an admin adds and removes gateways and monitors (audited);
bad input names the field; a nurse may not change who can write vitals."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from ketaclinic.adapters.db.tables import audit_events
from ketaclinic.domain.errors import PermissionDenied
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.monitor_ingest import NewGateway
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.infusion_world import prepare_clinic

PAGE = "/admin/monitor-senders"


def _actions(world: World) -> list[str]:
    with world.services.engine.connect() as conn:
        return list(
            conn.execute(
                select(audit_events.c.action)
                .where(audit_events.c.action.like("hl7_gateway.%"))
                .order_by(audit_events.c.id)
            ).scalars()
        )


def test_an_admin_adds_and_removes_a_gateway_and_a_monitor(
    client: TestClient, world: World
) -> None:
    prepare_clinic(world)
    csrf = web_login(client, world, Role.ADMIN)
    form = {
        "csrf_token": csrf,
        "name": "Ward 2 gateway",
        "source": "10.20.0.0/24",
        "sending_application": "WARDGW",
        "sending_facility": "KETA",
    }
    added = client.post(f"{PAGE}/gateways", data=form, follow_redirects=False)
    assert added.status_code == 303
    page = client.get(PAGE)
    assert "Ward 2 gateway" in page.text and "10.20.0.0/24" in page.text
    [gateway] = [
        g
        for g in world.services.gateways.list(world.actor(Role.ADMIN))
        if g.name == "Ward 2 gateway"
    ]
    again = client.post(f"{PAGE}/gateways", data=form)
    assert again.status_code == 422 and "already registered" in again.text
    removed = client.post(
        f"{PAGE}/gateways/{gateway.id}/remove", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert removed.status_code == 303
    assert "Ward 2 gateway" not in client.get(PAGE).text
    assert _actions(world)[-2:] == ["hl7_gateway.add", "hl7_gateway.remove"]
    chair = world.services.gateways.chairs(world.actor(Role.ADMIN))[0]
    device = {"csrf_token": csrf, "device_id": "00aa00aa00aa00aa", "chair_id": str(chair.id)}
    assert client.post(f"{PAGE}/devices", data=device, follow_redirects=False).status_code == 303
    assert "00AA00AA00AA00AA" in client.get(PAGE).text
    gone = client.post(
        f"{PAGE}/devices/00AA00AA00AA00AA/remove", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert gone.status_code == 303 and "00AA00AA00AA00AA" not in client.get(PAGE).text


def test_bad_gateway_input_names_the_field(client: TestClient, world: World) -> None:
    csrf = web_login(client, world, Role.ADMIN)
    form = {"csrf_token": csrf, "name": "Any", "source": "0.0.0.0/0", "sending_application": ""}
    response = client.post(f"{PAGE}/gateways", data=form)
    assert response.status_code == 422
    assert "covers every address" in response.text and "MSH-3" in response.text


def test_a_nurse_may_not_register_a_gateway_over_http_or_in_the_service(
    client: TestClient, world: World
) -> None:
    csrf = web_login(client, world, Role.NURSE)
    form = {
        "csrf_token": csrf,
        "name": "Rogue",
        "source": "10.0.0.5",
        "sending_application": "ROGUE",
        "sending_facility": "",
    }
    assert client.post(f"{PAGE}/gateways", data=form).status_code == 403
    assert client.get(PAGE).status_code == 403
    try:
        world.services.gateways.add(world.actor(Role.NURSE), NewGateway("R", "10.0.0.5", "ROGUE"))
    except PermissionDenied as refused:
        assert refused.permission == "staff.admin"
        assert str(refused) == "A nurse cannot manage staff accounts: only an administrator may"
    else:
        raise AssertionError("a nurse registered a gateway")
    assert _actions(world) == []
