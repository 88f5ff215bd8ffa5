"""The demo clinic, seeded the way ``ketaclinic demo`` seeds it, has a ketamine-assisted therapy
day: a kat-holistic course consented, its preparatory coaching signed by the coach, a signed
sublingual order and the series booked with the first journey today. The patient is marked
arrived with the coach as attendant, so the session waits for the nurse's check-in on the nurse's
and the coach's Today pages; the nurse's check-in then goes through and the coach still attends.
Seeding twice adds nothing; the evaluation-stage KAT course is still there."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ketaclinic.adapters.protocol_files import shipped_protocols
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor, Clinic
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.integration.plans import NoteKind
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.demo import DEMO_PASSWORD, seed_demo
from ketaclinic.services.demo_clinic import kat_day_services
from ketaclinic.services.demo_kat_day import KAT_DAY_PATIENT, KatDayPatient, seed_demo_kat_day
from ketaclinic.services.demo_pathway import demo_actors, seed_demo_pathway
from ketaclinic.services.demo_stages import seed_demo_stages
from ketaclinic.services.infusion.demo_sessions import DEMO_CHECK_IN
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.conftest import World

Seeded = tuple[Clinic, KatDayPatient]


@pytest.fixture
def seeded(world: World) -> Seeded:
    s = world.services
    demo = seed_demo(s.uow, world.clock, s.staff, s.patients, s.protocols, shipped_protocols())
    seed_demo_schedule(s.uow, world.clock, demo.clinic.id)
    seed_demo_pathway(s.uow, world.clock, s.pathway(), demo.clinic.id)
    seed_demo_stages(s.uow, world.clock, s.pathway(), s.outcomes, demo.clinic.id)
    kat = seed_demo_kat_day(s.uow, world.clock, kat_day_services(s), demo.clinic.id)
    assert kat is not None
    return demo.clinic, kat


@pytest.fixture
def client(world: World, seeded: Seeded) -> Iterator[TestClient]:
    with TestClient(create_app(services=world.services)) as c:
        yield c


def actor(world: World, clinic: Clinic, role: Role) -> Actor:
    return demo_actors(world.services.uow, clinic.id)[role]


def sign_in(client: TestClient, email: str) -> None:
    page = client.get("/signin")
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"email": email, "password": DEMO_PASSWORD, "csrf_token": csrf}
    assert client.post("/signin", data=form, follow_redirects=False).status_code == 303


def test_the_kat_course_is_consented_prepared_ordered_and_booked_today(
    world: World, seeded: Seeded
) -> None:
    clinic, kat = seeded
    s, nurse = world.services, actor(world, clinic, Role.NURSE)
    view = s.courses.view(nurse, kat.course_id)
    assert view.course.state is CourseState.CONSENTED
    assert view.published.protocol_id == "kat-holistic"
    assert s.consents.view(nurse, kat.course_id).status.complete
    [note] = s.coaching.notes(nurse, kat.course_id)
    assert note.kind is NoteKind.PREPARATORY and note.signed
    assert note.author_id == actor(world, clinic, Role.COACH).staff_id
    assert s.integration.plan(nurse, kat.course_id).kat.allowed  # preparation done: no block
    order, _ = s.orders.get(nurse, kat.order_id)
    assert order.content.route is Route.SL and order.content.dose_mg == 100
    assert len(kat.appointments) == 3  # the pack's series
    first = min(kat.appointments, key=lambda b: b.start_at)
    zone = ZoneInfo(clinic.timezone)
    assert first.start_at.astimezone(zone).date() == world.clock.now().astimezone(zone).date()


def test_the_patient_has_arrived_with_the_coach_attending_and_the_nurse_checks_in(
    world: World, seeded: Seeded
) -> None:
    clinic, kat = seeded
    s, nurse, coach = world.services, *(actor(world, clinic, r) for r in (Role.NURSE, Role.COACH))
    assert kat.session is not None
    first = min(kat.appointments, key=lambda b: b.start_at)
    session = s.sessions.get(nurse, kat.session.id)
    assert session.state is SessionState.SCHEDULED  # arrived: the nurse's check-in is next
    assert session.appointment_id == first.id and session.attendant_id == coach.staff_id
    checked_in = s.session_workflow.check_in(nurse, session.id, DEMO_CHECK_IN)
    assert checked_in.state is SessionState.CHECKED_IN
    assert checked_in.attendant_id == coach.staff_id  # the coach attends from check-in


def test_the_nurse_and_the_coach_find_the_kat_session_on_today(
    client: TestClient, seeded: Seeded
) -> None:
    _, kat = seeded
    assert kat.session is not None
    name = f"{KAT_DAY_PATIENT.family_name}, {KAT_DAY_PATIENT.given_name}"
    sign_in(client, "nurse@demo.ketaclinic.test")
    today = client.get("/today").text
    arrivals = today.split('id="today-arrivals"', 1)[1].split("</section>", 1)[0]
    row = arrivals.split(f'data-appointment-id="{kat.session.appointment_id}"', 1)[1]
    row = row.split("</tr>", 1)[0]
    assert name in row and f'href="/sessions/{kat.session.id}#step-check-in"' in row
    assert ">Check in</a>" in row and "waiting for check-in" in row
    client.post("/signout", data={})
    client.cookies.clear()
    sign_in(client, "coach@demo.ketaclinic.test")
    coach = client.get("/today").text
    sessions = coach.split('id="today-coach-sessions"', 1)[1].split("</section>", 1)[0]
    assert name in sessions and f'href="/sessions/{kat.session.id}"' in sessions
    arrived = client.get("/arrivals").text  # the coach attends; checking in is the nurse's
    row = arrived.split(f'data-appointment-id="{kat.session.appointment_id}"', 1)[1]
    row = row.split("</tr>", 1)[0]
    assert ">Open session</a>" in row and "waiting for the nurse's check-in" in row, row
    assert "#step-check-in" not in row and ">Check in</a>" not in row


def test_seeding_again_adds_nothing_and_the_evaluation_stage_kat_course_stays(
    world: World, seeded: Seeded
) -> None:
    clinic, _ = seeded
    s = world.services
    assert seed_demo_kat_day(s.uow, world.clock, kat_day_services(s), clinic.id) is None
    nurse = actor(world, clinic, Role.NURSE)
    found = s.patients.search(nurse, PatientSearch(clinic.id, text=KAT_DAY_PATIENT.family_name))
    assert len(found) == 1
    stage = s.patients.search(nurse, PatientSearch(clinic.id, text="Demo-StageKat"))
    [course] = s.courses.for_patient(nurse, stage[0].id)
    assert course.state is CourseState.EVALUATING
