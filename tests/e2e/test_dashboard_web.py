"""Outcome pages through HTTP: course reassessment page, booster plan and decision forms with
inline field errors, the prescriber's worklist, the dashboard with CSV export, and the PDF."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from pypdf import PdfReader

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.course import CourseState
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.integration.test_outcome_service import reassess, responder_in_reassessment


def test_course_page_plan_and_decision_forms(client: TestClient, world: World) -> None:
    patient_id, course_id = responder_in_reassessment(world)
    reassess(world, course_id, 9)
    csrf = web_login(client, world, Role.PHYSICIAN)
    page = client.get(f"/courses/{course_id}/outcome")
    assert page.status_code == 200
    assert 'data-outcome="response"' in page.text and "<svg" in page.text
    assert "Date (clinic time, day 0 = baseline)" in page.text and "<desc" in page.text
    ticks = [t.split("<", 1)[0] for t in page.text.split('class="tick">')[1:]]
    assert ticks and all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}", t) for t in ticks)  # "7 Dec"
    panel = client.get(f"/patients/{patient_id}/panels/outcomes")
    assert panel.status_code == 200 and 'data-outcome="response"' in panel.text
    bad = client.post(
        f"/courses/{course_id}/outcome/plan",
        data={"csrf_token": csrf, "start_on": "someday", "edit_number": "2"},
    )
    assert bad.status_code == 422
    assert 'id="start_on-error"' in bad.text and 'id="edit_reason-error"' in bad.text
    today = world.clock.now().date().isoformat()
    stored = client.post(
        f"/courses/{course_id}/outcome/plan",
        data={"csrf_token": csrf, "start_on": today},
        follow_redirects=False,
    )
    assert stored.status_code == 303
    no_reason = client.post(
        f"/courses/{course_id}/outcome/decision",
        data={"csrf_token": csrf, "decision": "maintenance", "reason": ""},
    )
    assert no_reason.status_code == 422 and 'id="reason-error"' in no_reason.text
    decided = client.post(
        f"/courses/{course_id}/outcome/decision",
        data={"csrf_token": csrf, "decision": "maintenance", "reason": "response, holding"},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    view = world.services.courses.view(world.actor(Role.PHYSICIAN), course_id)
    assert view.course.state is CourseState.MAINTENANCE
    assert view.history[-1].reason == "response, holding"


def test_dashboard_csv_and_report(client: TestClient, world: World) -> None:
    _, course_id = responder_in_reassessment(world)
    web_login(client, world, Role.ADMIN)
    month = world.clock.now().strftime("%Y-%m")
    page = client.get(f"/outcomes?from_month={month}&to_month={month}")
    assert page.status_code == 200 and 'data-figure="rates"' in page.text
    assert "95 % CI" in page.text
    assert "baseline was already at or below the remission cut" in page.text
    assert "every monitor alarm raised on the course's infusion sessions" in page.text
    for chart in ("response and remission by start month", "time to first response"):
        assert chart in page.text  # drawn as SVG, the table behind it
    assert 'role="img"' in page.text
    assert "Courses with a score at the end of the series" in page.text
    assert "<td>At the end of the series (session 6)</td>" in page.text
    # protocols by name; the id one hover away and in the CSV
    assert (
        'title="Protocol id adult-iv-induction" data-protocol-id="adult-iv-induction">' in page.text
    )
    assert ">adult-iv-induction</td>" not in page.text
    # the clinic and the questionnaire by their names, not their id and code
    assert f"<td>All months</td><td>{world.clinic.name}</td>" in page.text
    assert page.text.count(f"<td>{world.clinic.name}</td>") == 2  # overall and by month
    assert "<td>PHQ-9</td>" in page.text and "<td>phq9</td>" not in page.text
    csv = client.get(f"/outcomes/rates.csv?from_month={month}&to_month={month}")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith(
        "protocol,start_month,clinic,series_sessions,courses_with_end_of_series_score"
    )
    assert lines[1].split(",")[3:7] == ["6", "1", "1", "100.0"]
    bad = client.get("/outcomes?from_month=2026-13&to_month=x")
    assert bad.status_code == 422 and 'id="from_month-error"' in bad.text
    assert client.get(f"/outcomes/nothing.csv?from_month={month}").status_code == 422
    assert client.get("/worklist/outcomes").status_code == 403  # admins do not prescribe
    client.post("/signout")
    web_login(client, world, Role.NURSE)
    pdf = client.get(f"/courses/{course_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    printed = pdf_text(pdf.content)  # the page's chart, embedded, with its text alternative
    assert "Date (clinic time, day 0 = baseline)" in printed and "PHQ-9 total (points)" in printed
    assert "Chart: " in printed and "totals from" in printed
    assert client.get(f"/courses/{course_id + 999}/report.pdf").status_code == 404
    assert client.get("/outcomes").status_code == 403  # nurses do not read clinic outcomes


def pdf_text(pdf: bytes) -> str:
    """The text a reader extracts from every page (embedded fonts and the SVG chart included)."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
