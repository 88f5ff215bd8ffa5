"""Staff pages show every time on the clinic's clock (America/Chicago in the test clinic), in the
pages' own formats: the score chart and its score list, and the audit trail. A score answered
at 03:00 UTC on 2 March is the evening of 1 March in Chicago."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from tests.conftest import World
from tests.e2e.conftest import web_login

PHQ9 = {str(i): 2 for i in range(1, 10)} | {"9": 0, "difficulty": 1}  # total 16
EVENING_BEFORE = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 1 Mar 21:00 in Chicago


def a_patient_with_a_score(world: World) -> int:
    details = PatientDetails("Sky", "Demo-Sky", date(1985, 5, 5), SexAtBirth.FEMALE)
    patient = world.services.patients.register(world.actor(Role.FRONT_DESK), details).id
    world.services.assessments.record(
        world.actor(Role.NURSE), patient, "phq9", PHQ9, answered_at=EVENING_BEFORE
    )
    return patient


def test_the_score_chart_and_list_are_dated_on_the_clinics_clock(
    client: TestClient, world: World
) -> None:
    patient = a_patient_with_a_score(world)
    web_login(client, world, Role.NURSE)
    panel = client.get(f"/patients/{patient}/panels/trajectories")
    assert panel.status_code == 200
    text = panel.text
    assert "Date (clinic time, America/Chicago)" in text and "Date (UTC)" not in text
    assert "1 Mar 2026: 16 points" in text  # the point's hover text
    assert "2026-03-02" not in text  # neither the UTC date nor an ISO stamp
    assert "2026-03-01 21:00" in text  # the score list, by the pages' local filter


def test_the_audit_trail_shows_local_times(client: TestClient, world: World) -> None:
    a_patient_with_a_score(world)  # audited at the clock's 14:00 UTC: 08:00 in Chicago
    web_login(client, world, Role.AUDITOR)
    page = client.get("/audit", params={"on": "2026-03-02"})
    assert page.status_code == 200
    assert "2026-03-02 08:00:00" in page.text
    assert "2026-03-02 14:00" not in page.text and "T14:00" not in page.text
