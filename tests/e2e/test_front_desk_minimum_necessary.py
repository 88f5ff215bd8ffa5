"""The front desk reads what its work needs and no more (HIPAA minimum necessary): demographics,
contacts, guardians, allergies, measurements, appointments and check-in. Scores, evaluation and
eligibility, dose orders, infusion session records, coaching and outcomes are the care team's:
the desk's chart says so plainly, each clinical page answers "not shown to your role" (403, never
a 500), the banner leaves out open safety flags, and the API refuses the same reads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.assessments.safety import Urgency
from ketaclinic.domain.identity.access import Role
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.assessments.safety import SafetyFlag, open_tasks
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.infusion_world import running_sessions


@dataclass
class Running:
    patient_id: int
    course_id: int
    session_id: int
    order_id: int


@pytest.fixture
def running(world: World) -> Running:
    [monitor] = running_sessions(world, count=1, chairs=1, patients=1)
    patient_id = monitor.session.patient_id
    with world.services.uow() as uow:
        flag = SafetyFlag("phq9.item9", "PHQ-9 item 9 positive", Urgency.URGENT)
        open_tasks(uow, world.clock, world.actor(Role.NURSE), patient_id, [flag], source="test")
        uow.commit()
    orders = world.services.orders.for_patient(world.actor(Role.NURSE), patient_id)
    return Running(patient_id, monitor.session.course_id, monitor.session.id, orders[0].id)


@pytest.fixture
def client(world: World, running: Running) -> Iterator[TestClient]:
    with TestClient(create_app(services=world.services)) as c:
        yield c


def clinical_pages(r: Running) -> list[str]:
    p, c = r.patient_id, r.course_id
    return [
        f"/sessions/{r.session_id}",
        f"/orders/{r.order_id}",
        f"/courses/{c}/evaluation",
        f"/courses/{c}/eligibility",
        f"/courses/{c}/integration",
        f"/courses/{c}/outcome",
        f"/courses/{c}/report.pdf",
        f"/patients/{p}/panels/assessments",
        f"/patients/{p}/panels/trajectories",
        f"/patients/{p}/panels/evaluation",
        f"/patients/{p}/panels/dosing",
        f"/patients/{p}/panels/sessions",
        f"/patients/{p}/panels/integration",
        f"/patients/{p}/panels/outcomes",
        f"/patients/{p}/panels/safety",
        f"/patients/{p}/panels/courses",
        "/worklist/safety",
    ]


def test_the_desks_chart_shows_demographics_and_appointments_not_the_clinical_record(
    world: World, client: TestClient, running: Running
) -> None:
    web_login(client, world, Role.FRONT_DESK)
    chart = client.get(f"/patients/{running.patient_id}")
    assert chart.status_code == 200
    body = chart.text
    assert 'id="chart-not-shown"' in body and "not shown to your role (front desk)" in body
    assert 'id="panel-schedule"' in body  # the desk's chart opens on the first section it reads
    details = client.get(f"/patients/{running.patient_id}?section=details").text
    for shown in ('id="summary"', 'id="related"', 'id="measurements"'):
        assert shown in details, shown
    for hidden in ("assessments", "evaluation", "dosing", "sessions", "integration", "outcomes"):
        assert f'section={hidden}"' not in body, hidden  # no tab for it
        assert client.get(f"/patients/{running.patient_id}?section={hidden}").status_code == 403
    assert "PHQ-9 item 9 positive" not in body  # the banner's safety flag is clinical
    assert "Safety worklist" not in body


def test_every_clinical_page_tells_the_desk_it_is_not_shown_to_its_role(
    world: World, client: TestClient, running: Running
) -> None:
    web_login(client, world, Role.FRONT_DESK)
    for path in clinical_pages(running):
        page = client.get(path)
        assert page.status_code == 403, (path, page.status_code)
        if not path.endswith(".pdf"):
            assert "Not shown to your role" in page.text, path


def test_the_care_team_still_reads_the_clinical_record(
    world: World, client: TestClient, running: Running
) -> None:
    web_login(client, world, Role.NURSE)
    for path in clinical_pages(running):
        if path.endswith(".pdf"):
            continue
        assert client.get(path).status_code == 200, path
    assert "PHQ-9 item 9 positive" in client.get(f"/patients/{running.patient_id}").text


def test_the_api_refuses_the_desk_clinical_reads_and_serves_its_own(
    world: World, client: TestClient, running: Running
) -> None:
    desk = bearer(client, world, Role.FRONT_DESK)
    p, c = running.patient_id, running.course_id
    refused = [
        f"/api/v1/sessions/{running.session_id}/record",
        f"/api/v1/patients/{p}/assessments",
        f"/api/v1/patients/{p}/orders",
        f"/api/v1/courses/{c}/evaluation",
        f"/api/v1/courses/{c}/eligibility",
        "/api/v1/safety/tasks",
    ]
    for path in refused:
        answer = client.get(path, headers=desk)
        assert answer.status_code == 403, (path, answer.status_code)
        assert "not shown to your role" in answer.text, path
    for path in (f"/api/v1/patients/{p}", f"/api/v1/courses/{c}/consent", "/api/v1/patients"):
        assert client.get(path, headers=desk).status_code == 200, path
    nurse = bearer(client, world, Role.NURSE)
    assert client.get(f"/api/v1/patients/{p}/orders", headers=nurse).status_code == 200
