"""The bedside monitors admin page: bad input keeps what was typed and names the field; a monitor
id is accepted with or without colons and stored in one form; moving a monitor from another chair
is said plainly and needs confirmation while a session runs on that chair; a monitor can be taken
off its chair."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.infusion_world import running_sessions

PAGE = "/admin/monitors"


def _chairs(world: World) -> dict[str, int]:
    with world.services.uow() as uow:
        return {c.name: c.id for c in uow.clinics.chairs(world.clinic.id)}


def _devices(world: World) -> dict[str, int]:
    with world.services.uow() as uow:
        return uow.monitors.devices(world.clinic.id)


def test_a_bad_id_keeps_the_input_and_both_id_forms_are_stored_alike(
    client: TestClient, world: World
) -> None:
    running_sessions(world, count=1, chairs=3, patients=1)
    chairs = _chairs(world)
    free = sorted(chairs.values())[-1]
    csrf = web_login(client, world, Role.ADMIN)
    bad = client.post(PAGE, data={"csrf_token": csrf, "chair_id": str(free), "device_id": "12-x"})
    assert bad.status_code == 422
    assert 'id="monitor-device_id-error">Monitor id: an EUI-64 is 16' in bad.text
    assert f'<option value="{free}" selected>' in bad.text and 'value="12-x"' in bad.text
    colons = client.post(
        PAGE,
        data={"csrf_token": csrf, "chair_id": str(free), "device_id": "00:1a:2b:ff:fe:3c:4d:5e"},
        follow_redirects=False,
    )
    assert colons.status_code == 303
    assert _devices(world)["001A2BFFFE3C4D5E"] == free
    name = next(n for n, i in chairs.items() if i == free)
    page = client.get(colons.headers["location"]).text
    assert f"Assigned monitor 001A2BFFFE3C4D5E to {name}." in page
    plain = client.post(
        PAGE,
        data={"csrf_token": csrf, "chair_id": str(free), "device_id": "001a2bfffe3c4d5e"},
        follow_redirects=False,
    )
    assert plain.status_code == 303
    assert [d for d in _devices(world) if d.startswith("001A2B")] == ["001A2BFFFE3C4D5E"]


def test_moving_a_monitor_is_said_and_needs_confirmation_during_a_session(
    client: TestClient, world: World
) -> None:
    [running] = running_sessions(world, count=1, chairs=3, patients=1)
    names = {i: n for n, i in _chairs(world).items()}
    busy = running.session.chair_id
    idle = [i for i in sorted(names) if i != busy]
    csrf = web_login(client, world, Role.ADMIN)
    client.post(
        PAGE,
        data={"csrf_token": csrf, "chair_id": str(idle[0]), "device_id": "DE00000000000F01"},
    )
    moved = client.post(
        PAGE,
        data={"csrf_token": csrf, "chair_id": str(idle[1]), "device_id": "DE00000000000F01"},
    )
    assert moved.status_code == 200
    said = f"Moved monitor DE00000000000F01 from {names[idle[0]]} to {names[idle[1]]}."
    assert said in moved.text
    # the running session's monitor: refused without confirmation, nothing changes
    form = {"csrf_token": csrf, "chair_id": str(idle[0]), "device_id": running.device_id}
    refused = client.post(PAGE, data=form)
    assert refused.status_code == 422 and 'id="monitor-confirm_move-error"' in refused.text
    assert f"a session is running on {names[busy]}" in refused.text
    assert 'name="confirm_move" value="yes"' in refused.text
    assert _devices(world)[running.device_id] == busy
    confirmed = client.post(PAGE, data={**form, "confirm_move": "yes"})
    assert confirmed.status_code == 200
    assert f"from {names[busy]} to {names[idle[0]]}" in confirmed.text
    assert _devices(world)[running.device_id] == idle[0]


def test_a_monitor_is_unassigned_from_its_chair(client: TestClient, world: World) -> None:
    running_sessions(world, count=1, chairs=3, patients=1)
    names = {i: n for n, i in _chairs(world).items()}
    chair = sorted(names)[-1]
    csrf = web_login(client, world, Role.ADMIN)
    client.post(
        PAGE, data={"csrf_token": csrf, "chair_id": str(chair), "device_id": "DE00000000000F02"}
    )
    assert 'action="/admin/monitors/unassign"' in client.get(PAGE).text
    gone = client.post(
        f"{PAGE}/unassign", data={"csrf_token": csrf, "device_id": "DE00000000000F02"}
    )
    assert gone.status_code == 200
    assert f"Unassigned monitor DE00000000000F02 from {names[chair]}" in gone.text
    assert "DE00000000000F02" not in _devices(world)
