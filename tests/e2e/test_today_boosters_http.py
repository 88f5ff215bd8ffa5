"""The front desk's Today lists the boosters to book (courses with a stored maintenance plan and
boosters not booked yet, with the dates they are due) and books the next one, or every remaining
one, through the one booster booking path. The desk sees dates only: no scores, no outcome page.
Before a plan is stored the chart's schedule says why there is nothing to book."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.integration.test_outcome_service import reassess, responder_in_reassessment
from tests.integration.test_outcome_service_boosters import clinic_with_chairs


def _row(html: str, course_id: int) -> str:
    start = html.index(f'<tr data-course-id="{course_id}">')
    return html[start : html.index("</tr>", start)]


def test_the_desk_books_planned_boosters_from_today(client: TestClient, world: World) -> None:
    clinic_with_chairs(world)
    patient_id, course_id = responder_in_reassessment(world)
    reassess(world, course_id, 8)
    csrf = web_login(client, world, Role.FRONT_DESK)

    before = client.get("/today")
    assert (
        'id="today-boosters"' in before.text and "No booster waiting to be booked." in before.text
    )
    panel = client.get(f"/patients/{patient_id}/panels/schedule").text
    assert f'id="book-booster-{course_id}"' not in panel
    assert "No maintenance plan yet: the physician decides maintenance on the outcome page" in panel

    today = world.clock.now().date()
    plan = world.services.maintenance.store(world.actor(Role.PHYSICIAN), course_id, today)
    first = plan.plan.windows[0]
    page = client.get("/today")
    row = _row(page.text, course_id)
    assert "Maintenance booster 1" in row and f'href="/patients/{patient_id}"' in row
    assert f"{first.earliest_on:%a %-d %b} and {first.latest_on:%a %-d %b %Y}" in row
    assert f'id="book-next-booster-{course_id}"' in row and "Book all 3 remaining" in row
    assert "/outcome" not in page.text and "PHQ" not in page.text  # dates only, never scores
    assert (
        "Book maintenance booster 1" in client.get(f"/patients/{patient_id}/panels/schedule").text
    )

    booked = client.post(
        f"/today/boosters/{course_id}",
        data={"csrf_token": csrf, "booster_number": "1"},
        follow_redirects=False,
    )
    assert booked.status_code == 303, booked.text[:500]
    back = client.get(booked.headers["location"])
    assert "1 booster proposed" in back.text
    assert "Maintenance booster 2" in _row(back.text, course_id)
    zone = ZoneInfo(world.clinic.timezone)
    [b1] = world.services.boosters.booked(world.actor(Role.FRONT_DESK), course_id)
    assert first.earliest_on <= b1.start_at.astimezone(zone).date() <= first.latest_on

    again = client.post(
        f"/today/boosters/{course_id}", data={"csrf_token": csrf, "booster_number": "1"}
    )
    assert again.status_code == 409 and "booster 1 is already booked" in again.text
    bad = client.post(f"/today/boosters/{course_id}", data={"csrf_token": csrf})
    assert bad.status_code == 409 and "choose a booster, or all remaining" in bad.text

    rest = client.post(
        f"/today/boosters/{course_id}",
        data={"csrf_token": csrf, "booster_number": "all"},
        follow_redirects=False,
    )
    assert rest.status_code == 303
    done = client.get(rest.headers["location"])
    assert "2 boosters proposed" in done.text
    assert f'<tr data-course-id="{course_id}">' not in done.text
    every = world.services.boosters.booked(world.actor(Role.FRONT_DESK), course_id)
    assert [b.session_number for b in every] == [1, 2, 3]


def test_only_schedule_writers_book_from_today(client: TestClient, world: World) -> None:
    clinic_with_chairs(world)
    _, course_id = responder_in_reassessment(world)
    csrf = web_login(client, world, Role.NURSE)
    refused = client.post(
        f"/today/boosters/{course_id}", data={"csrf_token": csrf, "booster_number": "1"}
    )
    assert refused.status_code == 403
    assert 'id="today-boosters"' not in client.get("/today").text
