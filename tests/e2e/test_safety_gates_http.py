"""The safety gates over HTTP, each tried the way around it by the role who would try it.

Every refusal names its rule. Pre-dose BP: a nurse typing a "prescriber's decision" is refused
(``predose_bp``), a nurse cannot record a decision (403), and above the eligibility hard stop
(``predose_bp_hard_stop``, clinical.md §1.2) no one can start, a physician included.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.assessments.safety import Urgency
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.discharge import AldreteScore
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.integration.plans import NoteKind
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.services.assessments.safety import SafetyFlag, open_tasks
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.infusion_world import start_fields
from tests.integration.test_orders_service import set_up_course
from tests.integration.test_session_workflow import (
    CHECK_IN,
    Day,
    _pre_dose,
    _premed_and_iv,
    _ready,
    make_day,
)
from tests.integration_world import course_on, signed_note
from tests.kat_dosing import dosed_kat_session


@pytest.fixture
def day(world: World) -> Day:
    return make_day(world)


def _step(client: TestClient, day: Day, role: Role, step: str, body: dict[str, Any]) -> Any:
    url = f"/api/v1/sessions/{day.session_id}/steps/{step}"
    return client.post(url, headers=bearer(client, day.world, role), json=body)


def _checked_in(day: Day) -> None:
    day.flow.check_in(day.world.actor(Role.NURSE), day.session_id, CHECK_IN)
    _premed_and_iv(day)


def _state(client: TestClient, day: Day) -> str:
    auth = bearer(client, day.world, Role.NURSE)
    record = client.get(f"/api/v1/sessions/{day.session_id}/record", headers=auth).json()
    return str(record["session"]["state"])


def test_nurse_typing_a_prescriber_decision_on_the_checklist_is_refused(
    client: TestClient, day: Day
) -> None:
    _checked_in(day)
    held = dict(_pre_dose(day, sbp_mmhg="186", dbp_mmhg="96", recheck_sbp_mmhg="180"))
    typed = _step(client, day, Role.NURSE, "pre-dose", {**held, "prescriber_bp_decision": "ok"})
    assert typed.status_code == 422
    assert "predose_bp" in typed.json()["fields"]["prescriber_bp_decision"]
    waiting = _step(client, day, Role.NURSE, "pre-dose", held)
    assert waiting.status_code in (409, 422) and "predose_bp" in waiting.text
    nurse_decides = _step(
        client, day, Role.NURSE, "predose-decision", {"decision": "proceed", "reason": "ok"}
    )
    assert nurse_decides.status_code == 403
    assert _state(client, day) == "checked_in"
    app = _step(
        client,
        day,
        Role.APP,
        "predose-decision",
        {"decision": "proceed", "reason": "asymptomatic; recheck 180/96"},
    )
    assert app.status_code == 200, app.text
    assert app.json()["session"]["state"] == "ready"
    decision = next(r for r in app.json()["records"] if r["kind"] == "predose_decision")
    assert decision["payload"]["prescriber_role"] == "app"
    assert decision["payload"]["prescriber_name"]


def test_nobody_starts_above_the_bp_hard_stop(client: TestClient, day: Day) -> None:
    _checked_in(day)
    body = dict(_pre_dose(day, sbp_mmhg="230", dbp_mmhg="132", recheck_sbp_mmhg="230"))
    body["recheck_dbp_mmhg"] = "132"
    stopped = _step(client, day, Role.NURSE, "pre-dose", body)
    assert stopped.status_code in (409, 422)
    assert stopped.json()["field"] == "predose_bp_hard_stop"
    physician = _step(
        client, day, Role.PHYSICIAN, "predose-decision", {"decision": "proceed", "reason": "ok"}
    )
    assert physician.status_code in (409, 422)
    assert "predose_bp_hard_stop" in physician.text
    start = _step(client, day, Role.PHYSICIAN, "start", {"lot": "KET-DEMO-1", "given_by": "Dr"})
    assert start.status_code in (409, 422)
    assert _state(client, day) == "checked_in"


def test_the_prescriber_decides_on_the_session_page_and_the_waiting_list(
    client: TestClient, day: Day
) -> None:
    _checked_in(day)
    held = dict(_pre_dose(day, sbp_mmhg="186", dbp_mmhg="96", recheck_sbp_mmhg="180"))
    assert _step(client, day, Role.NURSE, "pre-dose", held).status_code in (409, 422)
    csrf = web_login(client, day.world, Role.PHYSICIAN)
    worklist = client.get("/worklist/safety")
    assert f'data-session-id="{day.session_id}"' in worklist.text
    page = client.get(f"/sessions/{day.session_id}")
    assert 'id="step-predose-decision"' in page.text
    decided = client.post(
        f"/sessions/{day.session_id}/steps/predose-decision",
        data={"csrf_token": csrf, "decision": "proceed", "reason": "asymptomatic"},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    assert _state(client, day) == "ready"


# -- safety-task dispositions -------------------------------------------------------------------
def _high_risk_task(day: Day) -> int:
    w = day.world
    with w.services.uow() as uow:
        flag = SafetyFlag("cssrs.high_risk", "C-SSRS high risk", Urgency.URGENT)
        [task] = open_tasks(
            uow, w.clock, w.actor(Role.NURSE), day.setup.patient_id, [flag], source="test"
        )
        uow.commit()
    return task.id


def _close(client: TestClient, day: Day, role: Role, task_id: int, disposition: str) -> Any:
    body = {
        "risk_level": "high",
        "plan": "Seen today; crisis plan written.",
        "disposition": disposition,
    }
    if disposition == "continue_treatment":
        body["risk_level"] = "low"
    return client.post(
        f"/api/v1/safety/tasks/{task_id}/assessment",
        headers=bearer(client, day.world, role),
        json=body,
    )


@pytest.mark.parametrize(
    "disposition", ["hold_treatment", "admit", "refer_emergency", "refer_outpatient"]
)
def test_closing_a_safety_task_as_hold_admit_or_refer_keeps_check_in_blocked(
    client: TestClient, day: Day, disposition: str
) -> None:
    task_id = _high_risk_task(day)
    assert _close(client, day, Role.NURSE, task_id, disposition).status_code == 403
    closed = _close(client, day, Role.APP, task_id, disposition)
    assert closed.status_code == 200, closed.text
    check_in = _step(client, day, Role.NURSE, "check-in", CHECK_IN)
    assert check_in.status_code in (409, 422)
    assert "safety_disposition" in check_in.text and disposition.replace("_", " ") in check_in.text
    assert _state(client, day) == "scheduled"
    [follow_up] = day.world.services.safety.worklist(day.world.actor(Role.NURSE))
    app_clears = _close(client, day, Role.APP, follow_up.id, "continue_treatment")
    assert app_clears.status_code == 403 and "safety_disposition" in app_clears.text
    cleared = _close(client, day, Role.PHYSICIAN, follow_up.id, "continue_treatment")
    assert cleared.status_code == 200, cleared.text
    assert _step(client, day, Role.NURSE, "check-in", CHECK_IN).status_code == 200


# -- discharge overrides ------------------------------------------------------------------------
def _in_recovery(day: Day, aldrete: AldreteScore) -> None:
    nurse = day.world.actor(Role.NURSE)
    _ready(day)
    day.flow.start(
        nurse,
        day.session_id,
        start_fields(day.world, lot="KET-DEMO-7"),
    )
    day.world.clock.advance(minutes=40)
    day.flow.end_dosing(nurse, day.session_id)
    day.flow.aldrete(nurse, day.session_id, aldrete)


def test_app_cannot_override_escort_open_safety_gate_or_observation_at_discharge(
    client: TestClient, day: Day
) -> None:
    _in_recovery(day, AldreteScore(1, 1, 1, 2, 1))  # Aldrete 6
    _high_risk_task(day)
    day.world.clock.advance(minutes=5)
    body = {
        "instructions_given": True,
        "override_reason": "ride share",
        "extended_observation_min": 5,
    }
    app = _step(client, day, Role.APP, "discharge", body)
    assert app.status_code in (403, 409, 422)
    assert "discharge_override" in app.text  # an APP signs no override at all
    physician = _step(client, day, Role.PHYSICIAN, "discharge", body)
    assert physician.status_code in (409, 422)
    for never in ("escort_present", "safety_gates_clear", "min_observation"):
        assert never in physician.text
    assert "never overridden" in physician.text
    assert _state(client, day) == "recovery"


def test_physician_override_needs_a_reason_and_an_extended_observation(
    client: TestClient, day: Day
) -> None:
    _in_recovery(day, AldreteScore(2, 2, 2, 2, 0))  # Aldrete 8: below the pack's 9
    day.world.clock.advance(minutes=35)
    body: dict[str, Any] = {"escort_present": True, "instructions_given": True}
    refused = _step(client, day, Role.PHYSICIAN, "discharge", body)
    assert refused.status_code in (409, 422) and "aldrete" in refused.text
    body["override_reason"] = "SpO2 96% on room air; probe fault scored 0"
    short = _step(client, day, Role.PHYSICIAN, "discharge", body)
    assert short.status_code == 422 and "extended_observation_min" in short.json()["fields"]
    body["extended_observation_min"] = 60
    early = _step(client, day, Role.PHYSICIAN, "discharge", body)
    assert early.status_code in (409, 422) and early.json()["field"] == "extended_observation_min"
    day.world.clock.advance(minutes=30)
    done = _step(client, day, Role.PHYSICIAN, "discharge", body)
    assert done.status_code == 200, done.text
    note = next(r for r in done.json()["records"] if r["kind"] == "discharge")["payload"]
    assert "aldrete" in note["overridden"]
    assert note["override_role"] == "physician" and note["extended_observation_min"] == 60


# -- the ketamine dose gate (every route, the KAT journey included) ----------------------------
def _journey_body(day_world: World, session_id: int | None, **extra: str) -> dict[str, Any]:
    """A journey record names its session; the dose is never sent (it is the session's)."""
    body: dict[str, Any] = {
        "attendant_id": day_world.actor(Role.COACH).staff_id,
        "setting": ["quiet_room"],
        **extra,
    }
    if session_id is not None:
        body["session_id"] = session_id
    return body


def test_coach_cannot_record_a_kat_dose_without_a_gated_session(
    client: TestClient, world: World
) -> None:
    course_id, chair = course_on(world, "kat-holistic")  # still referred: not eligible
    coach = bearer(client, world, Role.COACH)
    url = f"/api/v1/courses/{course_id}/journeys"
    alone = client.post(url, headers=coach, json=_journey_body(world, None))
    assert alone.status_code == 422
    assert "session_id" in alone.json()["fields"]
    session = world.services.sessions.create(
        world.actor(Role.PHYSICIAN), course_id, chair, unscheduled_reason="walk-in"
    )
    undosed = client.post(url, headers=coach, json=_journey_body(world, session.id))
    assert undosed.status_code in (409, 422)
    assert undosed.json()["field"] == "dose_gate" and "dose_gate.session" in undosed.text
    assert world.services.journeys.for_course(world.actor(Role.COACH), course_id) == []


def test_coach_cannot_start_a_dose_on_an_evaluating_course_with_an_open_gate(
    client: TestClient, world: World
) -> None:
    course_id, chair = course_on(world, "kat-holistic")
    signed_note(world, course_id, NoteKind.PREPARATORY)
    services = world.services
    services.courses.move(world.actor(Role.PHYSICIAN), course_id, CourseState.EVALUATING)
    nurse, coach = world.actor(Role.NURSE), world.actor(Role.COACH)
    s = services.sessions.create(
        world.actor(Role.PHYSICIAN), course_id, chair, unscheduled_reason="walk-in"
    )
    services.sessions.assign(nurse, s.id, attendant_id=coach.staff_id, device_id=None)
    with services.uow() as uow:  # straight to ready in storage: the dose gate is under test
        for to in (SessionState.CHECKED_IN, SessionState.READY):
            current = uow.sessions.get(world.clinic.id, s.id)
            assert current is not None
            uow.sessions.move(current, to, by=nurse.staff_id or 0, at=world.clock.now(), reason="")
        uow.commit()
    with services.uow() as uow:
        course = uow.courses.get(world.clinic.id, course_id)
        assert course is not None
        flag = SafetyFlag("cssrs.high_risk", "C-SSRS high risk", Urgency.URGENT)
        open_tasks(uow, world.clock, nurse, course.patient_id, [flag], source="test")
        uow.commit()
    fields = start_fields(world, lot="KET-DEMO-IM", attending=str(world.actor(Role.COACH).staff_id))
    url = f"/api/v1/sessions/{s.id}/steps/start"
    coach_try = client.post(url, headers=bearer(client, world, Role.COACH), json=fields)
    assert coach_try.status_code == 403 and "session.nursing_step" in coach_try.text
    started = client.post(url, headers=bearer(client, world, Role.NURSE), json=fields)
    assert started.status_code in (409, 422)
    body = started.json()
    assert body["field"] == "dose_gate"
    text = started.text
    for item in (
        "dose_gate.course",
        "dose_gate.consent",
        "dose_gate.safety_gates",
        "dose_gate.order",
        "dose_gate.vitals",
    ):
        assert item in text, item
    with services.uow() as uow:
        assert uow.session_records.for_session(world.clinic.id, s.id) == []


def test_a_kat_journey_is_recorded_for_the_gated_session_only(
    client: TestClient, world: World
) -> None:
    dose = dosed_kat_session(world)
    coach = bearer(client, world, Role.COACH)
    url = f"/api/v1/courses/{dose.setup.course_id}/journeys"
    dosed = _journey_body(world, dose.session_id, dose_mg="150")
    wrong = client.post(url, headers=coach, json=dosed)
    assert wrong.status_code == 422 and "dose_mg" in wrong.json()["fields"]
    done = client.post(url, headers=coach, json=_journey_body(world, dose.session_id))
    assert done.status_code == 201, done.text
    c = dose.order.content
    assert (done.json()["route"], done.json()["dose_mg"]) == (c.route.value, str(c.dose_mg))
    again = client.post(url, headers=coach, json=_journey_body(world, dose.session_id))
    assert again.status_code == 409 and again.json()["field"] == "session_id"


# -- the prescriber's chosen dosing weight ------------------------------------------------------
IV_ORDER = {
    "route": "iv",
    "mg_per_kg": "0.5",
    "vial_mg_per_ml": "50",
    "final_volume_ml": "100",
    "premedications": ["ondansetron"],
}


def test_a_short_adult_with_obesity_is_dosed_on_a_weight_only_a_prescriber_chooses(
    client: TestClient, world: World
) -> None:
    setup = set_up_course(
        world.services,
        world.clock,
        world.actor(Role.PHYSICIAN),
        world.actor(Role.FRONT_DESK),
        weight_kg="70",
        height_cm="150",
    )
    url = f"/api/v1/courses/{setup.course_id}/orders"
    app = bearer(client, world, Role.APP)
    refused = client.post(url, headers=app, json=IV_ORDER)
    assert refused.status_code == 409 and "chosen_weight_kg" in refused.text
    chosen = {**IV_ORDER, "chosen_weight_kg": "62", "chosen_weight_reason": "short stature"}
    nurse = client.post(url, headers=bearer(client, world, Role.NURSE), json=chosen)
    assert nurse.status_code == 403
    no_reason = client.post(url, headers=app, json={**chosen, "chosen_weight_reason": ""})
    assert no_reason.status_code == 422
    assert "chosen_weight_reason" in no_reason.json()["fields"]
    too_heavy = client.post(url, headers=app, json={**chosen, "chosen_weight_kg": "80"})
    assert too_heavy.status_code == 422 and "chosen_weight_kg" in too_heavy.json()["fields"]
    signed = client.post(url, headers=app, json=chosen)
    assert signed.status_code == 201, signed.text
    order = signed.json()
    assert order["dose_mg"] == "31.0"
    assert order["weight_basis"] == "clinician" and "short stature" in order["weight_formula"]
    web_login(client, world, Role.NURSE)
    page = client.get(f"/orders/{order['id']}")
    assert "clinician basis" in page.text and "short stature" in page.text


def test_the_order_form_takes_the_chosen_weight_and_its_reason(
    client: TestClient, world: World
) -> None:
    setup = set_up_course(
        world.services,
        world.clock,
        world.actor(Role.PHYSICIAN),
        world.actor(Role.FRONT_DESK),
        weight_kg="70",
        height_cm="150",
    )
    csrf = web_login(client, world, Role.PHYSICIAN)
    form = {**IV_ORDER, "csrf_token": csrf, "action": "sign", "chosen_weight_kg": "62"}
    missing = client.post(f"/courses/{setup.course_id}/orders", data=form)
    assert missing.status_code == 422 and "say why this dosing weight was chosen" in missing.text
    form["chosen_weight_reason"] = "short stature; weight chosen by hand"
    signed = client.post(f"/courses/{setup.course_id}/orders", data=form, follow_redirects=False)
    assert signed.status_code == 303, signed.text
    page = client.get(signed.headers["location"])
    assert "clinician basis" in page.text and "weight chosen by hand" in page.text


def test_app_documenting_safe_to_continue_on_the_web_form_is_refused_naming_the_rule(
    client: TestClient, day: Day
) -> None:
    task_id = _high_risk_task(day)
    csrf = web_login(client, day.world, Role.APP)
    form = {
        "csrf_token": csrf,
        "risk_level": "low",
        "plan": "Seen today; crisis plan written.",
        "disposition": "continue_treatment",
    }
    refused = client.post(f"/safety/tasks/{task_id}/assess", data=form)
    assert refused.status_code == 403 and "safety_disposition" in refused.text
    assert day.world.services.safety.task(day.world.actor(Role.APP), task_id).open
