"""The KAT bedside over HTTP, each step tried the way around it by the role who would try it.

The coach starting a dose (whoever is named to give it), recording a premedication or
completing the pre-dose check is refused through the JSON API and the session page, each
refusal saying plainly that a coach cannot do it and naming the rule; so are the nursing steps of
a journey the coach attends: check-in, the end of dosing, the Aldrete score and discharge
(``session.nursing_step``). A session the nurse checks
in starts when a coach is named as attending (``dose_gate.attendant``), never with the nurse.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.services.dosing.orders import OrderDraft
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.integration.test_session_workflow import CHECK_IN
from tests.kat_dosing import (
    arrived_kat_session,
    dosed_kat_session,
    kat_course,
    kat_start,
    ready_kat_session,
)

PREMED = {"drug": "ondansetron", "dose_mg": "4", "route": "PO", "lot": "LOT-DEMO-2"}


def _api(client: TestClient, world: World, role: Role, sid: int, step: str, body: Any) -> Any:
    url = f"/api/v1/sessions/{sid}/steps/{step}"
    return client.post(url, headers=bearer(client, world, role), json=body)


def _state(client: TestClient, world: World, sid: int) -> str:
    auth = bearer(client, world, Role.NURSE)
    record = client.get(f"/api/v1/sessions/{sid}/record", headers=auth).json()
    return str(record["session"]["state"])


def test_coach_giving_a_kat_dose_is_refused_plainly_through_api_and_page(
    client: TestClient, world: World
) -> None:
    sid = ready_kat_session(world).session_id
    nurse_id = str(world.actor(Role.NURSE).staff_id)
    for given_by in ("", str(world.actor(Role.COACH).staff_id), nurse_id):
        body = {**kat_start(world), "given_by": given_by}
        refused = _api(client, world, Role.COACH, sid, "start", body)
        assert refused.status_code == 403, refused.text
        assert "session.nursing_step: a coach cannot record the start of a dose" in refused.text
    named = {**kat_start(world), "given_by": str(world.actor(Role.COACH).staff_id)}
    by_nurse = _api(client, world, Role.NURSE, sid, "start", named)  # the coach named as giver
    assert by_nurse.status_code == 422, by_nurse.text
    assert by_nurse.json()["fields"]["given_by"].startswith(
        "dose.role: an integration coach cannot give a dose; a nurse, physician or APP"
    )
    given = _api(client, world, Role.COACH, sid, "give", {**PREMED, "given_by": nurse_id})
    assert given.status_code == 403, given.text
    assert "premedication.role: a coach cannot give a dose" in given.text
    csrf = web_login(client, world, Role.COACH)
    page = client.post(
        f"/sessions/{sid}/steps/start",
        data={**kat_start(world), "given_by": "", "csrf_token": csrf},
    )
    assert page.status_code in (403, 422)
    assert "coach cannot record the start of a dose" in page.text
    shown = client.get(f"/sessions/{sid}").text.split('id="step-start"', 1)[1]
    assert (
        "A nurse, physician or APP gives the dose and records the start"
        in shown.split("</section>", 1)[0]
    )
    premed = client.post(
        f"/sessions/{sid}/steps/give",
        data={**PREMED, "given_by": nurse_id, "csrf_token": csrf},
    )
    assert premed.status_code == 422  # the page again, the refusal on the form
    assert "coach cannot give a dose" in premed.text
    assert _state(client, world, sid) == "ready"


def test_coach_completing_the_pre_dose_check_is_refused(client: TestClient, world: World) -> None:
    dose = ready_kat_session(world)
    body = {
        "sbp_mmhg": "124",
        "dbp_mmhg": "78",
        "hr_per_min": "70",
        "spo2_pct": "98",
        "symptom_check": "calm",
        "order_id": str(dose.order.id),
    }
    refused = _api(client, world, Role.COACH, dose.session_id, "pre-dose", body)
    assert refused.status_code == 403, refused.text
    assert "predose.role: a coach cannot complete the pre-dose check" in refused.text


def test_a_session_the_nurse_checks_in_starts_with_the_coach_attending(
    client: TestClient, world: World
) -> None:
    sid = ready_kat_session(world, checked_in_by=Role.NURSE).session_id
    nurse = str(world.actor(Role.NURSE).staff_id)
    alone = _api(client, world, Role.NURSE, sid, "start", {**kat_start(world), "attending": nurse})
    assert alone.status_code == 409, alone.text
    assert "dose_gate.attendant: a nurse may not attend alone" in alone.text
    assert _state(client, world, sid) == "ready"
    started = _api(client, world, Role.NURSE, sid, "start", {**kat_start(world), "given_by": ""})
    assert started.status_code == 200, started.text
    assert _state(client, world, sid) == "infusing"


def test_a_kat_session_page_has_no_iv_line_and_the_check_reads_the_route_off_the_label(
    client: TestClient, world: World
) -> None:
    """The bedside check is independent: no route is read off the order onto the form; the
    nurse chooses the route on the label, none chosen is an error naming the field, and the
    wrong one blocks the dose."""
    dose = ready_kat_session(world)
    web_login(client, world, Role.NURSE)
    page = client.get(f"/sessions/{dose.session_id}").text
    assert "<h1>KAT session" in page and "Infusion session" not in page
    assert "Treatment session" not in page and "Induction session" not in page
    chart = client.get(f"/patients/{dose.setup.patient_id}").text
    summary = chart.split('id="chart-summary"', 1)[1].split("</section>", 1)[0]
    assert "<dt>KAT sessions</dt>" in summary and "Induction" not in summary, summary
    assert 'id="step-iv"' not in page and "IV site" not in page
    setup = kat_course(world)
    order = world.services.orders.sign(
        world.actor(Role.APP),
        setup.course_id,
        OrderDraft(route=Route.SL, fixed_mg=Decimal(100)),
    )
    check = client.get(f"/orders/{order.id}/verify").text
    route = check.split('<select id="route"', 1)[1].split("</select>", 1)[0]
    assert " selected" not in route and "Sublingual (SL)" in route
    csrf = web_login(client, world, Role.NURSE)
    label = {"mrn": setup.mrn, "drug": "ketamine", "dose_mg": "100", "csrf_token": csrf}
    blank = client.post(f"/orders/{order.id}/verify", data={**label, "route": ""})
    assert blank.status_code == 422 and 'id="route-error">choose a route' in blank.text
    wrong = client.post(f"/orders/{order.id}/verify", data={**label, "route": "iv"})
    assert wrong.status_code == 422 and "Blocked: do not give" in wrong.text, wrong.text
    back = f'<a href="/sessions/{dose.session_id}" data-field="back-to-session">'
    came = client.get(f"/orders/{order.id}/verify?session={dose.session_id}").text
    assert back in came  # the way back to the session the nurse came from
    right = client.post(
        f"/orders/{order.id}/verify",
        data={**label, "route": "sl", "back_session": str(dose.session_id)},
    )
    assert right.status_code == 200 and "Verified" in right.text, right.text
    assert back in right.text


ALDRETE = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2}


def _records(client: TestClient, world: World, sid: int) -> int:
    auth = bearer(client, world, Role.NURSE)
    return len(client.get(f"/api/v1/sessions/{sid}/record", headers=auth).json()["records"])


def test_a_coach_attending_cannot_check_the_patient_in_through_api_or_page(
    client: TestClient, world: World
) -> None:
    """Checking in (identity, escort, fasting, the pregnancy test) is a nursing step: the coach
    who attends the journey is refused naming ``session.nursing_step``; the page tells them who
    does it and offers no form; the nurse then checks the patient in."""
    sid = arrived_kat_session(world).session_id
    refused = _api(client, world, Role.COACH, sid, "check-in", CHECK_IN)
    assert refused.status_code == 403, refused.text
    assert "session.nursing_step: a coach cannot check a patient in for dosing" in refused.text
    csrf = web_login(client, world, Role.COACH)
    page = client.get(f"/sessions/{sid}").text
    offered = page.split('id="step-check-in"', 1)[1].split("</section>", 1)[0]
    assert "A nurse, physician or APP checks the patient in" in offered, offered
    assert "<form" not in offered
    posted = client.post(f"/sessions/{sid}/steps/check-in", data={**CHECK_IN, "csrf_token": csrf})
    assert posted.status_code in (403, 422), posted.text
    assert "coach cannot check a patient in" in posted.text
    assert _state(client, world, sid) == "scheduled"
    checked = _api(client, world, Role.NURSE, sid, "check-in", CHECK_IN)
    assert checked.status_code == 200, checked.text
    assert _state(client, world, sid) == "checked_in"


def test_a_coach_attending_cannot_end_dosing_score_recovery_or_discharge(
    client: TestClient, world: World
) -> None:
    """The coach attends the dose and records observations; ending dosing (the administration
    record), the Aldrete score and discharge are refused for them through the API, naming
    ``session.nursing_step``, with nothing stored; the nurse takes each step."""
    sid = dosed_kat_session(world).session_id
    observed = _api(client, world, Role.COACH, sid, "observe", {"note": "settled, music on"})
    assert observed.status_code == 200, observed.text
    web_login(client, world, Role.COACH)
    page = client.get(f"/sessions/{sid}").text
    end = page.split('id="step-end"', 1)[1].split("</section>", 1)[0]
    assert "A nurse, physician or APP records the end of dosing" in end and "<form" not in end
    before = _records(client, world, sid)
    ended = _api(client, world, Role.COACH, sid, "end", {"reason": "journey complete"})
    assert ended.status_code == 403, ended.text
    assert "session.nursing_step: a coach cannot record the end of dosing" in ended.text
    assert _state(client, world, sid) == "infusing" and _records(client, world, sid) == before
    world.clock.advance(minutes=60)
    assert _api(client, world, Role.NURSE, sid, "end", {}).status_code == 200
    before = _records(client, world, sid)
    scored = _api(client, world, Role.COACH, sid, "aldrete", ALDRETE)
    assert scored.status_code == 403, scored.text
    assert "session.nursing_step: a coach cannot record the Aldrete score" in scored.text
    assert _records(client, world, sid) == before
    assert _api(client, world, Role.NURSE, sid, "aldrete", ALDRETE).status_code == 200
    world.clock.advance(minutes=200)
    home = {"escort_present": True, "instructions_given": True}
    left = _api(client, world, Role.COACH, sid, "discharge", home)
    assert left.status_code == 403, left.text
    assert "session.nursing_step: a coach cannot discharge a patient" in left.text
    web_login(client, world, Role.COACH)  # signed out by the hours that passed
    page = client.get(f"/sessions/{sid}").text
    assert 'data-field="dosing-ended"' in page.split("</h1>", 1)[1].split("</p>", 1)[0]
    for step in ("aldrete", "discharge"):
        shown = page.split(f'id="step-{step}"', 1)[1].split("</section>", 1)[0]
        assert 'data-field="by-nurse"' in shown and "<form" not in shown, shown
    assert _state(client, world, sid) == "recovery"
