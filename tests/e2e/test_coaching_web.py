"""Integration and coaching through HTTP: the chart panel shows the ROOT plan and goal ratings over
time; notes are recorded with inline field errors; the private part page is refused to a nurse
and shown to its author, and every request for it is in the audit trail; the coach's caseload."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.integration.plans import NoteKind
from ketaclinic.services.audit.ports import AuditQuery
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.e2e.test_today_http import section
from tests.integration_world import booked_visit, course_on, signed_note

SECRET = "Synthetic private part: protector part noticed"


def test_chart_panel_shows_the_root_plan_and_goal_ratings_over_time(
    client: TestClient, world: World
) -> None:
    course_id, _ = course_on(world, "adult-iv-induction")
    csrf = web_login(client, world, Role.COACH)
    generated = client.post(
        f"/courses/{course_id}/integration/plan", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert generated.status_code == 303
    goal = world.services.integration.plan(world.actor(Role.COACH), course_id)
    goal_id = goal.plan.domains[0].goals[0].id
    for rating in ("2", "6"):
        posted = client.post(
            f"/integration/goals/{goal_id}/ratings",
            data={"csrf_token": csrf, "rating": rating, "comment": "synthetic"},
            follow_redirects=False,
        )
        assert posted.status_code == 303
        world.clock.advance(days=7)
        csrf = web_login(client, world, Role.COACH)  # a week later: a new sign-in
    bad = client.post(
        f"/integration/goals/{goal_id}/ratings",
        data={"csrf_token": csrf, "rating": "eleven", "course_id": str(course_id)},
    )
    assert bad.status_code == 422 and f"rate-{goal_id}-rating-error" in bad.text
    patient_id = goal.course.patient_id
    web_login(client, world, Role.NURSE)
    panel = client.get(f"/patients/{patient_id}/panels/integration")
    assert panel.status_code == 200
    for title in ("Regulate", "Overcome", "Open", "Transform"):
        assert title in panel.text
    assert panel.text.count('class="rating"') == 2 and "<polyline" in panel.text
    assert panel.text.index(">2</td>") < panel.text.index(">6</td>")


def test_private_part_hidden_from_a_nurse_and_shown_to_its_author(
    client: TestClient, world: World
) -> None:
    course_id, _ = course_on(world, "kat-holistic")
    note_id = signed_note(world, course_id, NoteKind.PREPARATORY, SECRET)
    web_login(client, world, Role.NURSE)
    page = client.get(f"/courses/{course_id}/integration")
    assert page.status_code == 200 and SECRET not in page.text and "private-hidden" in page.text
    refused = client.get(f"/coaching-notes/{note_id}/private")
    assert refused.status_code == 403 and SECRET not in refused.text
    web_login(client, world, Role.COACH)
    shown = client.get(f"/coaching-notes/{note_id}/private")
    assert shown.status_code == 200 and SECRET in shown.text
    events = world.services.audit.search(world.actor(Role.AUDITOR), AuditQuery(world.clinic.id))
    reads = [
        (e.actor_role, e.outcome) for _, e in events if e.action == "coaching.private_note_read"
    ]
    assert sorted(reads) == [("coach", "success"), ("nurse", "denied")]


def test_note_form_errors_are_inline_and_the_caseload_lists_what_is_due(
    client: TestClient, world: World
) -> None:
    course_id, _ = course_on(world, "kat-holistic")
    csrf = web_login(client, world, Role.COACH)
    bad = client.post(
        f"/courses/{course_id}/coaching-notes",
        data={
            "csrf_token": csrf,
            "kind": "preparatory",
            "session_at": "soon",
            "themes": "",
            "risk": "none",
        },
    )
    assert bad.status_code == 422
    assert "note-themes-error" in bad.text and "note-session_at-error" in bad.text
    caseload = client.get("/worklist/coaching")
    assert caseload.status_code == 200 and 'data-kind="preparation_due"' in caseload.text
    ok = client.post(
        f"/courses/{course_id}/coaching-notes",
        data={
            "csrf_token": csrf,
            "kind": "preparatory",
            "session_at": "2026-11-20T10:00",
            "themes": "intentions",
            "risk": "none",
            "private_text": SECRET,
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert 'data-kind="note_unsigned"' in client.get("/worklist/coaching").text


def test_a_coaching_appointment_is_booked_from_the_workspace(
    client: TestClient, world: World
) -> None:
    course_id, room = course_on(world, "kat-holistic")
    csrf = web_login(client, world, Role.COACH)
    coach_id = str(world.actor(Role.COACH).staff_id)
    form = {
        "csrf_token": csrf,
        "kind": "preparatory",
        "start_at": "2026-12-01T10:00",
        "duration_min": "50",
        "room_id": str(room),
        "coach_id": coach_id,
    }
    booked = client.post(
        f"/courses/{course_id}/coaching-bookings", data=form, follow_redirects=False
    )
    assert booked.status_code == 303
    page = client.get(f"/courses/{course_id}/integration")
    assert page.text.count('class="booking"') == 1 and "Room Kestrel" in page.text
    # choices as words; the clinic's places are its chairs, whatever each is called
    assert '<option value="preparatory">Preparatory</option>' in page.text
    assert '<label for="booking-room_id">Room or chair</label>' in page.text
    assert ">preparatory</option>" not in page.text
    assert "(integration coach)</option>" in page.text and "(coach)</option>" not in page.text
    clash = client.post(f"/courses/{course_id}/coaching-bookings", data=form)
    assert clash.status_code == 409 and "room" in clash.text
    bad = client.post(
        f"/courses/{course_id}/coaching-bookings", data={**form, "duration_min": "lots"}
    )
    assert bad.status_code == 422 and "booking-duration_min-error" in bad.text
    assert 'data-kind="session_due"' in client.get("/worklist/coaching").text


def _visit_today(world: World, course_id: int, chair: int, hours: int) -> int:
    """A confirmed treatment appointment of the course ``hours`` after now (today, local)."""
    start = world.clock.now() + timedelta(hours=hours)
    return booked_visit(world, course_id, chair, start).id


def test_the_caseload_keeps_a_kat_patient_after_the_preparatory_note_is_signed(
    client: TestClient, world: World
) -> None:
    kat_id, kat_room = course_on(world, "kat-holistic", given="Wren")
    iv_id, iv_room = course_on(world, "adult-iv-induction", given="Heron")
    signed_note(world, kat_id, NoteKind.PREPARATORY)
    web_login(client, world, Role.COACH)
    whole = client.get("/worklist/coaching").text
    assert "Nothing due." not in whole and "Wren" in whole
    assert 'data-kind="next"' in whole and "nothing booked yet" in whole
    assert "Heron" not in whole  # an IV course the coach does not attend
    today = client.get("/today").text
    assert "Wren" in section(today, "today-caseload")
    # a booked experiential session today on each course: the coach attends only the KAT one
    _visit_today(world, kat_id, kat_room, 2)
    _visit_today(world, iv_id, iv_room, 3)
    today = client.get("/today").text
    sessions = section(today, "today-coach-sessions")
    assert "Wren" in sessions and "Heron" not in sessions
    local = (world.clock.now() + timedelta(hours=2)).astimezone(ZoneInfo("America/Chicago"))
    assert local.strftime("%H:%M") in sessions and "KAT session 1" in sessions
    shown = re.sub(r"<[^>]+>", " ", sessions)  # the words, not the links' row ids
    assert not re.search(r"(?<!KAT )session \d", shown), shown  # never "session 64"
    caseload = section(today, "today-caseload")
    assert local.strftime("%H:%M") in caseload and 'data-kind="next"' not in caseload


def test_today_links_a_checked_in_kat_session_to_its_session_page(
    client: TestClient, world: World
) -> None:
    kat_id, kat_room = course_on(world, "kat-holistic", given="Wren")
    signed_note(world, kat_id, NoteKind.PREPARATORY)
    booking_id = _visit_today(world, kat_id, kat_room, 1)
    session = world.services.arrivals.check_in(world.actor(Role.NURSE), booking_id)
    web_login(client, world, Role.COACH)
    sessions = section(client.get("/today").text, "today-coach-sessions")
    assert f'href="/sessions/{session.id}"' in sessions
