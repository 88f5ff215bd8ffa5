"""Monitoring safety over the real edges: a monitor's HL7 ORU^R01 over MLLP on a loopback socket
into the real ingest (SpO2 35 % raises a high alarm, SpO2 0 a technical one, both stored), the
JSON vitals API the same, and a nurse over HTTP who cannot mark a session pre-dose ready with
SpO2 85 % and HR 140 (the refusal names the rules); a recheck within limits is let through."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ketaclinic.adapters.hl7.builder import MonitorSnapshot, build_pcd01
from ketaclinic.adapters.hl7.client import MllpClient
from ketaclinic.adapters.hl7.ingest_handler import MonitorMessageHandler
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.e2e.test_mllp_listener import LoopThread
from tests.infusion_world import DemoMonitor, running_sessions
from tests.integration.test_session_workflow import (
    CHECK_IN,
    Day,
    _pre_dose,
    _premed_and_iv,
    make_day,
)

pytestmark = pytest.mark.both_backends  # the outcome depends on the backend


def oru(monitor: DemoMonitor, control_id: str, at: datetime, spo2: int) -> bytes:
    snapshot = MonitorSnapshot(
        at=at,
        sbp_mmhg=Decimal(122),
        dbp_mmhg=Decimal(78),
        map_mmhg=Decimal(93),
        hr_per_min=Decimal(76),
        spo2_pct=Decimal(spo2),
        rr_per_min=Decimal(14),
    )
    return build_pcd01(
        snapshot,
        control_id=control_id,
        patient_id=monitor.mrn,
        device_eui64=monitor.device_id,
        full=True,
    )


@pytest.fixture
def listening(world: World) -> Iterator[tuple[LoopThread, DemoMonitor]]:
    [monitor] = running_sessions(world)
    handler = MonitorMessageHandler(
        world.services.monitoring,
        world.clinic.id,
        naive_tz=ZoneInfo("UTC"),
        clock=world.clock.now,
    )
    running = LoopThread(handler, max_frame_bytes=65536)
    yield running, monitor
    running.stop()
    handler.close()


def msa(ack: bytes) -> list[str]:
    segment = next(s for s in ack.decode().split("\r") if s.startswith("MSA"))
    return segment.split("|")


def test_mllp_spo2_35_raises_high_and_spo2_0_raises_technical(
    world: World, listening: tuple[LoopThread, DemoMonitor]
) -> None:
    loop, monitor = listening
    with MllpClient("127.0.0.1", loop.listener.port) as client:
        low = client.send(oru(monitor, "DESAT-1", world.clock.now(), spo2=35))
        world.clock.advance(seconds=10)
        off = client.send(oru(monitor, "PROBE-OFF-1", world.clock.now(), spo2=0))
    assert msa(low)[1:3] == ["AA", "DESAT-1"] and msa(off)[1:3] == ["AA", "PROBE-OFF-1"]
    nurse = world.actor(Role.NURSE)
    alarms = {a.rule_id: a for a in world.services.alarms.for_session(nurse, monitor.session.id)}
    deep = alarms["spo2-deep-stop"]
    assert (deep.severity, deep.action, deep.parameter) == ("high", "stop", "spo2")
    assert any(value == Decimal(35) for _, value, _ in deep.triggering)
    lost = alarms["spo2-signal-lost"]
    assert (lost.severity, lost.action, lost.active) == ("medium", "check_sensor", True)
    assert "check the sensor" in lost.message
    day = world.services.session_workflow.day(nurse, monitor.session.id)
    spo2 = [r for r in day.readings if r.reading.parameter.value == "spo2"]
    assert [(r.reading.value, r.plausible) for r in spo2] == [
        (Decimal(98), True),  # the pre-dose checklist's baseline
        (Decimal(35), True),
        (0, False),
    ]
    assert (spo2[2].rejected_reason or "").startswith("technical: spo2 0 (probe off")


def test_api_vitals_probe_off_is_technical_and_a_value_after_it_clears_it(
    client: TestClient, world: World
) -> None:
    [monitor] = running_sessions(world)
    auth = bearer(client, world, Role.NURSE)

    def post(value: str) -> list[dict[str, str]]:
        at = world.clock.now().isoformat()
        body = {
            "session_id": monitor.session.id,
            "readings": [{"parameter": "spo2", "value": value, "unit": "%", "at": at}],
        }
        response = client.post("/api/v1/vitals", json=body, headers=auth)
        assert response.status_code == 201, response.text
        raised: list[dict[str, str]] = response.json()["alarms_raised"]
        return raised

    assert [(a["rule_id"], a["action"]) for a in post("0")] == [
        ("spo2-signal-lost", "check_sensor")
    ]
    web_login(client, world, Role.NURSE)
    board = client.get("/board")
    assert board.status_code == 200 and "spo2-signal-lost" in board.text
    assert "technical alarm: check the probe, cuff or leads" in board.text
    world.clock.advance(seconds=5)
    assert post("97") == []
    nurse = world.actor(Role.NURSE)
    alarms = world.services.alarms.for_session(nurse, monitor.session.id)
    assert [(a.rule_id, a.active) for a in alarms] == [("spo2-signal-lost", False)]


@pytest.fixture
def day(world: World) -> Day:
    return make_day(world)


def test_nurse_cannot_mark_pre_dose_ready_with_spo2_85_and_hr_140(
    client: TestClient, day: Day
) -> None:
    nurse = day.world.actor(Role.NURSE)
    day.flow.check_in(nurse, day.session_id, CHECK_IN)
    _premed_and_iv(day)
    auth = bearer(client, day.world, Role.NURSE)
    url = f"/api/v1/sessions/{day.session_id}/steps/pre-dose"
    held = client.post(
        url, headers=auth, json=dict(_pre_dose(day, spo2_pct="85", hr_per_min="140"))
    )
    assert held.status_code == 409, held.text
    reasons = " ".join(held.json()["reasons"])
    assert "predose_vitals: predose-spo2-hold" in reasons
    assert "predose-hr-high-hold" in reasons and "85" in reasons and "140" in reasons
    record = client.get(f"/api/v1/sessions/{day.session_id}/record", headers=auth).json()
    assert record["session"]["state"] == "checked_in"
    rechecked = client.post(url, headers=auth, json=dict(_pre_dose(day, spo2_pct="97")))
    assert rechecked.status_code == 200, rechecked.text
    assert rechecked.json()["session"]["state"] == SessionState.READY.value


def test_pre_dose_spo2_below_50_can_be_entered_and_is_held(client: TestClient, day: Day) -> None:
    nurse = day.world.actor(Role.NURSE)
    day.flow.check_in(nurse, day.session_id, CHECK_IN)
    _premed_and_iv(day)
    auth = bearer(client, day.world, Role.NURSE)
    url = f"/api/v1/sessions/{day.session_id}/steps/pre-dose"
    held = client.post(url, headers=auth, json=dict(_pre_dose(day, spo2_pct="45")))
    assert held.status_code == 409 and "predose-spo2-hold" in held.text
    probe_off = client.post(url, headers=auth, json=dict(_pre_dose(day, spo2_pct="0")))
    assert probe_off.status_code == 422 and "spo2_pct" in probe_off.json()["fields"]
