"""A high-priority alarm nobody acknowledged blocks discharge, even once its condition has cleared
(rule ``high_alarms_acknowledged``), over the web form and the JSON API; the refusal lists the
alarm in plain words; once a nurse acknowledges it on the board, discharge goes through."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.discharge import AldreteScore
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading
from ketaclinic.services.infusion.monitor_messages import VitalsBatch
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.infusion_world import start_fields
from tests.integration.test_session_workflow import Day, _ready, make_day

DISCHARGE = {"escort_present": True, "instructions_given": True}


@pytest.fixture
def day(world: World) -> Day:
    return make_day(world)


def _vitals(day: Day, sbp: int) -> None:
    values = {"sbp": sbp, "dbp": 80, "hr": 76, "spo2": 98, "rr": 14}
    units = {"sbp": "mm[Hg]", "dbp": "mm[Hg]", "hr": "/min", "spo2": "%", "rr": "/min"}
    readings = tuple(
        VitalReading(Parameter(p), Decimal(v), units[p], day.world.clock.now(), ReadingSource.STAFF)
        for p, v in values.items()
    )
    nurse = day.world.actor(Role.NURSE)
    day.world.services.monitoring.ingest(nurse, VitalsBatch(readings, session_id=day.session_id))


def _recovered_with_a_cleared_high_alarm(day: Day) -> int:
    """Recovery where a severe systolic BP raised a high alarm that has since cleared."""
    w, nurse = day.world, day.world.actor(Role.NURSE)
    _ready(day)
    day.flow.start(nurse, day.session_id, start_fields(w))
    w.clock.advance(minutes=40)
    day.flow.end_dosing(nurse, day.session_id)
    _vitals(day, sbp=212)
    w.clock.advance(minutes=5)
    _vitals(day, sbp=126)
    day.flow.aldrete(nurse, day.session_id, AldreteScore(2, 2, 2, 2, 2))
    w.clock.advance(minutes=61)
    _vitals(day, sbp=124)
    [alarm] = [
        a for a in w.services.alarms.for_session(nurse, day.session_id) if a.severity == "high"
    ]
    assert not alarm.active and alarm.acknowledged_at is None
    return alarm.id


def _acknowledge(client: TestClient, world: World, alarm_id: int) -> None:
    csrf = web_login(client, world, Role.NURSE)
    done = client.post(
        f"/board/alarms/{alarm_id}/acknowledge",
        data={"action": "none", "note": "condition cleared on recheck"},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert done.status_code == 200, done.text[:800]


def test_the_api_refuses_discharge_until_every_high_alarm_is_acknowledged(
    client: TestClient, day: Day
) -> None:
    w = day.world
    alarm_id = _recovered_with_a_cleared_high_alarm(day)
    url = f"/api/v1/sessions/{day.session_id}/steps/discharge"
    refused = client.post(url, headers=bearer(client, w, Role.NURSE), json=DISCHARGE)
    assert refused.status_code in (409, 422), refused.text
    reasons = [r for r in refused.json()["reasons"] if r.startswith("high_alarms_acknowledged:")]
    assert len(reasons) == 1, refused.text
    assert "not acknowledged" in reasons[0] and "condition has cleared" in reasons[0]
    physician = {**DISCHARGE, "override_reason": "settled", "extended_observation_min": "61"}
    never = client.post(url, headers=bearer(client, w, Role.PHYSICIAN), json=physician)
    assert never.status_code in (409, 422) and "high_alarms_acknowledged" in never.text
    state = w.services.sessions.get(w.actor(Role.NURSE), day.session_id).state
    assert state is SessionState.RECOVERY
    _acknowledge(client, w, alarm_id)
    done = client.post(url, headers=bearer(client, w, Role.NURSE), json=DISCHARGE)
    assert done.status_code == 200, done.text
    state = w.services.sessions.get(w.actor(Role.NURSE), day.session_id).state
    assert state is SessionState.DISCHARGED


def test_the_session_page_names_the_unacknowledged_alarm_and_the_form_refuses(
    client: TestClient, day: Day
) -> None:
    w = day.world
    alarm_id = _recovered_with_a_cleared_high_alarm(day)
    csrf = web_login(client, w, Role.NURSE)
    page = client.get(f"/sessions/{day.session_id}").text
    unmet = page.split('id="unmet"', 1)[1].split("</ul>", 1)[0]
    assert 'data-criterion="high_alarms_acknowledged"' in unmet
    assert "high-priority alarm not acknowledged" in unmet
    assert "Every criterion holds." not in unmet
    [alarm] = [a for a in w.services.alarms.for_session(w.actor(Role.NURSE), day.session_id)]
    [item] = [li for li in unmet.split("<li")[1:] if "high_alarms_acknowledged" in li]
    said, why = item.split('<details class="why">', 1)
    assert "Systolic BP 212 mmHg at " in said, said
    assert alarm.rule_id not in said and "rule " not in said, said
    assert f"rule {alarm.rule_id}" in why
    form = {"csrf_token": csrf, "escort_present": "on", "instructions_given": "on"}
    refused = client.post(
        f"/sessions/{day.session_id}/steps/discharge", data=form, follow_redirects=False
    )
    assert refused.status_code in (409, 422), refused.status_code
    assert "high-priority alarm not acknowledged" in refused.text
    _acknowledge(client, w, alarm_id)
    csrf = web_login(client, w, Role.NURSE)
    assert "Every criterion holds." in client.get(f"/sessions/{day.session_id}").text
    done = client.post(
        f"/sessions/{day.session_id}/steps/discharge",
        data={**form, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[:800]
    state = w.services.sessions.get(w.actor(Role.NURSE), day.session_id).state
    assert state is SessionState.DISCHARGED
