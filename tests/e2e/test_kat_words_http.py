"""A ketamine-assisted therapy course's sessions read as KAT sessions wherever the clinic sees
them (the demo KAT day: a sublingual course with its first journey booked today and the patient
arrived): the nurse's and the front desk's Today, the arrivals page, the schedule day view, the
patient's schedule panel, the session heading and the bedside check of its sublingual dose. An
arrived patient's row says to check in, not "Open session (scheduled)"."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ketaclinic.adapters.protocol_files import shipped_protocols
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Clinic
from ketaclinic.domain.infusion.discharge import AldreteScore
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.demo import DEMO_PASSWORD, seed_demo
from ketaclinic.services.demo_clinic import kat_day_services
from ketaclinic.services.demo_kat_day import KatDayPatient, seed_demo_kat_day
from ketaclinic.services.demo_pathway import demo_actors, seed_demo_pathway
from ketaclinic.services.infusion.demo_sessions import walk_to
from ketaclinic.services.scheduling.inputs import DropReason, DropRequest
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.conftest import World

Seeded = tuple[Clinic, KatDayPatient]


@pytest.fixture
def seeded(world: World) -> Seeded:
    s = world.services
    demo = seed_demo(s.uow, world.clock, s.staff, s.patients, s.protocols, shipped_protocols())
    seed_demo_schedule(s.uow, world.clock, demo.clinic.id)
    seed_demo_pathway(s.uow, world.clock, s.pathway(), demo.clinic.id)
    kat = seed_demo_kat_day(s.uow, world.clock, kat_day_services(s), demo.clinic.id)
    assert kat is not None and kat.session is not None
    return demo.clinic, kat


@pytest.fixture
def client(world: World, seeded: Seeded) -> Iterator[TestClient]:
    with TestClient(create_app(services=world.services)) as c:
        yield c


def sign_in(client: TestClient, email: str) -> None:
    page = client.get("/signin")
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"email": email, "password": DEMO_PASSWORD, "csrf_token": csrf}
    assert client.post("/signin", data=form, follow_redirects=False).status_code == 303


def _section(body: str, section_id: str) -> str:
    return body.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]


def _row(body: str, marker: str) -> str:
    return body.split(marker, 1)[1].split("</tr>", 1)[0]


def test_the_nurse_today_names_the_kat_session_and_says_to_check_in(
    client: TestClient, seeded: Seeded
) -> None:
    clinic, kat = seeded
    assert kat.session is not None
    arrived = kat.session.created_at.astimezone(ZoneInfo(clinic.timezone)).strftime("%H:%M")
    sign_in(client, "nurse@demo.ketaclinic.test")
    today = client.get("/today").text
    row = _row(
        _section(today, "today-arrivals"), f'data-appointment-id="{kat.session.appointment_id}"'
    )
    assert "<td>KAT session 1</td>" in row and "Induction session" not in row
    assert f'href="/sessions/{kat.session.id}#step-check-in"' in row and ">Check in</a>" in row
    assert f"Arrived {arrived}, waiting for check-in" in row
    assert "Open session" not in row
    due = _row(_section(today, "today-due"), f'data-session-id="{kat.session.id}"')
    assert "<td>Arrived, waiting for check-in</td>" in due and "Scheduled" not in due
    arrivals = client.get("/arrivals").text
    row = _row(arrivals, f'data-appointment-id="{kat.session.appointment_id}"')
    assert "KAT session 1 · " in row and ">Check in</a>" in row


def test_the_front_desk_sees_kat_sessions_on_today_the_schedule_and_the_panel(
    client: TestClient, seeded: Seeded
) -> None:
    clinic, kat = seeded
    assert kat.session is not None
    sign_in(client, "frontdesk@demo.ketaclinic.test")
    today = client.get("/today").text
    row = _row(
        _section(today, "today-arrivals"), f'data-appointment-id="{kat.session.appointment_id}"'
    )
    assert "<td>KAT session 1</td>" in row and "Induction session" not in row
    assert "waiting for the nurse's check-in" in row  # no chart link for the desk
    day = kat.session.created_at.astimezone(ZoneInfo(clinic.timezone)).date().isoformat()
    schedule = client.get(f"/schedule?day={day}").text
    marker = f'data-appointment-id="{kat.session.appointment_id}" data-chair-id='
    slot = schedule.split(marker, 1)[1]
    slot = slot.split("</li>", 1)[0]
    assert "· KAT session 1 ·" in slot and "Induction" not in slot
    panel = client.get(f"/patients/{kat.patient_id}/panels/schedule").text
    heading = panel.split(f'id="induction-h-{kat.course_id}">', 1)[1].split("</h4>", 1)[0]
    assert heading == "KAT series"


def test_the_kat_session_heading_separates_the_date_and_the_check_names_the_sl_label(
    client: TestClient, seeded: Seeded
) -> None:
    clinic, kat = seeded
    assert kat.session is not None and kat.session.scheduled_for is not None
    sign_in(client, "nurse@demo.ketaclinic.test")
    page = client.get(f"/sessions/{kat.session.id}").text
    when = kat.session.scheduled_for.astimezone(ZoneInfo(clinic.timezone)).strftime("%-d %b %Y")
    assert f"<h1>KAT session 1 · {when}</h1>" in page
    check = client.get(f"/orders/{kat.order_id}/verify?session={kat.session.id}").text
    intro = check.split("Enter what is in hand:", 1)[1].split(".", 1)[0]
    assert "the wristband and the label on the dose's pack" in intro
    assert "pump" not in intro and "bag" not in intro


def test_a_discharged_kat_session_reads_discharged_at_its_time_and_the_banner_in_kat_sessions(
    client: TestClient, world: World, seeded: Seeded
) -> None:
    clinic, kat = seeded
    assert kat.session is not None
    s, zone = world.services, ZoneInfo(clinic.timezone)
    staff = demo_actors(s.uow, clinic.id)
    with s.uow() as uow:
        patient = uow.patients.get(clinic.id, kat.patient_id)
    assert patient is not None
    nurse = staff[Role.NURSE]
    walk_to(s.session_workflow, s.orders, nurse, kat.session.id, kat.order_id, patient.mrn)
    sign_in(client, "nurse@demo.ketaclinic.test")
    page = client.get(f"/sessions/{kat.session.id}").text
    banner = page.split('data-field="course">', 1)[1].split("</p>", 1)[0]
    assert banner.endswith("· course in KAT sessions") and "induction" not in banner
    world.clock.advance(minutes=45)
    s.session_workflow.end_dosing(nurse, kat.session.id)
    s.session_workflow.aldrete(nurse, kat.session.id, AldreteScore(2, 2, 2, 2, 2))
    world.clock.advance(minutes=200)
    s.session_workflow.discharge(
        staff[Role.PHYSICIAN],
        kat.session.id,
        {
            "escort_present": "on",
            "instructions_given": "on",
            "override_reason": "recovery vitals charted on paper",
            "extended_observation_min": "180",
        },
    )
    done = s.sessions.get(nurse, kat.session.id)
    assert done.state is SessionState.DISCHARGED and done.discharged_at is not None
    at = done.discharged_at.astimezone(zone).strftime("%H:%M")
    client.cookies.clear()  # the sign-in lapsed over the recovery hours
    sign_in(client, "nurse@demo.ketaclinic.test")
    today = client.get("/today").text
    row = _row(
        _section(today, "today-arrivals"), f'data-appointment-id="{kat.session.appointment_id}"'
    )
    assert f">Discharged {at}</a>" in row and "Open session" not in row


def test_a_replanned_kat_series_to_confirm_names_the_dropped_kat_session(
    client: TestClient, world: World, seeded: Seeded
) -> None:
    clinic, kat = seeded
    desk = demo_actors(world.services.uow, clinic.id)[Role.FRONT_DESK]
    later = sorted(kat.appointments, key=lambda b: b.start_at)[1]
    world.services.replans.drop(desk, later.id, DropRequest(DropReason.CANCELLED, "car broke"))
    sign_in(client, "frontdesk@demo.ketaclinic.test")
    row = _row(_section(client.get("/today").text, "today-series"), f'data-dropped="{later.id}"')
    assert f"KAT session {later.session_number} on " in row and "Induction" not in row
    assert "was cancelled (car broke)" in row
