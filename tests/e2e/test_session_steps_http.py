"""Infusion-day gates over HTTP, as the role who would try to get around them.

A nurse cannot get a session to ``infusing`` without the documented steps (check-in, pre-dose
checklist, a verified order): the start of dosing is refused naming the dose gate's items.
Resuming after a pause needs a signed-in prescriber's approval bound to that pause (rule
``resume_approved``): a nurse alone is refused, a typed approver is refused, a coach or the front
desk cannot approve; after a physician approves on the session page, the nurse resumes and the
page names who approved; the next pause needs a new approval. Source: seed 000 steps 4-5;
clinical.md §4.1, §4.4.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.demo_pathway import prepare_course
from ketaclinic.services.patients.ports import PatientSearch
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.infusion_world import start_fields, walked_session


def _step(
    client: TestClient, world: World, role: Role, sid: int, step: str, body: dict[str, Any]
) -> httpx.Response:
    return client.post(
        f"/api/v1/sessions/{sid}/steps/{step}", headers=bearer(client, world, role), json=body
    )


def _state(world: World, sid: int) -> SessionState:
    return world.services.sessions.get(world.actor(Role.NURSE), sid).state


def test_a_nurse_cannot_start_dosing_without_the_documented_steps(
    client: TestClient, world: World
) -> None:
    checked_in = walked_session(world, SessionState.CHECKED_IN).session  # no pre-dose checklist
    started = _step(client, world, Role.NURSE, checked_in.id, "start", start_fields(world))
    assert started.status_code in (409, 422), started.text
    body = started.json()
    assert body["field"] == "dose_gate"
    assert any(r.startswith("dose_gate.vitals") for r in body["reasons"])
    assert any(r.startswith("dose_gate.order") for r in body["reasons"])
    assert _state(world, checked_in.id) is SessionState.CHECKED_IN
    s, physician = world.services, world.actor(Role.PHYSICIAN)
    course_id = walked_session(world, SessionState.CHECKED_IN, prepared=True).course_id
    free = next(c.id for c, ok in s.arrivals.chairs_for_visit(physician, course_id) if ok)
    scheduled = s.sessions.create(  # not even checked in
        physician, course_id, free, unscheduled_reason="walk-in"
    )
    refused = _step(client, world, Role.NURSE, scheduled.id, "start", start_fields(world))
    assert refused.status_code in (409, 422) and "dose_gate." in refused.text
    assert _state(world, scheduled.id) is SessionState.SCHEDULED
    predose = {"sbp_mmhg": "124", "dbp_mmhg": "78", "hr_per_min": "72", "spo2_pct": "98"}
    predose |= {"symptom_check": "none", "order_id": "1"}
    early = _step(client, world, Role.NURSE, scheduled.id, "pre-dose", predose)
    assert early.status_code in (409, 422) and _state(world, scheduled.id) is SessionState.SCHEDULED


def _paused(client: TestClient, world: World) -> int:
    sid = walked_session(world).session.id
    paused = _step(client, world, Role.NURSE, sid, "pause", {"reason": "nausea"})
    assert paused.status_code == 200, paused.text
    return sid


def test_a_nurse_cannot_resume_without_a_prescribers_approval(
    client: TestClient, world: World
) -> None:
    sid = _paused(client, world)
    alone = _step(client, world, Role.NURSE, sid, "resume", {"reason": "settled"})
    assert alone.status_code in (409, 422), alone.text
    assert any(r.startswith("resume_approved:") for r in alone.json()["reasons"])
    typed_name = {"reason": "settled", "approved_by": "Dr Demo"}
    typed = _step(client, world, Role.NURSE, sid, "resume", typed_name)
    assert typed.status_code == 422
    assert typed.json()["fields"]["approved_by"].startswith("resume_approved:")
    assert _state(world, sid) is SessionState.PAUSED


def test_a_coach_or_the_front_desk_cannot_approve_resuming(
    client: TestClient, world: World
) -> None:
    sid = _paused(client, world)
    for role in (Role.COACH, Role.FRONT_DESK, Role.NURSE):
        denied = _step(client, world, role, sid, "resume-approval", {"reason": "looks fine"})
        assert denied.status_code == 403, (role, denied.text)
    body = _step(client, world, Role.NURSE, sid, "resume-approval", {"reason": "fine"}).json()
    assert body["permission"] == "predose.decide"
    assert body["detail"] == (
        "A nurse cannot approve resuming the infusion: "
        "only a physician or a nurse practitioner / PA may"
    )
    assert "predose.decide" not in body["detail"]
    alone = _step(client, world, Role.NURSE, sid, "resume", {"reason": "settled"})
    assert alone.status_code in (409, 422) and "resume_approved" in alone.text


def test_after_a_physician_approves_on_the_page_the_nurse_resumes(
    client: TestClient, world: World
) -> None:
    sid = _paused(client, world)
    csrf = web_login(client, world, Role.NURSE)
    page = client.get(f"/sessions/{sid}")
    assert "Waiting for a prescriber" in page.text and 'name="approved_by"' not in page.text
    # no Resume form the rule would refuse: the nurse is told what it waits for
    resume_form = f'action="/sessions/{sid}/steps/resume"'
    assert resume_form not in page.text
    assert "Waiting for a prescriber's approval to resume" in page.text
    csrf = web_login(client, world, Role.PHYSICIAN)
    page = client.get(f"/sessions/{sid}")
    assert "Approve resuming" in page.text
    # the approving prescriber reads who paused, when and why
    paused = page.text.split('id="pause-reason"', 1)[1].split("</p>", 1)[0]
    assert "by Test Nurse" in paused and ">nausea</span>" in paused
    assert re.search(r"Paused at \d\d:\d\d", paused)
    assert resume_form in page.text  # a prescriber resuming records the approval
    approved = client.post(
        f"/sessions/{sid}/steps/resume-approval",
        data={"reason": "nausea settled after ondansetron", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert approved.status_code == 303, approved.text
    csrf = web_login(client, world, Role.NURSE)
    page = client.get(f"/sessions/{sid}")
    with world.services.uow() as uow:
        physician = uow.staff.get(world.actor(Role.PHYSICIAN).staff_id or 0)
    assert physician is not None
    assert 'id="resume-approved"' in page.text and physician.name in page.text
    assert resume_form in page.text and "approval to resume" not in page.text
    resumed = client.post(
        f"/sessions/{sid}/steps/resume",
        data={"reason": "settled", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert resumed.status_code == 303, resumed.text
    assert _state(world, sid) is SessionState.INFUSING
    again = _step(client, world, Role.NURSE, sid, "pause", {"reason": "nausea again"})
    assert again.status_code == 200  # the next pause needs its own approval
    refused = _step(client, world, Role.NURSE, sid, "resume", {"reason": "settled"})
    assert refused.status_code in (409, 422) and "resume_approved" in refused.text
    record = client.get(f"/sessions/{sid}").text.split('id="session-record"', 1)[1]
    moves = re.findall(r'<li data-kind="(pause|resume)">(\d\d:\d\d) · (.*?)</li>', record)
    assert [(kind, re.sub(r"<[^>]+>", "", said)) for kind, _, said in moves] == [
        ("pause", "Dosing paused: Reason: nausea; Paused by: Test Nurse"),
        ("resume", "Dosing resumed: Reason: settled; Resumed by: Test Nurse"),
        ("pause", "Dosing paused: Reason: nausea again; Paused by: Test Nurse"),
    ]


def test_a_prescriber_resumes_directly_and_the_approval_is_recorded_in_their_name(
    client: TestClient, world: World
) -> None:
    sid = _paused(client, world)
    resumed = _step(client, world, Role.APP, sid, "resume", {"reason": "BP back to baseline"})
    assert resumed.status_code == 200, resumed.text
    approvals = [r for r in resumed.json()["records"] if r["kind"] == "resume_approval"]
    assert [a["payload"]["prescriber_role"] for a in approvals] == ["app"]
    assert approvals[0]["payload"]["prescriber_id"] == world.actor(Role.APP).staff_id
    assert _state(world, sid) is SessionState.INFUSING


def test_a_coach_cannot_run_the_steps_of_an_iv_infusion(client: TestClient, world: World) -> None:
    """A coach holds SESSION_RUN for the KAT journeys they attend, never for an IV infusion: ending
    dosing, pausing, documenting an IV line or discharging are refused naming the rule, and
    nothing is stored."""
    sid = walked_session(world).session.id
    flow, nurse = world.services.session_workflow, world.actor(Role.NURSE)
    records_before = len(flow.day(nurse, sid).records)
    tries = {
        "end": {},
        "pause": {"reason": "looked tired"},
        "iv": {"site": "left antecubital", "gauge": "22", "attempts": "1", "placed_by": "Coach"},
        "discharge": {"escort_present": True, "instructions_given": True},
    }
    for step, body in tries.items():
        refused = _step(client, world, Role.COACH, sid, step, body)
        assert refused.status_code == 403, (step, refused.text)
        assert "session.runner_role" in refused.text, (step, refused.text)
    assert _state(world, sid) is SessionState.INFUSING
    assert len(flow.day(nurse, sid).records) == records_before
    web_login(client, world, Role.COACH)
    page = client.get(f"/sessions/{sid}")
    assert page.status_code == 200 and 'action="/sessions/' not in page.text  # no step offered
    ended = _step(client, world, Role.NURSE, sid, "end", {"reason": "patient asked to stop"})
    assert ended.status_code == 200, ended.text


def test_a_paused_infusion_waits_on_the_prescribers_today_until_approved(
    client: TestClient, world: World
) -> None:
    sid = _paused(client, world)
    web_login(client, world, Role.PHYSICIAN)
    waiting = client.get("/today").text.split('id="today-resume"', 1)[1].split("</section>", 1)[0]
    assert f'data-session-id="{sid}"' in waiting
    approved = _step(client, world, Role.PHYSICIAN, sid, "resume-approval", {"reason": "BP 130/80"})
    assert approved.status_code == 200, approved.text
    after = client.get("/today").text.split('id="today-resume"', 1)[1].split("</section>", 1)[0]
    assert f'data-session-id="{sid}"' not in after
    assert "No paused infusion is waiting for you." in after


def test_ketamine_under_another_name_cannot_be_recorded_as_an_ordinary_drug(
    client: TestClient, world: World
) -> None:
    """The "give" step records premedications and rescue drugs; ketamine under a brand name or a
    disguised spelling is refused naming the dose gate, and nothing is stored."""
    walked = walked_session(world, SessionState.CHECKED_IN)
    sid = walked.session.id
    flow, nurse = world.services.session_workflow, world.actor(Role.NURSE)
    before = len(flow.day(nurse, sid).records)
    for drug, route in (
        ("Ketalar", "IV"),
        ("Spravato (esket.)", "IN"),
        ("ket\u0430mine", "IV"),
        ("keta-mine HCl", "SL"),
    ):
        body = {"drug": drug, "dose_mg": "35", "route": route, "lot": "L9"}
        refused = _step(client, world, Role.NURSE, sid, "give", body)
        assert refused.status_code == 422, (drug, refused.text)
        assert "dose_gate.order" in refused.text, (drug, refused.text)
    for drug in ("Calypsol", "CI-581", "2-(2-chlorophenyl)-2-(methylamino)cyclohexanone"):
        body = {"drug": drug, "dose_mg": "35", "route": "IV", "lot": "L9", "purpose": "rescue"}
        refused = _step(client, world, Role.PHYSICIAN, sid, "give", body)  # a prescriber too
        assert refused.status_code == 422, (drug, refused.text)
        assert "dose_gate.order" in refused.text, (drug, refused.text)
    assert len(flow.day(nurse, sid).records) == before
    body = {"drug": "ondansetron", "dose_mg": "4", "route": "IV", "lot": "L1"}
    given = _step(client, world, Role.NURSE, sid, "give", body)
    assert given.status_code == 200, given.text
    premeds = [r["payload"] for r in given.json()["records"] if r["payload"].get("lot") == "L1"]
    assert [(p["given_by"], p["given_by_id"]) for p in premeds] == [
        ("Test Nurse", nurse.staff_id)  # the signed-in nurse, by default
    ]


def _predose(sbp: int, dbp: int, order_id: int, recheck: tuple[int, int] | None) -> dict[str, Any]:
    body: dict[str, Any] = {"sbp_mmhg": sbp, "dbp_mmhg": dbp, "hr_per_min": 72, "spo2_pct": 98}
    body |= {"symptom_check": "none", "order_id": order_id}
    if recheck:
        body |= {"recheck_sbp_mmhg": recheck[0], "recheck_dbp_mmhg": recheck[1]}
    return body


def test_a_later_checklist_with_normal_numbers_does_not_erase_a_pre_dose_hard_stop(
    client: TestClient, world: World
) -> None:
    """230/132 on the pre-dose checklist is a hard stop for the day: a nurse re-entering the
    checklist with 120/80 is still refused naming ``predose_bp_hard_stop``, no prescriber can
    decide to proceed, and the session never reaches ``ready``."""
    walked = walked_session(world, SessionState.CHECKED_IN)
    sid, order = walked.session.id, walked.order_id
    high = _step(client, world, Role.NURSE, sid, "pre-dose", _predose(230, 132, order, (228, 130)))
    assert high.status_code == 409 and "predose_bp_hard_stop" in high.text, high.text
    again = _step(client, world, Role.NURSE, sid, "pre-dose", _predose(120, 80, order, None))
    assert again.status_code == 409, again.text
    assert any(r.startswith("predose_bp_hard_stop") for r in again.json()["reasons"])
    proceed = {"decision": "proceed", "reason": "looks fine now"}
    decided = _step(client, world, Role.PHYSICIAN, sid, "predose-decision", proceed)
    assert decided.status_code == 409 and "hard-stop" in decided.text
    assert _state(world, sid) is SessionState.CHECKED_IN


def test_a_later_checklist_with_normal_numbers_still_needs_the_prescriber_on_a_hold(
    client: TestClient, world: World
) -> None:
    walked = walked_session(world, SessionState.CHECKED_IN)
    sid, order = walked.session.id, walked.order_id
    held = _step(client, world, Role.NURSE, sid, "pre-dose", _predose(176, 104, order, (172, 102)))
    assert held.status_code == 409 and "predose_bp" in held.text, held.text
    again = _step(client, world, Role.NURSE, sid, "pre-dose", _predose(122, 78, order, None))
    assert again.status_code == 409, again.text
    assert any(r.startswith("predose_bp") for r in again.json()["reasons"])
    assert _state(world, sid) is SessionState.CHECKED_IN


def test_a_refused_check_in_keeps_every_entered_value(client: TestClient, world: World) -> None:
    """Another patient is still in the chair: the nurse's check-in is refused naming the chair
    and the way out, and the form keeps everything the nurse entered."""
    in_chair = walked_session(world, SessionState.CHECKED_IN)
    s, nurse = world.services, world.actor(Role.NURSE)
    assert nurse.staff_id is not None
    found = s.patients.search(nurse, PatientSearch(0, text="Demo-Infusion"))
    with s.uow() as uow:
        patient = next(p for p in found if not uow.courses.for_patient(world.clinic.id, p.id))
    course_id, _order = prepare_course(s.uow, world.clock, s.pathway(), world.clinic.id, patient.id)
    with s.uow() as uow:  # queued in the same chair (a session that opened before the gate)
        waiting = uow.sessions.add(
            world.clinic.id,
            course_id=course_id,
            patient_id=patient.id,
            chair_id=in_chair.chair_id,
            by=nurse.staff_id,
            at=world.clock.now(),
            unscheduled_reason="walk-in",
        )
        uow.commit()
    form = {
        "csrf_token": web_login(client, world, Role.NURSE),
        "identity_confirmed": "on",
        "escort_name": "Pat Escortson",
        "escort_phone": "555-0199",
        "escort_reachable": "on",
        "fasting_confirmed": "on",
        "pregnancy_test": "negative",
        "checkin_reviewed": "on",
    }
    refused = client.post(f"/sessions/{waiting.id}/steps/check-in", data=form)
    assert refused.status_code == 422
    assert "has another patient in it" in refused.text, refused.text
    step = refused.text.split('id="step-check-in"', 1)[1].split("</form>", 1)[0]
    assert 'value="Pat Escortson"' in step and 'value="555-0199"' in step
    assert '<option value="negative" selected>' in step
    assert step.count(" checked>") == 4
    assert _state(world, waiting.id) is SessionState.SCHEDULED


def _section(html: str, section_id: str) -> str:
    return html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]


def _name(world: World, role: Role) -> str:
    with world.services.uow() as uow:
        member = uow.staff.get(world.actor(role).staff_id or 0)
    assert member is not None
    return member.name


def test_do_not_dose_today_ends_the_visit_and_frees_the_chair(
    client: TestClient, world: World
) -> None:
    """A BP at the hold (180/96 on recheck, under the hard stop): the physician's page shows the
    values decided on; "do not dose today" cancels the session with the reason, frees the chair,
    drops it from the decisions waiting and the nurse's Due now, and the page says who decided
    and when."""
    walked = walked_session(world, SessionState.CHECKED_IN)
    sid, order = walked.session.id, walked.order_id
    held = _step(client, world, Role.NURSE, sid, "pre-dose", _predose(184, 96, order, (180, 96)))
    assert held.status_code == 409 and held.json()["field"] == "predose_bp", held.text
    csrf = web_login(client, world, Role.PHYSICIAN)
    waiting = _section(client.get("/today").text, "today-decisions")
    assert f"/sessions/{sid}" in waiting, waiting
    form = _section(client.get(f"/sessions/{sid}").text, "step-predose-decision")
    assert "184/96 mmHg" in form and "180/96 mmHg" in form, form
    assert 'value="proceed"' in form and 'value="do_not_dose"' in form
    decided = client.post(
        f"/sessions/{sid}/steps/predose-decision",
        data={"decision": "do_not_dose", "reason": "BP still high", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    assert _state(world, sid) is SessionState.CANCELLED
    with world.services.uow() as uow:
        assert uow.sessions.active_on_chair(world.clinic.id, walked.session.chair_id) is None
        history = uow.sessions.history(world.clinic.id, sid)
    assert history[-1].to_state is SessionState.CANCELLED
    page = client.get(f"/sessions/{sid}").text
    assert "Waiting for a physician or APP" not in page
    assert 'id="step-predose-decision"' not in page
    note = page.split('id="not-dosed"', 1)[1].split("</p>", 1)[0]
    physician = _name(world, Role.PHYSICIAN)
    assert f"Not dosed today: BP still high, decided by {physician} at " in note, note
    assert re.search(r" at \w{3} \d{1,2} \w{3} \d{4} \d{2}:\d{2}\.$", note), note  # not ISO
    assert f"/sessions/{sid}" not in _section(client.get("/today").text, "today-decisions")
    assert world.services.session_workflow.waiting_decisions(world.actor(Role.PHYSICIAN)) == []
    web_login(client, world, Role.NURSE)
    assert f"/sessions/{sid}" not in _section(client.get("/today").text, "today-due")
    again = _step(client, world, Role.PHYSICIAN, sid, "predose-decision", {"decision": "proceed"})
    assert again.status_code in (409, 422), again.text


def test_a_hard_stop_is_final_and_the_visit_closes_as_not_dosed(
    client: TestClient, world: World
) -> None:
    """172/104 is over the 180/100 hard stop: a later 128/78 checklist is refused and stored
    nowhere, the banner stays naming the reading, no decision form is offered (not even to a
    physician), and the nurse closes the visit as not dosed with the reason."""
    walked = walked_session(world, SessionState.CHECKED_IN)
    sid, order = walked.session.id, walked.order_id
    high = _step(client, world, Role.NURSE, sid, "pre-dose", _predose(176, 106, order, (172, 104)))
    assert high.status_code == 409 and high.json()["field"] == "predose_bp_hard_stop", high.text
    flow, nurse = world.services.session_workflow, world.actor(Role.NURSE)
    before = len(flow.day(nurse, sid).records)
    again = _step(client, world, Role.NURSE, sid, "pre-dose", _predose(128, 78, order, None))
    assert again.status_code == 409 and again.json()["field"] == "predose_bp_hard_stop"
    assert len(flow.day(nurse, sid).records) == before
    web_login(client, world, Role.PHYSICIAN)
    page = client.get(f"/sessions/{sid}").text
    assert 'id="step-predose-decision"' not in page and 'value="proceed"' not in page
    banner = _section(page, "predose-hard-stop")
    assert "172/104 mmHg" in banner and "no dose today" in banner, banner
    assert "diastolic 104 mmHg is above the hard-stop limit of 100 mmHg" in banner
    main, why = banner.split("<details>", 1)
    assert "uncontrolled_hypertension" not in main and "uncontrolled_hypertension" in why
    assert world.services.session_workflow.waiting_decisions(world.actor(Role.PHYSICIAN)) == []
    csrf = web_login(client, world, Role.NURSE)
    page = client.get(f"/sessions/{sid}").text
    assert 'id="step-pre-dose"' not in page  # the checklist cannot clear a hard stop
    empty = client.post(
        f"/sessions/{sid}/steps/not-dosed", data={"reason": " ", "csrf_token": csrf}
    )
    assert empty.status_code == 422 and 'id="not-dosed-reason-error"' in empty.text, empty.text
    closed = client.post(
        f"/sessions/{sid}/steps/not-dosed",
        data={"reason": "BP over the hard stop", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert closed.status_code == 303, closed.text
    assert _state(world, sid) is SessionState.CANCELLED
    page = client.get(f"/sessions/{sid}").text
    assert f"Not dosed today: BP over the hard stop, decided by {_name(world, Role.NURSE)}" in page
    assert "172/104 mmHg" in _section(page, "predose-hard-stop")
    coach = _step(client, world, Role.COACH, sid, "not-dosed", {"reason": "x"})
    assert coach.status_code in (403, 409), coach.text


def test_a_visit_not_yet_dosing_closes_as_not_dosed_with_a_reason_and_never_after(
    client: TestClient, world: World
) -> None:
    """The patient declines or is unwell after check-in: the nurse closes the visit as not
    dosed with the reason (no hard stop needed); a coach may not; once dosing has started
    the visit ends by stopping or ending the dose, refused naming visit.not_dosed."""
    walked = walked_session(world, SessionState.CHECKED_IN)
    sid = walked.session.id
    coach = _step(client, world, Role.COACH, sid, "not-dosed", {"reason": "declined"})
    assert coach.status_code == 403, coach.text
    assert _state(world, sid) is SessionState.CHECKED_IN
    closed = _step(client, world, Role.NURSE, sid, "not-dosed", {"reason": "patient declined"})
    assert closed.status_code < 400, closed.text
    assert _state(world, sid) is SessionState.CANCELLED
    web_login(client, world, Role.NURSE)
    page = client.get(f"/sessions/{sid}").text
    assert f"patient declined, decided by {_name(world, Role.NURSE)}" in page
    dosing = walked_session(world, SessionState.INFUSING, prepared=True)
    refused = _step(client, world, Role.NURSE, dosing.session.id, "not-dosed", {"reason": "x"})
    assert refused.status_code == 409, refused.text
    assert refused.json()["field"] == "state" and "visit.not_dosed" in refused.text
    assert _state(world, dosing.session.id) is SessionState.INFUSING


def test_a_refused_page_says_in_words_who_may_and_keeps_the_code_one_click_away(
    client: TestClient, world: World
) -> None:
    web_login(client, world, Role.NURSE)
    page = client.get("/audit")
    assert page.status_code == 403
    alert = page.text.split('role="alert">', 1)[1].split("</p>", 1)[0]
    assert alert == (
        "A nurse cannot read the audit trail: only an administrator or an auditor may"
    ), alert
    why = page.text.split('<details class="why"><summary>Permission</summary>', 1)[1]
    assert why.split("</details>", 1)[0].count("audit.read") == 1
