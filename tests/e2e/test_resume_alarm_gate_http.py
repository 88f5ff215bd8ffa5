"""Resuming over an open pause alarm, tried by the people who would try it, over the web form
and the JSON API.

A severe systolic BP (rule ``bp-systolic-severe``: high priority, keep paused) comes back three
times before anyone acknowledges it; the nurse pauses. The physician's approval to resume is
refused, on the page and through the API, naming the rule, and nothing is recorded; an APP's
direct resume and the nurse's resume are refused the same way. Every refusal and both panels of
the paused session say the alarm in words: the parameter, its latest value with the unit at the
clinic's local time, the priority and the count the alarm history shows, with the rule one click
away; the page offers no Resume or Approve button, and points to the acknowledgement on the live
board. Once the alarm is acknowledged the approval and the resume go through. Source:
clinical.md §4.3-§4.4.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.alarm_ack import required_response
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.infusion.ports import RecordKind
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.infusion_world import running_sessions

RULE = "alarms_acknowledged[bp-systolic-severe]"
THEN = "must be acknowledged before the infusion resumes"


def _sbp(client: TestClient, world: World, sid: int, value: str) -> list[dict[str, Any]]:
    world.clock.advance(minutes=1)
    reading = {"parameter": "sbp", "value": value, "unit": "mm[Hg]"}
    reading["at"] = world.clock.now().isoformat()
    response = client.post(
        "/api/v1/vitals",
        json={"session_id": sid, "readings": [reading]},
        headers=bearer(client, world, Role.NURSE),
    )
    assert response.status_code == 201, response.text
    raised: list[dict[str, Any]] = response.json()["alarms_raised"]
    return raised


def _step(
    client: TestClient, world: World, role: Role, sid: int, step: str, body: dict[str, Any]
) -> httpx.Response:
    return client.post(
        f"/api/v1/sessions/{sid}/steps/{step}", headers=bearer(client, world, role), json=body
    )


def _paused_over_a_severe_bp(client: TestClient, world: World) -> tuple[int, datetime]:
    """A running session whose severe systolic alarm came back 3 times (latest 212 mmHg),
    then paused by the nurse; the time of the latest reading."""
    [monitor] = running_sessions(world)
    sid = monitor.session.id
    for value in ("205", "130", "215", "128"):
        _sbp(client, world, sid, value)
    _sbp(client, world, sid, "212")
    latest = world.clock.now()
    paused = _step(client, world, Role.NURSE, sid, "pause", {"reason": "BP surge"})
    assert paused.status_code == 200, paused.text
    return sid, latest


def test_the_api_lists_what_keeps_a_paused_session_paused_before_anyone_tries(
    client: TestClient, world: World
) -> None:
    sid, latest = _paused_over_a_severe_bp(client, world)
    record = client.get(
        f"/api/v1/sessions/{sid}/record", headers=bearer(client, world, Role.PHYSICIAN)
    )
    assert record.status_code == 200, record.text
    listed = [a for a in record.json()["resume_alarms"] if a["rule"] == RULE]
    assert [a["message"] for a in listed] == [_words(world, latest)]


def _words(world: World, at: datetime) -> str:
    local = at.astimezone(ZoneInfo(world.clinic.timezone)).strftime("%H:%M")
    return f"Systolic BP 212 mmHg at {local} (high priority, out of range 3 times) {THEN}"


def _approvals(world: World, sid: int) -> list[Any]:
    with world.services.uow() as uow:
        records = uow.session_records.for_session(world.clinic.id, sid)
    return [r for r in records if r.kind is RecordKind.RESUME_APPROVAL]


def _severe(reasons: list[str]) -> list[str]:
    return [r for r in reasons if r.startswith(f"{RULE}: ")]


def _kept_paused(rule_action: str) -> str:
    """The acknowledgement an alarm's rule asks for while dosing is paused."""
    return required_response(rule_action, SessionState.PAUSED).required.value


