"""Staff pages show every time on the clinic's clock (America/Chicago in the test clinic), in the
pages' own formats: the score chart and its score list, and the audit trail. A score answered
at 03:00 UTC on 2 March is the evening of 1 March in Chicago."""

from __future__ import annotations

import re
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
    assert "Sun 1 Mar 2026 21:00" in text  # the score list, by the pages' local filter
    assert "2026-03-01" not in text


def test_the_audit_trail_shows_local_times(client: TestClient, world: World) -> None:
    a_patient_with_a_score(world)  # audited at the clock's 14:00 UTC: 08:00 in Chicago
    web_login(client, world, Role.AUDITOR)
    page = client.get("/audit", params={"on": "2026-03-02"})
    assert page.status_code == 200
    table = page.text.split('aria-label="Audit events"', 1)[1].split("</table>", 1)[0]
    assert "Mon 2 Mar 2026 08:00:00" in table
    assert "14:00" not in table and "T14:00" not in table
    assert not re.search(r"\d{4}-\d\d-\d\d", table)  # the ISO day stays in the form's value


def test_the_auditor_finds_a_patient_by_name_and_sees_names_not_ids(
    client: TestClient, world: World
) -> None:
    patient = a_patient_with_a_score(world)
    mrn = world.services.patients.chart(world.actor(Role.NURSE), patient).patient.mrn
    web_login(client, world, Role.AUDITOR)
    page = client.get("/audit")
    assert "Patient id" not in page.text and "User id" not in page.text
    assert '<label for="patient">Patient (name or MRN)</label>' in page.text
    assert "<option" in page.text.split('id="actor_id"', 1)[1].split("</select>", 1)[0]
    for typed in ("Demo-Sky", mrn):
        found = client.get("/audit", params={"patient": typed})
        assert found.status_code == 200, found.text
        assert f"Events about <strong>Demo-Sky, Sky (MRN {mrn})</strong>" in found.text
        rows = found.text.split('aria-label="Audit events"', 1)[1].split("</table>", 1)[0]
        assert "No events match." not in rows
        assert f"<td>Demo-Sky, Sky (MRN {mrn})</td>" in rows
        assert f"<td><span data-technical>{patient}</span></td>" not in rows
    by_id = client.get("/audit", params={"patient_id": str(patient)})  # links keep working
    assert by_id.status_code == 200 and "Events about <strong>Demo-Sky, Sky" in by_id.text
    nobody = client.get("/audit", params={"patient": "No-Such-Person"})
    assert nobody.status_code == 422 and "no patient of this clinic matches" in nobody.text
