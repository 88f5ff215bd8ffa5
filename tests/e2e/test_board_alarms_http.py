"""A board a nurse can trust, over HTTP: a rule that fires again before anyone acknowledged it
updates one alarm (count and latest value) instead of stacking a new form; priorities are shown
by class and text; acknowledging is one action whose note is optional unless dosing is paused or
stopped; the alarm history lives on the session page with who acknowledged it."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from ketaclinic.adapters.hl7.ingest_handler import MonitorMessageHandler
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.records import AckAction
from ketaclinic.services.infusion.demo_sessions import start_demo_sessions
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.infusion_world import pcd01, running_sessions


def _handler(world: World) -> MonitorMessageHandler:
    return MonitorMessageHandler(
        world.services.monitoring,
        world.clinic.id,
        naive_tz=ZoneInfo("UTC"),
        clock=world.clock.now,
    )


def _flapping(world: World, cycles: int) -> int:
    """A systolic BP that crosses the severe threshold ``cycles`` times, recovering in between."""
    [monitor] = running_sessions(world)
    handler = _handler(world)
    for n in range(cycles):
        handler.handle(pcd01(monitor, f"F{n}a", world.clock.now(), sbp=121))
        world.clock.advance(minutes=1)
        handler.handle(pcd01(monitor, f"F{n}b", world.clock.now(), sbp=207 + n))
        world.clock.advance(minutes=1)
    handler.handle(pcd01(monitor, "F-end", world.clock.now(), sbp=122))
    return monitor.session.id


def test_a_repeating_rule_is_one_alarm_with_its_count_and_latest_value(
    client: TestClient, world: World
) -> None:
    sid = _flapping(world, cycles=4)
    alarms = world.services.alarms.for_session(world.actor(Role.NURSE), sid)
    assert [(a.rule_id, a.repeat_count) for a in alarms] == [("bp-systolic-severe", 4)]
    assert alarms[0].triggering[-1][1] == 210 and not alarms[0].active
    web_login(client, world, Role.NURSE)
    page = client.get("/board").text
    assert page.count('class="ack"') == 1
    assert 'data-repeat="4"' in page and "Out of range 4 times since " in page
    assert "×4" not in page and ": 1 reading (latest" not in page  # one count, in words
    assert 'data-priority="high"' in page and "prio-high" in page and ">HIGH<" in page
    assert "latest SBP 210 mmHg" in page


def test_acknowledging_is_one_action_and_doing_less_than_the_rule_needs_a_note(
    client: TestClient, world: World
) -> None:
    sid = _flapping(world, cycles=2)
    csrf = web_login(client, world, Role.NURSE)
    board = client.get("/board").text
    form = board.split('class="ack"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'<option value="" selected disabled>', form), form
    assert not re.search(r'<option value="(pause|stop|none)" selected', form), form
    [alarm] = world.services.alarms.for_session(world.actor(Role.NURSE), sid)
    url = f"/board/alarms/{alarm.id}/acknowledge"
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf}
    unchosen = client.post(url, data={"action": "", "note": ""}, headers=headers)
    assert unchosen.status_code == 422 and "choose what was done" in unchosen.text
    bare = client.post(url, data={"action": "none", "note": ""}, headers=headers)
    assert bare.status_code == 422, bare.text
    shown, why = bare.text.split('<details class="why">', 1)
    assert 'role="alert">Note: this alarm requires dosing to pause' in shown
    assert "alarm.required_action" not in shown and "rule alarm.required_action" in why
    [still] = world.services.alarms.for_session(world.actor(Role.NURSE), sid)
    assert still.acknowledged_at is None
    done = client.post(
        url, data={"action": "none", "note": "condition cleared on recheck"}, headers=headers
    )
    assert done.status_code == 200 and 'class="ack"' not in done.text
    history = client.get(f"/sessions/{sid}")
    assert 'id="alarm-history"' in history.text
    row = history.text.split(f'<tr data-alarm-id="{alarm.id}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-priority="high"' in history.text.split(f'data-alarm-id="{alarm.id}"', 1)[1][:40]
    assert re.search(r'<td data-field="repeat"[^>]*>Out of range 2 times since \d\d:\d\d', row), row
    assert ": no change to dosing — condition cleared on recheck" in row and "not yet" not in row
    again = client.post(url, data={"action": "none", "note": "late"}, headers=headers)
    assert again.status_code == 422 and "already acknowledged" in again.text


def test_after_an_acknowledgement_a_new_episode_is_a_new_alarm(
    client: TestClient, world: World
) -> None:
    sid = _flapping(world, cycles=1)
    nurse = world.actor(Role.NURSE)
    [first] = world.services.alarms.for_session(nurse, sid)
    world.services.alarms.acknowledge(nurse, first.id, AckAction.NONE, "cleared on recheck")
    [monitor] = start_demo_sessions(
        world.services.uow,
        world.services.pathway(),
        world.services.sessions,
        world.clinic.id,
        workflow=world.services.session_workflow,
        count=1,
        clock=world.clock,
    )  # the running session again, with its monitor
    world.clock.advance(minutes=1)
    _handler(world).handle(pcd01(monitor, "N1", world.clock.now(), sbp=209))
    alarms = world.services.alarms.for_session(nurse, sid)
    assert [(a.id == first.id, a.repeat_count) for a in alarms] == [(True, 1), (False, 1)]


def test_over_the_api_a_nurse_cannot_skip_a_required_pause_without_a_note(
    client: TestClient, world: World
) -> None:
    sid = _flapping(world, cycles=1)
    [alarm] = world.services.alarms.for_session(world.actor(Role.NURSE), sid)
    assert alarm.action == "pause" and not alarm.active
    nurse = bearer(client, world, Role.NURSE)
    url = f"/api/v1/alarms/{alarm.id}/acknowledge"
    bare = client.post(url, headers=nurse, json={"action": "none", "note": "  "})
    assert bare.status_code == 422, bare.text
    assert "note" in bare.text and "alarm.required_action" in bare.text
    assert "alarm.required_action" in bare.text
    [still] = world.services.alarms.for_session(world.actor(Role.NURSE), sid)
    assert still.acknowledged_at is None
    done = client.post(url, headers=nurse, json={"action": "none", "note": "SBP 142 on recheck"})
    assert done.status_code == 200, done.text
    assert done.json()["ack_note"] == "SBP 142 on recheck"
