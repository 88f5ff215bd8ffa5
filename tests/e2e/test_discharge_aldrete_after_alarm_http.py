"""A modified Aldrete score taken before an alarm in recovery does not count: discharge is refused
(rule ``aldrete_after_alarm``, never overridden) through the service, the web form and the JSON
API, and the session page says so before anyone tries; a new score after the alarm lets the
discharge go through."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.errors import SafetyBlock
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.alarms import Alarm
from ketaclinic.domain.infusion.discharge import AldreteScore
from ketaclinic.domain.infusion.records import AckAction
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.protocols.sections import AlertAction, AlertSeverity
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.e2e.test_discharge_alarm_ack_http import DISCHARGE, _vitals
from tests.infusion_world import start_fields
from tests.integration.test_session_workflow import Day, _ready, make_day

STALE = re.compile(
    r"an alarm at \d\d:\d\d came after the modified Aldrete score of \d\d:\d\d: score again"
)


@pytest.fixture
def day(world: World) -> Day:
    return make_day(world)


def _scored_in_recovery(day: Day) -> None:
    """Dosed for 40 minutes, ended, settled vitals and an Aldrete score of 10/10."""
    w, nurse = day.world, day.world.actor(Role.NURSE)
    _ready(day)
    day.flow.start(nurse, day.session_id, start_fields(w))
    w.clock.advance(minutes=40)
    day.flow.end_dosing(nurse, day.session_id)
    _vitals(day, sbp=126)
    day.flow.aldrete(nurse, day.session_id, AldreteScore(2, 2, 2, 2, 2))


def _scored_then_alarm(day: Day) -> None:
    """Recovery: Aldrete 10/10, then a severe systolic BP raises a high alarm five minutes later;
    the BP settles and the alarm is acknowledged, so only the stale score stands in the way."""
    w, nurse = day.world, day.world.actor(Role.NURSE)
    _scored_in_recovery(day)
    w.clock.advance(minutes=5)
    _vitals(day, sbp=206)
    w.clock.advance(minutes=5)
    _vitals(day, sbp=128)
    alarms = w.services.alarms.for_session(nurse, day.session_id)
    assert alarms, "the severe systolic BP raised an alarm"
    for alarm in alarms:
        w.services.alarms.acknowledge(nurse, alarm.id, AckAction.NONE, "settled on recheck")
    w.clock.advance(minutes=60)


def test_the_nurse_cannot_discharge_on_a_score_taken_before_the_alarm(day: Day) -> None:
    w, nurse = day.world, day.world.actor(Role.NURSE)
    _scored_then_alarm(day)
    unmet = day.flow.check_discharge(nurse, day.session_id).unmet
    assert [u.id for u in unmet] == ["aldrete_after_alarm"]
    assert STALE.search(unmet[0].message), unmet[0].message
    with pytest.raises(SafetyBlock) as refused:
        day.flow.discharge(nurse, day.session_id, DISCHARGE)
    assert [r.split(":", 1)[0] for r in refused.value.reasons] == ["aldrete_after_alarm"]
    override = {**DISCHARGE, "override_reason": "looks well", "extended_observation_min": "61"}
    with pytest.raises(SafetyBlock) as never:  # a physician cannot sign against a stale score
        day.flow.discharge(w.actor(Role.PHYSICIAN), day.session_id, override)
    assert never.value.field == "aldrete_after_alarm"
    state = w.services.sessions.get(nurse, day.session_id).state
    assert state is SessionState.RECOVERY
    w.clock.advance(minutes=1)
    day.flow.aldrete(nurse, day.session_id, AldreteScore(2, 2, 2, 2, 2))
    assert day.flow.check_discharge(nurse, day.session_id).allowed
    assert day.flow.discharge(nurse, day.session_id, DISCHARGE).state is SessionState.DISCHARGED


def test_the_api_refuses_until_the_nurse_scores_again(client: TestClient, day: Day) -> None:
    w = day.world
    _scored_then_alarm(day)
    url = f"/api/v1/sessions/{day.session_id}/steps/discharge"
    refused = client.post(url, headers=bearer(client, w, Role.NURSE), json=DISCHARGE)
    assert refused.status_code in (409, 422), refused.text
    reasons = refused.json()["reasons"]
    assert len(reasons) == 1 and reasons[0].startswith("aldrete_after_alarm:"), refused.text
    assert STALE.search(reasons[0]), reasons[0]
    w.clock.advance(minutes=1)
    score = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2}
    scored = client.post(
        f"/api/v1/sessions/{day.session_id}/steps/aldrete",
        headers=bearer(client, w, Role.NURSE),
        json=score,
    )
    assert scored.status_code in (200, 201), scored.text
    done = client.post(url, headers=bearer(client, w, Role.NURSE), json=DISCHARGE)
    assert done.status_code == 200, done.text
    state = w.services.sessions.get(w.actor(Role.NURSE), day.session_id).state
    assert state is SessionState.DISCHARGED


def test_the_session_page_says_to_score_again_and_the_form_refuses(
    client: TestClient, day: Day
) -> None:
    w = day.world
    _scored_then_alarm(day)
    csrf = web_login(client, w, Role.NURSE)
    page = client.get(f"/sessions/{day.session_id}").text
    unmet = page.split('id="unmet"', 1)[1].split("</ul>", 1)[0]
    assert 'data-criterion="aldrete_after_alarm"' in unmet
    assert STALE.search(unmet), unmet
    form = {"csrf_token": csrf, "escort_present": "on", "instructions_given": "on"}
    refused = client.post(
        f"/sessions/{day.session_id}/steps/discharge", data=form, follow_redirects=False
    )
    assert refused.status_code in (409, 422), refused.status_code
    assert STALE.search(refused.text)
    w.clock.advance(minutes=1)
    day.flow.aldrete(w.actor(Role.NURSE), day.session_id, AldreteScore(2, 2, 2, 2, 2))
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


def test_an_alarm_about_the_equipment_or_charting_asks_for_no_new_score(day: Day) -> None:
    """No SpO2 data or vitals overdue after the score says nothing new about the patient; an
    alarm on the patient's readings does."""
    w, nurse = day.world, day.world.actor(Role.NURSE)
    _scored_in_recovery(day)
    w.clock.advance(minutes=61)
    patient_id = day.flow.day(nurse, day.session_id).session.patient_id
    with w.services.uow() as uow:
        for rule_id, parameter in (("spo2-data-missing", "spo2"), ("vitals-overdue", "overdue")):
            alarm = Alarm(
                rule_id=rule_id,
                dedup_key=f"alarm:{rule_id}",
                parameter=parameter,
                severity=AlertSeverity.MEDIUM,
                action=AlertAction.NOTIFY,
                triggering=(),
                message=f"{rule_id} (synthetic)",
                source="test",
                needs_signoff=False,
                raised_at=w.clock.now(),
            )
            uow.alarms.add(w.clinic.id, day.session_id, patient_id, alarm)
            uow.alarms.clear(
                w.clinic.id, day.session_id, alarm.dedup_key, at=w.clock.now(), message="back"
            )
        uow.commit()
    unmet = [u.id for u in day.flow.check_discharge(nurse, day.session_id).unmet]
    assert "aldrete_after_alarm" not in unmet, unmet
