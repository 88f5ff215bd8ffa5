"""Overdue maintenance on the pages: the prescriber's Today list, the chart summary, the course
page and the desk's "Boosters to book"; and the desk refused (web and API) with the rule
``booster.relapse_review`` while a relapse waits for the prescriber, booking again once the
prescriber decided."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from pypdf import PdfReader

from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.integration.test_outcome_service_boosters import clinic_with_chairs
from tests.integration.test_overdue_maintenance import RULE, _maintenance, _relapse


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def _long(day: object) -> str:
    return format(day, "%a %-d %b %Y")


def test_overdue_items_show_on_today_the_chart_and_the_course(
    client: TestClient, world: World
) -> None:
    clinic_with_chairs(world)
    patient_id, course_id = _maintenance(world)
    web_login(client, world, Role.PHYSICIAN)
    empty = _section(client.get("/today").text, "today-overdue")
    assert "No missed booster or overdue relapse-watch check." in empty

    world.clock.advance(days=10)
    client.cookies.clear()  # the sign-in of ten days ago has expired
    web_login(client, world, Role.PHYSICIAN)
    physician = world.actor(Role.PHYSICIAN)
    [entry] = world.services.overdue.worklist(physician)
    check, booster = entry.items
    name = entry.patient.display_name
    listed = _section(client.get("/today").text, "today-overdue")
    assert name in listed and f'href="/courses/{course_id}/outcome"' in listed
    assert "Maintenance booster 1" in listed and "Relapse-watch check (PHQ-9)" in listed
    assert f"overdue since {_long(check.since)}" in listed
    assert f"overdue since {_long(booster.since)}" in listed
    assert check.since.isoformat() not in listed.replace(f'"{check.since.isoformat()}"', "")

    chart = client.get(f"/patients/{patient_id}").text
    summary = chart[chart.index('id="chart-summary"') :]
    assert 'data-field="summary-overdue"' in summary
    assert f"Maintenance booster 1</strong>: due by {_long(booster.due_on)}" in summary
    course = client.get(f"/courses/{course_id}/outcome").text
    assert 'id="course-overdue"' in course and "Overdue: Maintenance booster 1" in course
    assert f'due {_long(check.due_on)} <strong data-overdue="relapse_check">(overdue)' in course

    client.cookies.clear()
    web_login(client, world, Role.FRONT_DESK)
    desk = client.get("/today").text
    row = desk[desk.index(f'<tr data-course-id="{course_id}"') :]
    row = row[: row.index("</tr>")]
    assert f"Overdue since {_long(booster.since)}" in row and "maintenance booster 1" in row
    assert "relapse-watch questionnaire was due" in row
    assert "Maintenance booster 2" in row  # the next one still to book
    # booster 1 was never given: shown as missed before booster 2, with why it is not offered
    assert 'data-missed="1"' in row and "Missed: booster 1" in row
    assert row.index("Missed: booster 1") < row.index("Next open: Maintenance booster 2")
    assert "the prescriber moves it in the booster plan" in row
    assert "Book booster 1" not in row  # its dates are over: the booking gate would refuse
    assert "PHQ" not in desk and "/outcome" not in desk  # dates only, never scores


def test_the_desk_is_refused_while_a_relapse_waits_then_books_after_the_decision(
    client: TestClient, world: World
) -> None:
    clinic_with_chairs(world)
    patient_id, course_id = _maintenance(world, start_in_days=14)
    _relapse(world, course_id)  # twelve days later: sign in now

    csrf = web_login(client, world, Role.FRONT_DESK)
    held = client.get("/today").text
    assert "data-relapse-review" in held and "Waiting for the prescriber" in held
    held_row = held[held.index(f'<tr data-course-id="{course_id}"') :]
    held_row = held_row[: held_row.index("</tr>")]
    # the gate would refuse, so no booking is offered; the hold's rule and source one click away
    assert f'id="book-next-booster-{course_id}"' not in held_row
    assert f'id="book-all-boosters-{course_id}"' not in held_row
    assert "none is offered here yet" in held_row
    assert f'data-rule="{RULE}"' in held_row and "clinical.md §3.4" in held_row
    web = client.post(
        f"/today/boosters/{course_id}", data={"csrf_token": csrf, "booster_number": "1"}
    )
    assert web.status_code == 409
    error = web.text[web.text.index('id="booster-error"') :]
    assert "Booster not booked" in error and "physician or APP" in error
    assert f'data-rule="{RULE}"' in error
    why = error[error.index('<details class="why">') : error.index("</details>")]
    assert "decides on the course" in why and "source: clinical.md §3.4" in why  # plain + source
    api = client.post(
        f"/api/v1/schedule/courses/{course_id}/boosters/1",
        headers=bearer(client, world, Role.FRONT_DESK),
    )
    assert api.status_code == 409
    assert api.json()["error"] == "SafetyBlock" and api.json()["field"] == "course_id"
    assert api.json()["reasons"][0].startswith(f"{RULE}: ")
    desk = world.actor(Role.FRONT_DESK)
    assert world.services.boosters.booked(desk, course_id) == []

    client.cookies.clear()
    csrf_p = web_login(client, world, Role.PHYSICIAN)
    today = client.get("/today").text
    outcomes = _section(today, "today-outcomes")
    row = outcomes[outcomes.index(f'data-course-id="{course_id}"') :]
    assert "Relapse criteria met — decide" in row[: row.index("</tr>")]
    page = client.get(f"/courses/{course_id}/outcome").text
    assert "data-relapse-review" in page
    start = world.clock.now().astimezone(ZoneInfo(world.clinic.timezone)).date()
    stored = client.post(
        f"/courses/{course_id}/outcome/plan",
        data={"csrf_token": csrf_p, "start_on": start.isoformat()},
        follow_redirects=False,
    )
    assert stored.status_code == 303, stored.text[:500]
    assert "data-relapse-review" not in client.get(f"/courses/{course_id}/outcome").text

    client.cookies.clear()
    csrf = web_login(client, world, Role.FRONT_DESK)
    booked = client.post(
        f"/today/boosters/{course_id}",
        data={"csrf_token": csrf, "booster_number": "1"},
        follow_redirects=False,
    )
    assert booked.status_code == 303, booked.text[:500]
    api = client.post(
        f"/api/v1/schedule/courses/{course_id}/boosters/2",
        headers=bearer(client, world, Role.FRONT_DESK),
    )
    assert api.status_code == 201, api.text
    numbers = [b.session_number for b in world.services.boosters.booked(desk, course_id)]
    assert numbers == [1, 2] and patient_id


def test_a_decision_after_a_relapse_shows_on_the_course_page_and_its_report(
    client: TestClient, world: World
) -> None:
    clinic_with_chairs(world)
    _, course_id = _maintenance(world, start_in_days=14)
    _relapse(world, course_id)
    csrf = web_login(client, world, Role.PHYSICIAN)
    before = client.get(f"/courses/{course_id}/outcome").text
    assert "outcome worklist for review" in before
    assert 'data-decision="discontinued"' not in before and 'action="/courses/' in before

    reason = "Synthetic: patient prefers to stop after the relapse"
    decided = client.post(
        f"/courses/{course_id}/outcome/decision",
        data={"csrf_token": csrf, "decision": "discontinued", "reason": reason},
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text[:500]
    page = client.get(f"/courses/{course_id}/outcome").text
    decision = _section(page, "clinician-decision")
    assert 'data-decision="discontinued"' in decision and reason in decision
    assert "by Test Physician" in decision  # the person's name, never an id
    zone = ZoneInfo(world.clinic.timezone)
    assert f"{world.clock.now().astimezone(zone):%a %-d %b %Y}" in decision  # local, human date
    assert "outcome worklist for review" not in page
    assert "decided since" in page
    # nothing left to decide on an ended course: no form, a plain sentence, no refused offer
    assert f'action="/courses/{course_id}/outcome/decision"' not in page
    assert "data-no-decision-open" in decision and "The course has ended" in decision
    assert "no transition from" not in page and 'data-next-step="offer_maintenance"' not in page

    pdf = client.get(f"/courses/{course_id}/report.pdf")
    assert pdf.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    flat = " ".join(text.split())
    assert "Clinician decision: discontinued" in flat, flat
    assert "patient prefers to stop" in flat


def test_the_api_gives_the_overdue_flag_and_dates_the_pages_show(
    client: TestClient, world: World
) -> None:
    clinic_with_chairs(world)
    patient_id, course_id = _maintenance(world)
    physician = bearer(client, world, Role.PHYSICIAN)
    before = client.get(f"/api/v1/courses/{course_id}/outcome", headers=physician).json()
    assert (before["overdue"], before["overdue_since"], before["overdue_items"]) == (
        False,
        None,
        [],
    )
    assert before["relapse_review"] is False
    assert client.get("/api/v1/worklist/overdue", headers=physician).json() == []

    world.clock.advance(days=10)
    physician = bearer(client, world, Role.PHYSICIAN)
    [entry] = world.services.overdue.worklist(world.actor(Role.PHYSICIAN))
    check, booster = entry.items
    items = [
        {
            "kind": "relapse_check",
            "what": "Relapse-watch check (PHQ-9)",
            "booster_number": None,
            "due_on": check.due_on.isoformat(),
            "overdue_since": check.since.isoformat(),
        },
        {
            "kind": "booster",
            "what": "Maintenance booster 1",
            "booster_number": 1,
            "due_on": booster.due_on.isoformat(),
            "overdue_since": booster.since.isoformat(),
        },
    ]
    course = client.get(f"/api/v1/courses/{course_id}/outcome", headers=physician)
    assert course.status_code == 200, course.text
    got = course.json()
    assert got["overdue"] is True and got["overdue_since"] == entry.since.isoformat()
    assert got["overdue_items"] == items and got["relapse_review"] is False
    listed = client.get("/api/v1/worklist/overdue", headers=physician)
    assert listed.status_code == 200, listed.text
    assert listed.json() == [
        {
            "patient_id": patient_id,
            "course_id": course_id,
            "state": entry.course.state.value,
            "overdue": True,
            "overdue_since": entry.since.isoformat(),
            "overdue_items": items,
        }
    ]
    desk = client.get("/api/v1/worklist/overdue", headers=bearer(client, world, Role.FRONT_DESK))
    assert desk.status_code == 403  # the prescriber's list (COURSE_MANAGE), as on the web