def _acknowledge_all(client: TestClient, world: World, sid: int) -> None:
    """The nurse acknowledges every open alarm of the session over the API, keeping it paused."""
    with world.services.uow() as uow:
        alarms = uow.alarms.for_session(world.clinic.id, sid)
    nurse = bearer(client, world, Role.NURSE)
    for alarm in (a for a in alarms if a.acknowledged_at is None):
        acked = client.post(
            f"/api/v1/alarms/{alarm.id}/acknowledge",
            headers=nurse,
            json={"action": _kept_paused(alarm.action), "note": "rechecked, BP settling"},
        )
        assert acked.status_code == 200, acked.text


def _state(world: World, sid: int) -> SessionState:
    return world.services.sessions.get(world.actor(Role.NURSE), sid).state


def _visible(html: str) -> str:
    """The text a reader sees without opening any "Why"."""
    shown = re.sub(r"<details class=\"why\">.*?</details>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", shown))


def test_the_alarm_history_counts_what_the_refusal_counts(client: TestClient, world: World) -> None:
    sid, _ = _paused_over_a_severe_bp(client, world)
    web_login(client, world, Role.NURSE)
    history = client.get(f"/sessions/{sid}").text.split('id="alarm-history"', 1)[1]
    row = next(r for r in history.split("<tr")[1:] if "212" in r)
    assert 'data-repeat="3"' in row and "Out of range 3 times since" in row


def test_a_physician_cannot_approve_resuming_over_an_open_pause_alarm_through_the_api(
    client: TestClient, world: World
) -> None:
    sid, latest = _paused_over_a_severe_bp(client, world)
    approved = _step(client, world, Role.PHYSICIAN, sid, "resume-approval", {"reason": "rechecked"})
    assert approved.status_code == 409, approved.text
    body = approved.json()
    assert body["detail"].startswith("resume_approved: ")
    assert _severe(body["reasons"]) == [f"{RULE}: {_words(world, latest)}"]
    assert _approvals(world, sid) == []


