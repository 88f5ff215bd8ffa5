"""Monitoring hazards over the entry points, as the people at the chair would meet them.

Readings go in as a nurse through ``POST /api/v1/vitals`` (the bedside-vitals route the monitor
bridge and the session page share); each single-reading extreme raises its rule at once, naming
it, with the priority and action of the shipped adult pack. Getting past an alarm is then tried:
a physician approving, or a nurse resuming, over an unacknowledged pause alarm, or over an
acknowledged stop alarm, is refused naming the guard and the rule. An adolescent with a BP the
adolescent pack would hold cannot be signed eligible: a physician's override is refused naming
the hard-stop rule, an APP may not override at all. Sources: clinical.md §4.1,
§4.3, §4.6 (thresholds UNCONFIRMED, ``needs_signoff``), §6.3; IEC 60601-1-8 style priorities.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from tests.conftest import World
from tests.e2e.conftest import bearer
from tests.e2e.test_eligibility_gate_http import _sign
from tests.infusion_world import running_sessions
from tests.integration.test_evaluation_fixtures import (
    ADOLESCENT_INSTRUMENTS,
    enrol_adolescent,
    evaluation_for,
)
from tests.integration.test_evaluation_fixtures import AT as EVAL_AT

UNITS = {"sbp": "mm[Hg]", "dbp": "mm[Hg]", "hr": "/min", "rr": "/min", "spo2": "%"}


def _post(client: TestClient, world: World, sid: int, **values: str) -> list[dict[str, Any]]:
    at = world.clock.now().isoformat()
    readings = [{"parameter": p, "value": v, "unit": UNITS[p], "at": at} for p, v in values.items()]
    response = client.post(
        "/api/v1/vitals",
        json={"session_id": sid, "readings": readings},
        headers=bearer(client, world, Role.NURSE),
    )
    assert response.status_code == 201, response.text
    raised: list[dict[str, Any]] = response.json()["alarms_raised"]
    return raised


def _step(
    client: TestClient, world: World, role: Role, sid: int, step: str, body: dict[str, Any]
) -> Any:
    return client.post(
        f"/api/v1/sessions/{sid}/steps/{step}", headers=bearer(client, world, role), json=body
    )


@pytest.mark.parametrize(
    ("parameter", "value", "rule", "action"),
    [
        pytest.param("sbp", "78", "bp-systolic-low-severe", "pause", id="hypotension"),
        pytest.param("hr", "38", "hr-extreme-low", "pause", id="bradycardia"),
        pytest.param("rr", "42", "rr-extreme-high", "pause", id="tachypnoea"),
        pytest.param("hr", "180", "hr-extreme-high", "pause", id="hr-180"),
        pytest.param("rr", "5", "rr-extreme-low-stop", "stop", id="apnoea"),
    ],
)
def test_one_extreme_reading_raises_its_rule_at_once(
    client: TestClient, world: World, parameter: str, value: str, rule: str, action: str
) -> None:
    [monitor] = running_sessions(world)
    raised = _post(client, world, monitor.session.id, **{parameter: value})
    assert [(a["rule_id"], a["severity"], a["action"]) for a in raised] == [(rule, "high", action)]


@pytest.mark.parametrize(
    ("parameter", "value", "rule"),
    [
        pytest.param("sbp", "85", "bp-systolic-low-notify", id="hypotension-sustained"),
        pytest.param("hr", "45", "hr-low-notify", id="bradycardia-sustained"),
        pytest.param("rr", "34", "rr-high-notify", id="tachypnoea-sustained"),
        pytest.param("hr", "160", "hr-high-sustained", id="hr-160-sustained"),
    ],
)
def test_a_sustained_abnormal_reading_raises_on_the_second(
    client: TestClient, world: World, parameter: str, value: str, rule: str
) -> None:
    [monitor] = running_sessions(world)
    assert rule not in [
        a["rule_id"] for a in _post(client, world, monitor.session.id, **{parameter: value})
    ]
    world.clock.advance(seconds=130)
    second = _post(client, world, monitor.session.id, **{parameter: value})
    assert rule in [a["rule_id"] for a in second]


@pytest.mark.parametrize(
    ("parameter", "value", "rule"),
    [
        pytest.param("sbp", "210", "bp-systolic-severe", id="sbp-210-once"),
        pytest.param("dbp", "125", "bp-diastolic-severe", id="dbp-125-once"),
    ],
)
def test_a_severe_bp_surge_pauses_at_once_and_a_nurse_cannot_resume_over_it(
    client: TestClient, world: World, parameter: str, value: str, rule: str
) -> None:
    [monitor] = running_sessions(world)
    sid = monitor.session.id
    raised = _post(client, world, sid, **{parameter: value})
    assert [(a["rule_id"], a["severity"], a["action"]) for a in raised] == [(rule, "high", "pause")]
    assert _step(client, world, Role.NURSE, sid, "pause", {"reason": "BP surge"}).status_code == 200
    approved = _step(client, world, Role.PHYSICIAN, sid, "resume-approval", {"reason": "rechecked"})
    assert approved.status_code == 409, approved.text
    assert any(r.startswith(f"alarms_acknowledged[{rule}]: ") for r in approved.json()["reasons"])
    resumed = _step(client, world, Role.NURSE, sid, "resume", {"reason": "settled"})
    assert resumed.status_code in (409, 422), resumed.text
    assert any(r.startswith(f"alarms_acknowledged[{rule}]: ") for r in resumed.json()["reasons"])


def test_a_stop_alarm_is_high_priority_and_acknowledging_it_does_not_let_dosing_resume(
    client: TestClient, world: World
) -> None:
    [monitor] = running_sessions(world)
    sid = monitor.session.id
    [alarm] = _post(client, world, sid, spo2="85")
    assert (alarm["rule_id"], alarm["severity"], alarm["action"]) == (
        "spo2-deep-stop",
        "high",
        "stop",
    )
    nurse = bearer(client, world, Role.NURSE)
    acked = client.post(
        f"/api/v1/alarms/{alarm['id']}/acknowledge",
        headers=nurse,
        json={"action": "pause", "note": "oxygen on, jaw thrust"},
    )
    assert acked.status_code == 200, acked.text
    approved = _step(client, world, Role.PHYSICIAN, sid, "resume-approval", {"reason": "SpO2 96"})
    assert approved.status_code == 409, approved.text  # a hard stop is never approved over
    assert any(r.startswith("no_stop_alarm[spo2-deep-stop]: ") for r in approved.json()["reasons"])
    resumed = _step(client, world, Role.NURSE, sid, "resume", {"reason": "SpO2 back"})
    assert resumed.status_code in (409, 422), resumed.text
    assert any(r.startswith("no_stop_alarm[spo2-deep-stop]: ") for r in resumed.json()["reasons"])


def test_no_one_signs_an_adolescent_eligible_at_a_bp_the_pack_holds(
    client: TestClient, world: World
) -> None:
    from ketaclinic.adapters.evaluation_codec import dump_evaluation

    enrolled = enrol_adolescent(world)
    body = dump_evaluation(evaluation_for(15, ADOLESCENT_INSTRUMENTS))
    body["medical"]["blood_pressures"] = [
        {"at": EVAL_AT.isoformat(), "sbp_mmhg": "165", "dbp_mmhg": "95"}
    ]
    app = bearer(client, world, Role.APP)
    made = client.post(f"/api/v1/courses/{enrolled.course_id}/evaluation", headers=app, json=body)
    assert made.status_code == 201, made.text
    findings = client.get(f"/api/v1/courses/{enrolled.course_id}/eligibility", headers=app).json()
    hard = next(f for f in findings["findings"] if f["rule"] == "uncontrolled_hypertension")
    assert "165/95" in hard["evidence"] and findings["decision"] == "not_eligible"
    physician = bearer(client, world, Role.PHYSICIAN)
    override = [{"rule": "uncontrolled_hypertension", "reason": "Synthetic: white coat"}]
    overriding = _sign(client, enrolled.course_id, physician, overrides=override)
    assert overriding.status_code == 409, overriding.text
    assert any(
        r.startswith("uncontrolled_hypertension: a hard stop cannot be overridden")
        for r in overriding.json()["reasons"]
    )
    by_app = _sign(client, enrolled.course_id, app, overrides=override)
    assert by_app.status_code == 403 and "eligibility.override" in by_app.text


def test_a_nurse_cannot_keep_dosing_on_a_stop_alarm_and_declining_a_pause_needs_a_reason(
    client: TestClient, world: World
) -> None:
    """Acknowledging is not acting: a stop rule's alarm acknowledged as "no change" while dosing
    is refused naming ``alarm.required_action``, and a bare "no change" on a pause rule needs the
    nurse's written reason. Following the rule takes one click with no note."""
    [monitor] = running_sessions(world)
    sid = monitor.session.id
    [alarm] = _post(client, world, sid, spo2="85")
    nurse = bearer(client, world, Role.NURSE)
    url = f"/api/v1/alarms/{alarm['id']}/acknowledge"
    kept = client.post(url, headers=nurse, json={"action": "none", "note": "patient feels fine"})
    assert kept.status_code == 409, kept.text
    assert "alarm.required_action" in kept.text
    bare = client.post(url, headers=nurse, json={"action": "pause", "note": ""})
    assert bare.status_code == 422 and "alarm.required_action" in bare.text
    assert _state(world, sid) is SessionState.INFUSING
    stopped = client.post(url, headers=nurse, json={"action": "stop", "note": ""})
    assert stopped.status_code == 200, stopped.text
    assert _state(world, sid) is SessionState.STOPPED


