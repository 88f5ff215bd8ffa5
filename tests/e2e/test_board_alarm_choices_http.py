"""The board offers exactly the acknowledgement choices the session's state allows, with the
required one marked, and the required action in plain words for that state: before dosing no
rule asks to pause (do not start dosing, recheck, call the prescriber); in recovery no rule asks
to stop (stay with the patient). A choice the state does not allow is refused naming the rule,
over the board and the API, and nothing is recorded (``alarm.required_action``)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.records import StoredAlarm
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.infusion.bedside_vitals import readings_from_fields
from ketaclinic.services.infusion.demo_session_day import DEMO_VITALS
from ketaclinic.services.infusion.monitor_messages import VitalsBatch
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.infusion_world import start_fields
from tests.integration.test_session_workflow import CHECK_IN, Day, _ready, make_day


@pytest.fixture
def day(world: World) -> Day:
    return make_day(world)


def _severe_bp(day: Day) -> StoredAlarm:
    """A systolic BP of 205 entered by hand: the protocol's severe-BP rule (action pause)."""
    nurse = day.world.actor(Role.NURSE)
    fields = {**DEMO_VITALS, "sbp_mmhg": "205"}
    readings = readings_from_fields(fields, at=day.world.clock.now())
    day.world.services.monitoring.ingest(nurse, VitalsBatch(readings, session_id=day.session_id))
    alarms = day.world.services.alarms.for_session(nurse, day.session_id)
    [alarm] = [a for a in alarms if a.rule_id == "bp-systolic-severe"]
    assert alarm.action == "pause"
    return alarm


def _offered(client: TestClient, alarm: StoredAlarm) -> tuple[str, list[tuple[str, str]]]:
    board = client.get("/board").text
    item = board.split(f'data-alarm-id="{alarm.id}"', 1)[1].split("</li>", 1)[0]
    required = item.split('data-field="required-action">', 1)[1].split("</strong>", 1)[0]
    options = re.findall(r'<option value="(\w+)"([^>]*)>([^<]*)</option>', item)
    return required, [(value, words.strip()) for value, _, words in options]


def _state(day: Day) -> SessionState:
    return day.world.services.sessions.get(day.world.actor(Role.NURSE), day.session_id).state


def test_before_dosing_the_board_offers_only_not_starting_and_refuses_a_pause(
    client: TestClient, day: Day
) -> None:
    day.flow.check_in(day.world.actor(Role.NURSE), day.session_id, CHECK_IN)
    alarm = _severe_bp(day)
    csrf = web_login(client, day.world, Role.NURSE)
    required, options = _offered(client, alarm)
    assert required == "do not start dosing: recheck, and call the prescriber"
    assert options == [("none", "Did not start dosing (required)")]
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf}
    url = f"/board/alarms/{alarm.id}/acknowledge"
    paused = client.post(url, data={"action": "pause", "note": ""}, headers=headers)
    assert paused.status_code == 422, paused.text
    assert "rule alarm.required_action" in paused.text and "checked in" in paused.text
    api = bearer(client, day.world, Role.NURSE)
    refused = client.post(
        f"/api/v1/alarms/{alarm.id}/acknowledge", headers=api, json={"action": "pause", "note": ""}
    )
    assert refused.status_code == 409, refused.text
    assert "alarm.required_action" in refused.text
    [still] = day.world.services.alarms.for_session(day.world.actor(Role.NURSE), day.session_id)
    assert still.acknowledged_at is None and _state(day) is SessionState.CHECKED_IN
    done = client.post(url, data={"action": "none", "note": ""}, headers=headers)
    assert done.status_code == 200 and f'data-alarm-id="{alarm.id}"' not in done.text
    assert _state(day) is SessionState.CHECKED_IN


def test_while_dosing_the_board_offers_pause_stop_or_no_change_with_pause_required(
    client: TestClient, day: Day
) -> None:
    _ready(day)
    day.flow.start(day.world.actor(Role.NURSE), day.session_id, start_fields(day.world))
    alarm = _severe_bp(day)
    web_login(client, day.world, Role.NURSE)
    required, options = _offered(client, alarm)
    assert required == "pause dosing, and call the prescriber"
    assert options == [
        ("pause", "Paused dosing (required)"),
        ("stop", "Stopped dosing"),
        ("none", "No change to dosing"),
    ]


def test_in_recovery_the_board_offers_only_staying_with_the_patient_and_refuses_a_stop(
    client: TestClient, day: Day
) -> None:
    nurse = day.world.actor(Role.NURSE)
    _ready(day)
    day.flow.start(nurse, day.session_id, start_fields(day.world))
    day.world.clock.advance(minutes=40)
    day.flow.end_dosing(nurse, day.session_id)
    assert _state(day) is SessionState.RECOVERY
    alarm = _severe_bp(day)
    web_login(client, day.world, Role.NURSE)
    required, options = _offered(client, alarm)
    assert required == "dosing has ended: stay with the patient, recheck, and call the prescriber"
    assert options == [("none", "Dosing had ended: stayed with the patient and acted (required)")]
    api = bearer(client, day.world, Role.NURSE)
    url = f"/api/v1/alarms/{alarm.id}/acknowledge"
    stopped = client.post(url, headers=api, json={"action": "stop", "note": ""})
    assert stopped.status_code == 409, stopped.text
    assert "alarm.required_action" in stopped.text and "recovery" in stopped.text
    assert _state(day) is SessionState.RECOVERY
    done = client.post(url, headers=api, json={"action": "none", "note": ""})
    assert done.status_code == 200, done.text
    assert done.json()["ack_action"] == "none"
