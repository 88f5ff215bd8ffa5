"""An adverse event recorded on a session (nausea, written in recovery after the dose was already
recorded against its order) reaches every reader after the session: the next order's titration
recommendation, the course report PDF, the session's FHIR export (an AdverseEvent resource) and
the outcomes dashboard's events per 100 sessions. A kind the titration rules do not know
("headache") is kept as written in the report and counted on the dashboard."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from pypdf import PdfReader

from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.infusion_world import start_fields
from tests.integration.test_outcome_service import phq9
from tests.integration.test_session_workflow import Day, _ready, make_day

NAUSEA = {
    "kind": "Nausea",
    "severity": "mild",
    "intervention": "ondansetron 4 mg IV",
    "outcome": "resolved",
}
HEADACHE = {**NAUSEA, "kind": "headache", "intervention": "rest"}


def _session_with_nausea(day: Day) -> None:
    nurse = day.world.actor(Role.NURSE)
    _ready(day)
    day.flow.start(
        nurse,
        day.session_id,
        start_fields(day.world, lot="KET-DEMO-42"),
    )
    day.world.clock.advance(minutes=40)
    day.flow.end_dosing(nurse, day.session_id)
    day.flow.adverse_event(nurse, day.session_id, NAUSEA)  # in recovery: the dose is stored
    day.flow.adverse_event(nurse, day.session_id, HEADACHE)


def test_a_session_adverse_event_reaches_titration_pdf_fhir_and_dashboard(
    client: TestClient, world: World
) -> None:
    day = make_day(world)
    course_id = day.setup.course_id
    baseline = client.post(  # the dashboard counts courses with a score on their timeline
        f"/api/v1/courses/{course_id}/scores",
        json={"instrument_id": "phq9", "answers": phq9(18)},
        headers=bearer(client, world, Role.NURSE),
    )
    assert baseline.status_code == 201 and baseline.json()["kind"] == "baseline"
    _session_with_nausea(day)

    screen = world.services.orders.screen(world.actor(Role.APP), course_id)
    assert screen.recommendation is not None
    rules = {f.reason.rule_id for f in screen.recommendation.findings}
    assert "titration.adverse_event.nausea" in rules
    [row] = screen.history
    assert row.administration is not None
    assert [e.value for e in row.administration.response.adverse_events] == ["nausea"]

    web_login(client, world, Role.PHYSICIAN)
    pdf = client.get(f"/courses/{course_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "adverse events: none" not in text
    assert "adverse events: Nausea, headache" in text
    assert "session 1 - Nausea (mild)\n" in text  # one line for the event, one for its care
    assert "intervention: ondansetron 4 mg IV - outcome: resolved" in text

    bundle = client.get(
        f"/api/v1/sessions/{day.session_id}/fhir", headers=bearer(client, world, Role.NURSE)
    ).json()
    events = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "AdverseEvent"
    ]
    assert len(events) == 2
    assert "Nausea" in str(events[0]) and "headache" in str(events[1])

    month = world.clock.now().strftime("%Y-%m")
    figures = client.get(
        f"/api/v1/outcomes/dashboard?from_month={month}&to_month={month}",
        headers=bearer(client, world, Role.ADMIN),
    ).json()
    [safety] = figures["safety"]
    assert (safety["sessions"], safety["adverse_events"]) == (1, 2)
