"""The infusion session page and the chart read in words over HTTP: the session record names
each field with its unit and each person with their role, the order by what it orders, a visit
closed as not dosed says so, the recovery form says what each Aldrete score means, and no
internal record, order, staff or course number, stored code or content hash is in the text a
person reads (rule ids and hashes sit one click away, in a <details>)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.demo_pathway import prepare_course
from ketaclinic.services.patients.ports import PatientSearch
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.e2e.test_display_names_http import _Visible
from tests.infusion_world import prepare_clinic, start_fields, walked_session
from tests.integration.test_session_workflow import Day, _ready, make_day


def _visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return re.sub(r" ([:;,.])", r"\1", " ".join(" ".join(parser.lines).split()))


def _section(html: str, section_id: str) -> str:
    return html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]


def _predose(order_id: int | str, sbp: int, dbp: int) -> dict[str, Any]:
    return {
        "sbp_mmhg": sbp,
        "dbp_mmhg": dbp,
        "hr_per_min": 72,
        "spo2_pct": 98,
        "symptom_check": "none",
        "order_id": order_id,
        "recheck_sbp_mmhg": sbp - 4,
        "recheck_dbp_mmhg": dbp,
    }


def test_a_visit_closed_as_not_dosed_reads_in_words_without_internal_numbers(
    client: TestClient, world: World
) -> None:
    walked = walked_session(world, SessionState.CHECKED_IN)
    sid, order_id = walked.session.id, walked.order_id
    held = client.post(
        f"/api/v1/sessions/{sid}/steps/pre-dose",
        json=_predose(order_id, 184, 96),
        headers=bearer(client, world, Role.NURSE),
    )
    assert held.status_code == 409, held.text
    csrf = web_login(client, world, Role.PHYSICIAN)
    decided = client.post(
        f"/sessions/{sid}/steps/predose-decision",
        data={"decision": "do_not_dose", "reason": "BP still high", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    page = client.get(f"/sessions/{sid}").text
    state = page.split('data-field="state"', 1)[1].split("</strong>", 1)[0]
    assert state.endswith(">Not dosed today"), state
    assert '<span data-field="not-dosed-reason">BP still high</span>' in page
    record = _section(page, "session-record")
    shown = _visible(record)
    assert "Pre-dose checklist: Systolic BP: 184 mmHg; Diastolic BP: 96 mmHg" in shown, shown
    assert "Heart rate: 72/min" in shown and "SpO2: 98%" in shown
    assert "Not dosed today: Decision: do not dose today; Reason: BP still high" in shown
    with world.services.uow() as uow:
        physician = uow.staff.get(world.actor(Role.PHYSICIAN).staff_id or 0)
    assert physician is not None
    assert f"Decided by: {physician.name} (physician)" in shown
    order = re.search(r"Order: ([^;]*)", shown)
    assert order and "ketamine" in order.group(1) and "signed by " in order.group(1), shown
    for raw in ("do_not_dose", "number", "(mmhg)", "Pre dose", "decided by id", "_id"):
        assert raw.lower() not in shown.lower(), raw
    assert not re.search(rf"\b({order_id}|{sid})\b", shown), shown
    header = _visible(page.split("<h1>", 1)[1].split("</p>", 1)[0])
    assert "state " not in header and "Cancelled" not in header, header
    panel = client.get(f"/patients/{walked.session.patient_id}/panels/sessions").text
    assert '<td data-field="state">Not dosed: BP still high</td>' in panel, panel


def test_a_checklist_without_the_order_names_the_field_as_the_nurse_sees_it(
    client: TestClient, world: World
) -> None:
    walked = walked_session(world, SessionState.CHECKED_IN)
    csrf = web_login(client, world, Role.NURSE)
    body = {**_predose("", 120, 80), "recheck_sbp_mmhg": "", "recheck_dbp_mmhg": ""}
    refused = client.post(
        f"/sessions/{walked.session.id}/steps/pre-dose", data={**body, "csrf_token": csrf}
    )
    assert refused.status_code == 422, refused.text
    assert "<strong>Order</strong>: choose the signed order for today" in refused.text
    assert "Order number" not in refused.text and "order number" not in refused.text


def test_the_recovery_form_says_what_each_aldrete_score_means(
    client: TestClient, world: World
) -> None:
    day: Day = make_day(world)
    _ready(day)
    day.flow.start(day.world.actor(Role.NURSE), day.session_id, start_fields(day.world))
    day.world.clock.advance(minutes=41)
    csrf = web_login(client, world, Role.NURSE)
    ended = client.post(
        f"/sessions/{day.session_id}/steps/end",
        data={"csrf_token": csrf, "reason": "dosing complete"},
        follow_redirects=False,
    )
    assert ended.status_code == 303, ended.text[:800]
    page = client.get(f"/sessions/{day.session_id}").text
    form = _section(page, "step-aldrete")
    assert '<label for="aldrete-activity">Activity</label>' in form
    assert '<label for="aldrete-spo2">O2 saturation</label>' in form
    assert '<option value="2">2 — moves all 4 limbs voluntarily or on command</option>' in form
    assert '<option value="0">0 — apnoeic</option>' in form
    assert '<option value="1">1 — arousable on calling</option>' in form
    assert "Aldrete spo2" not in form and ">2</option>" not in form
    state = page.split('data-field="state"', 1)[1].split("</strong>", 1)[0]
    assert state.endswith(">In recovery"), state
    done = client.post(
        f"/sessions/{day.session_id}/steps/aldrete",
        data={
            "csrf_token": csrf,
            **dict.fromkeys(("activity", "respiration", "circulation", "consciousness"), "2"),
            "spo2": "1",
        },
        follow_redirects=True,
    )
    assert done.status_code == 200, done.text[:800]
    entry = _visible(done.text.split('data-kind="aldrete"', 1)[1].split("</li>", 1)[0])
    assert "O2 saturation: 1 — needs oxygen to keep above 90%" in entry, entry
    assert "Total: 9 of 10" in entry


def test_the_chart_names_a_course_by_protocol_and_start_with_the_hash_one_click_away(
    client: TestClient, world: World
) -> None:
    walked = walked_session(world, SessionState.CHECKED_IN)
    web_login(client, world, Role.NURSE)
    panel = client.get(f"/patients/{walked.session.patient_id}/panels/courses").text
    shown = _visible(panel)
    name = re.search(r'data-field="course-name">([^<]*)<', panel)
    assert name and re.search(r", from \d{1,2} \w{3} \d{4}$", name.group(1)), panel[:600]
    assert "course number" not in shown and "hash" not in shown.lower(), shown
    assert "Content hash" in panel  # one click away


def test_route_choices_show_the_route_in_full_and_submit_the_code(
    client: TestClient, world: World
) -> None:
    prepare_clinic(world)
    s, nurse = world.services, world.actor(Role.NURSE)
    [patient, *_] = s.patients.search(nurse, PatientSearch(0, text="Demo-Infusion"))
    _, order_id = prepare_course(s.uow, world.clock, s.pathway(), world.clinic.id, patient.id)
    web_login(client, world, Role.NURSE)
    page = client.get(f"/orders/{order_id}/verify")
    assert page.status_code == 200, page.text[:400]
    select = page.text.split('id="route" name="route"', 1)[1].split("</select>", 1)[0]
    assert re.search(r'<option value="iv"[^>]*>Intravenous \(IV\)</option>', select), select
    assert '<option value="sl">Sublingual (SL)</option>' in select, select
    assert not re.search(r">(iv|im|in|sl|IV|IM|IN|SL)</option>", select), select
    summary = page.text.split('id="order-summary"', 1)[1].split("</dl>", 1)[0]
    premeds = summary.split("<dt>Premedications</dt><dd>", 1)[1].split("</dd>", 1)[0]
    assert not re.search(r" mg (iv|im|in|sl|po)\b", premeds), premeds
    assert "ondansetron 4 mg IV " in premeds, premeds  # the demo order's premedication