def test_only_a_prescriber_with_a_reason_keeps_dosing_against_a_pause_rule(
    client: TestClient, world: World
) -> None:
    """A severe BP reading requires a pause: a nurse acknowledging it as "no change" is refused
    naming ``alarm.required_action`` (she pauses, the prescriber decides); a physician may keep
    dosing, with a written reason recorded as an override."""
    [monitor] = running_sessions(world)
    sid = monitor.session.id
    [alarm] = _post(client, world, sid, sbp="215")
    assert alarm["action"] == "pause"
    url = f"/api/v1/alarms/{alarm['id']}/acknowledge"
    nurse = bearer(client, world, Role.NURSE)
    kept = client.post(url, headers=nurse, json={"action": "none", "note": "artefact"})
    assert kept.status_code == 409 and "only a prescriber" in kept.text
    physician = bearer(client, world, Role.PHYSICIAN)
    bare = client.post(url, headers=physician, json={"action": "none", "note": ""})
    assert bare.status_code == 422 and "alarm.required_action" in bare.text
    decided = client.post(
        url, headers=physician, json={"action": "none", "note": "manual BP 138/84, cuff artefact"}
    )
    assert decided.status_code == 200, decided.text
    assert _state(world, sid) is SessionState.INFUSING


def _state(world: World, sid: int) -> SessionState:
    return world.services.sessions.get(world.actor(Role.NURSE), sid).state