def test_a_physician_cannot_approve_resuming_over_an_open_pause_alarm_on_the_page(
    client: TestClient, world: World
) -> None:
    sid, latest = _paused_over_a_severe_bp(client, world)
    csrf = web_login(client, world, Role.PHYSICIAN)
    page = client.get(f"/sessions/{sid}").text
    # said before: no Approve button that would be refused, the alarm in words instead
    assert f'action="/sessions/{sid}/steps/resume-approval"' not in page
    panel = page.split('id="resume-approval-alarms"', 1)[1].split("</div>", 1)[0]
    assert _words(world, latest) in _visible(panel)
    assert f"rule {RULE}" in panel and "1 reading" not in panel
    assert 'data-field="acknowledge-link"' in panel and 'href="/board#chair-' in panel
    approved = client.post(
        f"/sessions/{sid}/steps/resume-approval",
        data={"reason": "rechecked", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert approved.status_code == 422, approved.text
    refusal = approved.text.split('class="error" role="alert"', 1)[1].split("</div>", 1)[0]
    assert _words(world, latest) in _visible(refusal)
    assert f"rule {RULE}" in refusal  # one click away, never in the words
    assert "bp-systolic-severe" not in _visible(refusal) and "1 reading" not in refusal
    assert _approvals(world, sid) == []


def test_a_prescriber_resuming_directly_over_the_alarm_is_refused_and_records_no_approval(
    client: TestClient, world: World
) -> None:
    sid, latest = _paused_over_a_severe_bp(client, world)
    resumed = _step(client, world, Role.APP, sid, "resume", {"reason": "BP fine"})
    assert resumed.status_code in (409, 422), resumed.text
    assert _severe(resumed.json()["reasons"]) == [f"{RULE}: {_words(world, latest)}"]
    assert _approvals(world, sid) == [] and _state(world, sid) is SessionState.PAUSED


def test_a_nurse_cannot_resume_over_the_alarm_through_the_api_or_the_page(
    client: TestClient, world: World
) -> None:
    sid, latest = _paused_over_a_severe_bp(client, world)
    resumed = _step(client, world, Role.NURSE, sid, "resume", {"reason": "settled"})
    assert resumed.status_code in (409, 422), resumed.text
    assert _severe(resumed.json()["reasons"]) == [f"{RULE}: {_words(world, latest)}"]
    csrf = web_login(client, world, Role.NURSE)
    page = client.get(f"/sessions/{sid}").text
    assert f'action="/sessions/{sid}/steps/resume"' not in page
    panel = page.split('id="step-resume"', 1)[1].split("</section>", 1)[0]
    assert "Before the infusion resumes:" in panel and _words(world, latest) in _visible(panel)
    assert 'data-field="acknowledge-link"' in panel and "on the live board" in panel
    posted = client.post(
        f"/sessions/{sid}/steps/resume",
        data={"reason": "settled", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert posted.status_code in (409, 422), posted.text
    refusal = posted.text.split('class="error" role="alert"', 1)[1].split("</div>", 1)[0]
    assert _words(world, latest) in _visible(refusal) and f"rule {RULE}" in refusal
    assert "bp-systolic-severe" not in _visible(refusal)
    assert _state(world, sid) is SessionState.PAUSED


def test_once_the_alarm_is_acknowledged_the_approval_and_the_resume_go_through(
    client: TestClient, world: World
) -> None:
    sid, _ = _paused_over_a_severe_bp(client, world)
    _sbp(client, world, sid, "150")  # the condition clears
    _acknowledge_all(client, world, sid)
    csrf = web_login(client, world, Role.PHYSICIAN)
    page = client.get(f"/sessions/{sid}").text
    assert 'id="resume-approval-alarms"' not in page and "Approve resuming" in page
    approved = client.post(
        f"/sessions/{sid}/steps/resume-approval",
        data={"reason": "BP back to 150", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert approved.status_code == 303, approved.text
    resumed = _step(client, world, Role.NURSE, sid, "resume", {"reason": "settled"})
    assert resumed.status_code == 200, resumed.text
    assert _state(world, sid) is SessionState.INFUSING


def test_a_nurse_forcing_a_resume_approval_is_told_the_act_she_cannot_do(
    client: TestClient, world: World
) -> None:
    sid, _ = _paused_over_a_severe_bp(client, world)
    forced = _step(client, world, Role.NURSE, sid, "resume-approval", {"reason": "rechecked"})
    assert forced.status_code == 403, forced.text
    detail = forced.json()["detail"]
    assert detail.startswith("A nurse cannot approve resuming the infusion: only ")
    assert "pre-dose" not in detail
    assert _approvals(world, sid) == []


def test_the_alarm_history_says_dosing_was_kept_paused_as_chosen_on_the_board(
    client: TestClient, world: World
) -> None:
    sid, _ = _paused_over_a_severe_bp(client, world)
    with world.services.uow() as uow:
        [alarm] = [
            a
            for a in uow.alarms.for_session(world.clinic.id, sid)
            if a.rule_id == "bp-systolic-severe"
        ]
    csrf = web_login(client, world, Role.NURSE)
    board = client.get("/board").text
    assert "Kept dosing paused (required)" in board
    acked = client.post(
        f"/board/alarms/{alarm.id}/acknowledge",
        data={"action": _kept_paused(alarm.action), "note": "rechecked"},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert acked.status_code == 200, acked.text
    history = client.get(f"/sessions/{sid}").text.split('id="alarm-history"', 1)[1]
    row = next(r for r in history.split("<tr")[1:] if "212" in r)
    assert ": kept dosing paused — rechecked" in row
    assert "no change to dosing" not in row


def test_the_prescribers_today_says_what_keeps_a_paused_infusion_waiting(
    client: TestClient, world: World
) -> None:
    """On the prescriber's Today, a paused infusion whose alarm is still open says so in words
    (the rule one click away) and sends them to the live board, not to an approval that would
    be refused; once acknowledged, the row offers the approval."""
    sid, latest = _paused_over_a_severe_bp(client, world)
    web_login(client, world, Role.PHYSICIAN)
    row = client.get("/today").text.split(f'data-session-id="{sid}"', 1)[1].split("</tr>", 1)[0]
    assert _words(world, latest) in row, row
    assert "rule bp-systolic-severe" in row and "Acknowledge on the live board first" in row
    assert "#step-resume-approval" not in row
    _sbp(client, world, sid, "150")
    _acknowledge_all(client, world, sid)
    web_login(client, world, Role.PHYSICIAN)
    row = client.get("/today").text.split(f'data-session-id="{sid}"', 1)[1].split("</tr>", 1)[0]
    assert "Review and approve or keep paused" in row and 'data-field="resume-held"' not in row
