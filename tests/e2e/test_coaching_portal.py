"""The patient's integration portal through an expiring, reusable link: upcoming sessions, the
practice log (done / not done, how it felt) and the patient's own goal ratings; a form without the
link's form token stores nothing; an expired link shows a message and stores nothing; the coach's
caseload notices when the practice log falls off."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.integration.plans import GoalInput, GoalStatus, NoteKind
from ketaclinic.domain.scheduling.booking import BookingKind
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.integration_world import booked_visit, course_on, signed_note


def _portal(world: World) -> tuple[int, int, str, str]:
    course_id, _ = course_on(world, "adult-iv-induction")
    coach, s = world.actor(Role.COACH), world.services
    goal = s.integration.generate_plan(coach, course_id).domains[0].goals[0]
    s.integration.update_goal(
        coach,
        goal.id,
        GoalInput(
            "",
            "Calm breathing daily",
            ("Paced breathing",),
            "days a week",
            GoalStatus.ACTIVE,
        ),
    )
    link, token = s.portal.create(coach, course_id)
    return course_id, goal.id, token, link.form_token


def test_the_patient_logs_practices_and_rates_goals(client: TestClient, world: World) -> None:
    course_id, goal_id, token, form_token = _portal(world)
    page = client.get(f"/link/portal/{token}")
    assert page.status_code == 200 and "Hello Kestrel" in page.text
    assert page.headers["cache-control"] == "no-store" and "Demo-Integration" not in page.text
    logged = client.post(
        f"/link/portal/{token}/practice",
        follow_redirects=False,
        data={
            "form_token": form_token,
            "practice": "Paced breathing",
            "done": "yes",
            "feeling": "calmer, synthetic",
        },
    )
    assert logged.status_code == 303
    rated = client.post(
        f"/link/portal/{token}/rating",
        follow_redirects=False,
        data={"form_token": form_token, "goal_id": str(goal_id), "rating": "6"},
    )
    assert rated.status_code == 303
    again = client.get(f"/link/portal/{token}")
    assert "calmer, synthetic" in again.text
    view = world.services.integration.plan(world.actor(Role.COACH), course_id)
    assert [r.rating for r in view.ratings[goal_id]] == [6]
    forged = client.post(
        f"/link/portal/{token}/practice",
        data={"form_token": "forged", "practice": "Paced breathing", "done": "yes"},
    )
    assert forged.status_code == 422 and "portal-form_token-error" in forged.text
    unknown = client.post(
        f"/link/portal/{token}/practice",
        data={"form_token": form_token, "practice": "Juggling", "done": "yes"},
    )
    assert unknown.status_code == 422 and "portal-practice-error" in unknown.text
    with world.services.uow() as uow:
        assert len(uow.integration.practice_logs(world.clinic.id, course_id)) == 1


def test_an_expired_link_stores_nothing_and_the_caseload_sees_the_log_fall_off(
    client: TestClient, world: World
) -> None:
    course_id, _, token, form_token = _portal(world)
    world.clock.advance(days=15)
    gone = client.post(
        f"/link/portal/{token}/practice",
        data={"form_token": form_token, "practice": "Paced breathing", "done": "yes"},
    )
    assert gone.status_code == 410
    assert client.get("/link/portal/not-a-token").status_code == 410
    web_login(client, world, Role.COACH)
    caseload = client.get("/worklist/coaching").text
    assert 'data-kind="practice_log_fell_off"' in caseload
    assert 'data-kind="ratings_fell_off"' in caseload
    with world.services.uow() as uow:
        assert uow.integration.practice_logs(world.clinic.id, course_id) == []


def test_the_portal_offers_the_practices_of_the_signed_note_and_says_what_and_where(
    client: TestClient, world: World
) -> None:
    course_id, room = course_on(world, "kat-holistic")
    coach = world.actor(Role.COACH)
    signed_note(world, course_id, NoteKind.PREPARATORY)  # assigns "Paced breathing"
    # 8 Dec 2026 16:00 UTC is 10:00 in Chicago; coaching the next day at 15:00 local
    booked_visit(world, course_id, room, datetime.fromisoformat("2026-12-08T16:00:00+00:00"))
    booked_visit(
        world,
        course_id,
        room,
        datetime.fromisoformat("2026-12-09T21:00:00+00:00"),
        BookingKind.COACHING,
        coach.staff_id,
    )
    link, token = world.services.portal.create(coach, course_id)
    page = client.get(f"/link/portal/{token}").text
    assert "has not chosen practices" not in page
    assert '<option value="Paced breathing">' in page
    with world.services.uow() as uow:
        staff = uow.staff.list_for_clinic(world.clinic.id)
    coach_name = next(m.name for m, _ in staff if m.id == coach.staff_id)
    upcoming = page.split('id="upcoming"', 1)[1].split("</ul>", 1)[0]
    # several routes and no order yet: the route is not guessed
    assert f"Tue 8 Dec 2026 10:00 · Ketamine session · {world.clinic.name}" in upcoming
    assert f"Wed 9 Dec 2026 15:00 · Integration coaching with {coach_name}" in upcoming
    logged = client.post(
        f"/link/portal/{token}/practice",
        follow_redirects=False,
        data={"form_token": link.form_token, "practice": "Paced breathing", "done": "yes"},
    )
    assert logged.status_code == 303


def test_the_portal_names_the_route_of_a_one_route_protocol(
    client: TestClient, world: World
) -> None:
    course_id, room = course_on(world, "adult-iv-induction")
    booked_visit(world, course_id, room, datetime.fromisoformat("2026-12-08T16:00:00+00:00"))
    _, token = world.services.portal.create(world.actor(Role.COACH), course_id)
    page = client.get(f"/link/portal/{token}").text
    assert f"Tue 8 Dec 2026 10:00 · Ketamine session (IV infusion) · {world.clinic.name}" in page
    assert "2026-12-08" not in page
