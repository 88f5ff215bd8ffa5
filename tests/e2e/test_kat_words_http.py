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
from ketaclinic.domain.identity.staff import Clinic
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.demo import DEMO_PASSWORD, seed_demo
from ketaclinic.services.demo_clinic import kat_day_services
from ketaclinic.services.demo_kat_day import KatDayPatient, seed_demo_kat_day
from ketaclinic.services.demo_pathway import seed_demo_pathway
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
