"""Vital signs by hand on the session page, through the monitor pipeline: a chair without a
monitor says so plainly (vital signs by hand, when they are next due, a link to assign one) and
raises no data-missing alarm; a monitor assigned and silent shows a "no monitor data" banner and
raises one; hand-entered values are stored with source
``staff`` and the nurse as ``entered_by``, a value past a rule raises the same alarm a monitor
would, bad input names the field, a monitor can be assigned from the page, and discharge works
from hand-entered recovery vitals (no override)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.discharge import AldreteScore
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.infusion.monitor_messages import VitalsBatch
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.infusion_world import start_fields
from tests.integration.test_session_workflow import Day, _ready, make_day

RECOVERY_VITALS = {
    "sbp_mmhg": "124",
    "dbp_mmhg": "78",
    "hr_per_min": "72",
    "spo2_pct": "98",
    "rr_per_min": "14",
}


@pytest.fixture
def day(world: World) -> Day:
    return make_day(world)


@pytest.fixture
def nurse(world: World, day: Day) -> Iterator[tuple[TestClient, str]]:
    with TestClient(create_app(services=world.services)) as c:
        yield c, web_login(c, world, Role.NURSE)


def _infusing(day: Day) -> None:
    _ready(day)
    day.flow.start(
        day.world.actor(Role.NURSE),
        day.session_id,
        start_fields(day.world, lot="KET-DEMO-42"),
    )


def test_hand_entered_vitals_go_through_the_monitor_pipeline(
    world: World, day: Day, nurse: tuple[TestClient, str]
) -> None:
    client, _ = nurse
    _infusing(day)
    world.clock.advance(minutes=20)
    csrf = web_login(client, world, Role.NURSE)  # signed out after 15 idle minutes
    swept = world.services.monitoring.sweep(world.clinic.id)
    assert swept == []  # no monitor: nothing is "missing" (BP 10 min late: not yet overdue)
    alarms = world.services.alarms.for_session(world.actor(Role.NURSE), day.session_id)
    assert not any(a.rule_id.endswith("data-missing") for a in alarms)
    page = client.get(f"/sessions/{day.session_id}")
    assert 'id="no-monitor-banner"' not in page.text  # nothing can be missing without a monitor
    assigned = page.text.split('id="no-monitor-assigned"', 1)[1].split("</p>", 1)[0]
    assert "No monitor assigned — enter vital signs by hand." in assigned
    assert '<a href="#step-monitor">Assign a monitor</a>' in assigned
    due = page.text.split('id="vitals-due"', 1)[1].split("</p>", 1)[0]
    started = world.services.sessions.get(world.actor(Role.NURSE), day.session_id)
    assert started.dosing_started_at is not None
    due_at = started.dosing_started_at + timedelta(minutes=10)  # the adult pack: every 10 min
    local = due_at.astimezone(ZoneInfo(world.clinic.timezone))
    assert f'Next due: vital signs at <strong data-field="vitals-due">{local:%H:%M}</strong>' in due
    assert "(every 10 min, by hand)" in due and 'data-field="vitals-overdue"' in due
    sent = client.post(
        f"/sessions/{day.session_id}/vitals",
        data={"csrf_token": csrf, **RECOVERY_VITALS, "sbp_mmhg": "212"},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:500]
    readings = world.services.alarms.readings(world.actor(Role.NURSE), day.session_id)
    assert {r.reading.parameter for r in readings} >= {Parameter.SBP, Parameter.RR}
    assert {r.reading.source for r in readings} == {ReadingSource.STAFF}
    sbps = [r for r in readings if r.reading.parameter is Parameter.SBP]
    assert [r.reading.value for r in sbps] == [Decimal(128), Decimal(212)]  # checklist, by hand
    alarms = world.services.alarms.for_session(world.actor(Role.NURSE), day.session_id)
    assert any(a.parameter == "sbp" and a.active for a in alarms)
    page = client.get(f"/sessions/{day.session_id}")
    assert 'id="no-monitor-banner"' not in page.text
    row = page.text.split('<tr data-vital="sbp">', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row)[:2] == ["Systolic BP", "212 mmHg"], row
    assert 'id="vitals-flowsheet"' in page.text  # every reading of the session, by source
    sheet = page.text.split('id="vitals-flowsheet"', 1)[1].split("</table>", 1)[0]
    rows = [r.split("</tr>", 1)[0] for r in sheet.split("<tr data-source=")[1:]]
    [dosing] = [r for r in rows if 'data-phase="dosing"' in r]
    assert dosing.startswith('"staff" data-phase="dosing" data-outside="sbp"'), dosing
    assert re.search(r'<td data-param="sbp"[^>]*><strong [^>]*>212</strong></td>', dosing)
    # the pre-dose checklist's vital signs are in the same table, oldest last, phase "pre-dose"
    predose = rows[-1]
    assert predose.startswith('"staff" data-phase="pre-dose"'), predose
    assert '<td data-label="Phase">pre-dose</td>' in predose
    cells = dict(re.findall(r'<td data-param="(\w+)"[^>]*>([^<]*)</td>', predose))
    assert cells == {"sbp": "128", "dbp": "82", "hr": "74", "spo2": "98", "rr": "–", "temp": "–"}


def test_bad_hand_entry_names_the_field_and_stores_nothing(
    world: World, day: Day, nurse: tuple[TestClient, str]
) -> None:
    client, csrf = nurse
    _ready(day)
    before = world.services.alarms.readings(world.actor(Role.NURSE), day.session_id)
    bad = client.post(
        f"/sessions/{day.session_id}/vitals",
        data={"csrf_token": csrf, "sbp_mmhg": "12O", "spo2_pct": "140"},
    )
    assert bad.status_code == 422
    assert 'id="vitals-sbp_mmhg-error"' in bad.text and 'id="vitals-spo2_pct-error"' in bad.text
    empty = client.post(f"/sessions/{day.session_id}/vitals", data={"csrf_token": csrf})
    assert empty.status_code == 422 and "enter at least one vital sign" in empty.text
    assert world.services.alarms.readings(world.actor(Role.NURSE), day.session_id) == before
    desk = TestClient(create_app(services=world.services))
    desk_csrf = web_login(desk, world, Role.FRONT_DESK)
    refused = desk.post(
        f"/sessions/{day.session_id}/vitals", data={"csrf_token": desk_csrf, "hr_per_min": "70"}
    )
    assert refused.status_code == 403


def test_a_monitor_is_assigned_from_the_session_page(
    world: World, day: Day, nurse: tuple[TestClient, str]
) -> None:
    client, csrf = nurse
    bad = client.post(
        f"/sessions/{day.session_id}/monitor", data={"csrf_token": csrf, "device_id": "nope"}
    )
    assert bad.status_code == 422 and "EUI-64" in bad.text
    done = client.post(
        f"/sessions/{day.session_id}/monitor",
        data={"csrf_token": csrf, "device_id": "de0000000000ab07"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    s = world.services.sessions.get(world.actor(Role.NURSE), day.session_id)
    assert s.monitor_device_id == "DE0000000000AB07"


def test_discharge_works_from_hand_entered_recovery_vitals(
    world: World, day: Day, nurse: tuple[TestClient, str]
) -> None:
    client, _ = nurse
    _infusing(day)
    world.clock.advance(minutes=40)
    day.flow.end_dosing(world.actor(Role.NURSE), day.session_id)
    day.flow.aldrete(world.actor(Role.NURSE), day.session_id, AldreteScore(2, 2, 2, 2, 2))
    world.clock.advance(minutes=61)
    csrf = web_login(client, world, Role.NURSE)
    sent = client.post(
        f"/sessions/{day.session_id}/vitals",
        data={"csrf_token": csrf, **RECOVERY_VITALS},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    page = client.get(f"/sessions/{day.session_id}")
    assert "Every criterion holds." in page.text
    done = client.post(
        f"/sessions/{day.session_id}/steps/discharge",
        data={"csrf_token": csrf, "escort_present": "on", "instructions_given": "on"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[:800]
    s = world.services.sessions.get(world.actor(Role.NURSE), day.session_id)
    assert s.state is SessionState.DISCHARGED


def test_the_board_card_says_plainly_when_no_monitor_is_assigned(
    world: World, day: Day, nurse: tuple[TestClient, str]
) -> None:
    client, _ = nurse
    _infusing(day)
    board = client.get("/board")
    assert f'href="/sessions/{day.session_id}"' in board.text
    world.clock.advance(minutes=12)
    web_login(client, world, Role.NURSE)
    board = client.get("/board")
    assert 'data-field="no-monitor"' not in board.text
    by_hand = board.text.split('data-field="by-hand"', 1)[1].split("</p>", 1)[0]
    assert "No monitor assigned — enter vital signs by hand · Next due" in by_hand


def test_an_assigned_monitor_that_stops_sending_raises_data_missing_and_says_so(
    world: World, day: Day, nurse: tuple[TestClient, str]
) -> None:
    client, _ = nurse
    _infusing(day)
    world.services.sessions.assign(
        world.actor(Role.NURSE), day.session_id, attendant_id=None, device_id="DE00000000000A07"
    )
    world.clock.advance(minutes=12)
    raised = world.services.monitoring.sweep(world.clinic.id)
    assert {"spo2-data-missing", "hr-data-missing"} <= {a.rule_id for a in raised}
    web_login(client, world, Role.NURSE)
    board = client.get("/board")
    assert "No monitor data for 12 min — enter vitals by hand or check the monitor" in board.text
    assert 'data-field="by-hand"' not in board.text
    page = client.get(f"/sessions/{day.session_id}")
    assert "No monitor data for 12 min — enter vitals by hand or check the monitor" in page.text
    assert 'id="no-monitor-assigned"' not in page.text
    assert 'Monitor <span data-field="monitor">DE00000000000A07</span>' in page.text


def test_an_admin_assigns_a_monitor_to_a_chair_and_its_readings_reach_the_session(
    world: World, day: Day
) -> None:
    _ready(day)
    chair_id = world.services.sessions.get(world.actor(Role.NURSE), day.session_id).chair_id
    with TestClient(create_app(services=world.services)) as admin:
        csrf = web_login(admin, world, Role.ADMIN)
        page = admin.get("/admin/monitors")
        assert page.status_code == 200 and "none: vitals by hand" in page.text
        bad = admin.post(
            "/admin/monitors",
            data={"csrf_token": csrf, "chair_id": str(chair_id), "device_id": "12"},
        )
        assert bad.status_code == 422 and 'id="monitor-device_id-error"' in bad.text
        done = admin.post(
            "/admin/monitors",
            data={"csrf_token": csrf, "chair_id": str(chair_id), "device_id": "de00000000000c01"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert "DE00000000000C01" in admin.get("/admin/monitors").text
        desk_csrf = web_login(admin, world, Role.FRONT_DESK)
        refused = admin.post(
            "/admin/monitors",
            data={
                "csrf_token": desk_csrf,
                "chair_id": str(chair_id),
                "device_id": "DE0000000000C002",
            },
        )
        assert refused.status_code == 403
    reading = VitalReading(
        Parameter.HR, Decimal(71), "/min", world.clock.now(), ReadingSource.MONITOR
    )
    result = world.services.monitoring.ingest(
        world.actor(Role.NURSE), VitalsBatch((reading,), device_id="DE00000000000C01")
    )
    assert result.session_id == day.session_id
