"""The patient banner over HTTP: every page about one patient (chart, session day, evaluation,
eligibility, consent, dose order, coaching workspace, course outcome) shows who the patient is:
name, date of birth and age, MRN, allergies, minor and guardian status, open safety flags,
protocol and course state. Staff and chairs are named, and times are the clinic's (Chicago)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.assessments.safety import Urgency
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.people import (
    PatientDetails,
    RelatedPersonDetails,
    RelationshipKind,
    SexAtBirth,
    age_on,
)
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.assessments.safety import SafetyFlag, open_tasks
from ketaclinic.services.infusion.demo_sessions import DemoMonitor
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.infusion_world import running_sessions

CHICAGO = ZoneInfo("America/Chicago")


@dataclass
class Running:
    monitor: DemoMonitor
    course_id: int
    patient_id: int


@pytest.fixture
def running(world: World) -> Running:
    [monitor] = running_sessions(world, count=1, chairs=1, patients=1)
    patient_id = monitor.session.patient_id
    front_desk = world.actor(Role.FRONT_DESK)
    world.services.patients.add_allergy(front_desk, patient_id, "Latex", "hives", "moderate")
    with world.services.uow() as uow:
        flag = SafetyFlag("phq9.item9", "PHQ-9 item 9 positive", Urgency.URGENT)
        open_tasks(uow, world.clock, world.actor(Role.NURSE), patient_id, [flag], source="test")
        uow.commit()
    return Running(monitor, monitor.session.course_id, patient_id)


@pytest.fixture
def client(world: World, running: Running) -> Iterator[TestClient]:
    with TestClient(create_app(services=world.services)) as c:
        yield c


def banner(body: str) -> str:
    start = body.index('id="patient-banner"')
    return body[start : body.index("</aside>", start)]


def test_every_page_about_the_patient_shows_the_banner(
    world: World, client: TestClient, running: Running
) -> None:
    web_login(client, world, Role.PHYSICIAN)
    patient = world.services.patients.chart(world.actor(Role.PHYSICIAN), running.patient_id)
    p = patient.patient
    age = age_on(p.details.date_of_birth, world.clock.now().astimezone(CHICAGO).date())
    course, session = running.course_id, running.monitor.session.id
    [published] = world.services.protocols.published(world.actor(Role.PHYSICIAN))
    pages = [
        f"/patients/{p.id}",
        f"/sessions/{session}",
        f"/courses/{course}/evaluation",
        f"/courses/{course}/eligibility",
        f"/courses/{course}/consent",
        f"/courses/{course}/orders/new",
        f"/courses/{course}/integration",
        f"/courses/{course}/outcome",
        f"/patients/{p.id}/assessments/new",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:500])
        shown = banner(response.text)
        assert p.display_name in shown, path
        dob = p.details.date_of_birth
        assert f"{dob.day} {dob:%b %Y}</span> (<span" in shown, path
        assert f'data-field="age">{age} y<' in shown, path
        assert f'data-field="mrn">{p.mrn}<' in shown, path
        assert "<strong>Latex</strong> (moderate)" in shown, path
        assert "urgent: PHQ-9 item 9 positive" in shown, path
        assert f"{published.title} {published.version} · course induction" in shown, path
        assert 'data-field="minor"' not in shown, path


def test_the_verification_page_stays_blind_to_the_mrn(
    world: World, client: TestClient, running: Running
) -> None:
    web_login(client, world, Role.NURSE)
    orders = world.services.orders.for_patient(world.actor(Role.NURSE), running.patient_id)
    page = client.get(f"/orders/{orders[0].id}/verify")
    assert page.status_code == 200
    assert 'id="patient-banner"' not in page.text


def test_an_adolescent_banner_names_the_guardian(world: World, client: TestClient) -> None:
    today = world.clock.now().astimezone(CHICAGO).date()
    born = date(today.year - 15, 1, 1)
    teen = world.services.patients.register(
        world.actor(Role.FRONT_DESK),
        PatientDetails("Robin", "Demo-Banner", born, SexAtBirth.MALE),
        [
            RelatedPersonDetails(
                RelationshipKind.GUARDIAN, "Casey Demo-Banner", "parent", legal_authority=True
            )
        ],
    )
    web_login(client, world, Role.NURSE)
    shown = banner(client.get(f"/patients/{teen.id}").text)
    assert "Minor (under 18): guardian Casey Demo-Banner (legal authority)" in shown
    assert "No treatment course" in shown and "none recorded" in shown


def test_the_session_page_names_the_chair_and_shows_clinic_time(
    world: World, client: TestClient, running: Running
) -> None:
    web_login(client, world, Role.NURSE)
    body = client.get(f"/sessions/{running.monitor.session.id}").text
    assert "Chair 1 · attendant " in body and "attendant staff" not in body
    started = running.monitor.session.checked_in_at
    assert started is not None
    local = started.astimezone(CHICAGO).strftime("%H:%M")
    assert f'checked in <span data-field="checked-in">{local}</span>' in body
    assert started.strftime("%H:%M") != local  # the page shows Chicago time, not UTC


def test_the_portal_shows_the_link_expiry_in_clinic_time(
    world: World, client: TestClient, running: Running
) -> None:
    csrf = web_login(client, world, Role.COACH)
    created = client.post(f"/courses/{running.course_id}/portal-link", data={"csrf_token": csrf})
    assert created.status_code == 200
    url = created.text.split("/link/portal/", 1)[1].split('"', 1)[0].split("<", 1)[0]
    portal = client.get(f"/link/portal/{url}")
    assert portal.status_code == 200
    hours = world.services.settings.assessment_link_hours
    expires = world.clock.now() + timedelta(hours=hours)
    local = expires.astimezone(CHICAGO).strftime("%a %-d %b %Y %H:%M")
    assert f"Your link works until {local}." in portal.text
