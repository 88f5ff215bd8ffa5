"""The schedule and the chart once a KAT patient has arrived and is checked in: the schedule's
day and week views say where the patient stands ("Patient here: checked in") and offer no Move
(the one open-visit read the chart's schedule panel uses); the schedule's screen-reader words
keep "KAT" in capitals; the chart's sections, the sessions panel, the booking button and a
chair's re-plan read in KAT words; the session page's status follows the visit and the chart's
"Now" line shows check-in and dose start apart; check-in lands on the session's own address;
confirming a re-planned series says for whom and how many sessions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from ketaclinic.adapters.protocol_files import shipped_protocols
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Clinic
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.scheduling.booking import BookingStatus
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.demo import DEMO_PASSWORD, seed_demo
from ketaclinic.services.demo_clinic import kat_day_services
from ketaclinic.services.demo_kat_day import KatDayPatient, seed_demo_kat_day
from ketaclinic.services.demo_pathway import demo_actors, seed_demo_pathway
from ketaclinic.services.infusion.demo_sessions import DEMO_CHECK_IN, demo_start, walk_to
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.scheduling.inputs import DropReason, DropRequest
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.conftest import World

Seeded = tuple[Clinic, KatDayPatient]
NURSE, DESK = "nurse@demo.ketaclinic.test", "frontdesk@demo.ketaclinic.test"


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


def sign_in(client: TestClient, email: str) -> str:
    """Sign in through the form; the session's CSRF token."""
    client.cookies.clear()
    page = client.get("/signin")
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"email": email, "password": DEMO_PASSWORD, "csrf_token": csrf}
    assert client.post("/signin", data=form, follow_redirects=False).status_code == 303
    home = client.get("/today").text
    return home.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _check_in_form() -> dict[str, str]:
    return {k: ("on" if v is True else str(v)) for k, v in DEMO_CHECK_IN.items()}


def _check_in(client: TestClient, session_id: int) -> None:
    """The nurse's check-in on the session page: it lands on the session's own page."""
    csrf = sign_in(client, NURSE)
    done = client.post(
        f"/sessions/{session_id}/steps/check-in",
        data={"csrf_token": csrf, **_check_in_form()},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/sessions/{session_id}"


def _slot(page: str, appointment_id: int) -> str:
    marker = f'data-appointment-id="{appointment_id}" data-chair-id='
    return page.split(marker, 1)[1].split("</li>", 1)[0]


def _day(clinic: Clinic, kat: KatDayPatient) -> str:
    assert kat.session is not None
    return kat.session.created_at.astimezone(ZoneInfo(clinic.timezone)).date().isoformat()


def test_the_schedule_says_the_patient_is_here_and_offers_no_move(
    client: TestClient, seeded: Seeded
) -> None:
    clinic, kat = seeded
    assert kat.session is not None
    first = kat.session.appointment_id
    assert first is not None
    later = sorted(kat.appointments, key=lambda b: b.start_at)[1]
    day = _day(clinic, kat)
    sign_in(client, DESK)
    arrived = _slot(client.get(f"/schedule?day={day}").text, first)
    assert "Patient here: arrived and waiting for the nurse&#39;s check-in" in arrived, arrived
    assert 'data-field="move-link"' not in arrived and "Confirmed" not in arrived

    _check_in(client, kat.session.id)
    sign_in(client, DESK)
    for view in (f"/schedule?day={day}", f"/schedule?day={day}&by=staff"):
        slot = _slot(client.get(view).text, first)
        assert "Patient here: checked in" in slot and "Confirmed" not in slot, slot
        assert 'data-field="move-link"' not in slot and "/drop" not in slot
        assert 'data-no-change="visit-open"' in slot
    week = client.get(f"/schedule/week?start={day}").text
    slot = _slot(week, first)
    assert "Patient here: checked in" in slot and "Confirmed" not in slot, slot
    assert 'data-field="move-link"' not in slot
    other = _slot(week, later.id)
    assert (
        "Confirmed" in other and 'data-field="move-link"' in other and "Patient here" not in other
    )


def test_the_schedules_screen_reader_words_keep_kat_in_capitals(
    client: TestClient, seeded: Seeded
) -> None:
    clinic, kat = seeded
    later = sorted(kat.appointments, key=lambda b: b.start_at)[1]
    sign_in(client, DESK)
    week = client.get(f"/schedule/week?start={_day(clinic, kat)}").text
    hidden = _slot(week, later.id).split('class="nhsuk-u-visually-hidden">', 1)[1]
    hidden = hidden.split("</span>", 1)[0]
    assert hidden == f" KAT session {later.session_number} for Demo-KatDay, Sol", hidden
    assert "kat session" not in week


def test_the_chart_names_kat_sections_and_sessions_in_kat_words(
    client: TestClient, seeded: Seeded
) -> None:
    clinic, kat = seeded
    assert kat.session is not None and kat.session.scheduled_for is not None
    _check_in(client, kat.session.id)
    chart = client.get(f"/patients/{kat.patient_id}?section=sessions").text
    tabs = chart.split('aria-label="Chart sections"', 1)[1].split("</nav>", 1)[0]
    assert ">KAT sessions</a>" in tabs and ">Appointments: KAT series and boosters</a>" in tabs
    assert "Infusion sessions" not in tabs and "induction series" not in tabs
    heading = chart.split('id="panel-sessions-h">', 1)[1].split("</h2>", 1)[0]
    assert heading == "KAT sessions"
    panel = client.get(f"/patients/{kat.patient_id}/panels/sessions").text
    when = kat.session.scheduled_for.astimezone(ZoneInfo(clinic.timezone))
    link = f'<a href="/sessions/{kat.session.id}">KAT session 1 · {when:%a %-d %b %Y %H:%M}</a>'
    assert link in panel, panel
    assert "Session of" not in panel


def test_an_iv_patients_chart_keeps_the_infusion_words(
    client: TestClient, world: World, seeded: Seeded
) -> None:
    clinic, kat = seeded
    desk = demo_actors(world.services.uow, clinic.id)[Role.FRONT_DESK]
    iv = next(
        p.id
        for p in world.services.patients.search(desk, PatientSearch(0, text="Demo-"))
        if p.id != kat.patient_id
        and world.services.banners.banner(desk, p.id).course is not None
        and not world.services.banners.banner(desk, p.id).kat
    )
    sign_in(client, NURSE)
    chart = client.get(f"/patients/{iv}?section=schedule").text
    tabs = chart.split('aria-label="Chart sections"', 1)[1].split("</nav>", 1)[0]
    assert ">Infusion sessions</a>" in tabs
    assert ">Appointments: induction series and boosters</a>" in tabs and "KAT" not in tabs


def test_the_session_status_follows_the_visit_and_the_chart_splits_check_in_from_dose(
    client: TestClient, world: World, seeded: Seeded
) -> None:
    clinic, kat = seeded
    assert kat.session is not None
    sign_in(client, NURSE)
    page = client.get(f"/sessions/{kat.session.id}").text
    state = page.split('data-field="state"', 1)[1].split("</strong>", 1)[0]
    assert state.endswith(">Arrived, waiting for the nurse's check-in"), state
    assert "Scheduled" not in state

    staff = demo_actors(world.services.uow, clinic.id)
    nurse, flow = staff[Role.NURSE], world.services.session_workflow
    with world.services.uow() as uow:
        patient = uow.patients.get(clinic.id, kat.patient_id)
        order = uow.dosing.get_order(clinic.id, kat.order_id)
    assert patient is not None and order is not None
    world.clock.advance(minutes=7)
    walk_to(
        flow,
        world.services.orders,
        nurse,
        kat.session.id,
        kat.order_id,
        patient.mrn,
        until=SessionState.CHECKED_IN,
    )
    sign_in(client, NURSE)
    page = client.get(f"/sessions/{kat.session.id}").text
    state = page.split('data-field="state"', 1)[1].split("</strong>", 1)[0]
    assert state.endswith(">Checked in"), state
    zone = ZoneInfo(clinic.timezone)
    checked = world.clock.now().astimezone(zone).strftime("%H:%M")
    chart = client.get(f"/patients/{kat.patient_id}").text
    now = chart.split('data-field="summary-now">', 1)[1].split("</dd>", 1)[0]
    assert f'checked in <span data-field="now-checked-in">{checked}</span>' in now, now
    assert "dose not started yet" in now and "dose started" not in now

    world.clock.advance(minutes=13)
    for premed in order.content.premedications:
        given = {"drug": premed.drug, "dose_mg": str(premed.dose_mg), "route": premed.route}
        flow.give(nurse, kat.session.id, {**given, "lot": "LOT-P", "given_by": nurse.staff_id})
    vitals = {"sbp_mmhg": "124", "dbp_mmhg": "78", "hr_per_min": "72", "spo2_pct": "98"}
    checks = {"symptom_check": "none", "order_id": str(kat.order_id)}
    flow.pre_dose(nurse, kat.session.id, {**vitals, **checks})
    flow.start(nurse, kat.session.id, demo_start(flow, nurse, kat.session.id))
    dosed = world.services.sessions.get(staff[Role.NURSE], kat.session.id)
    assert dosed.dosing_started_at is not None
    started = dosed.dosing_started_at.astimezone(zone).strftime("%H:%M")
    assert started != checked
    sign_in(client, NURSE)
    chart = client.get(f"/patients/{kat.patient_id}").text
    now = chart.split('data-field="summary-now">', 1)[1].split("</dd>", 1)[0]
    assert f'checked in <span data-field="now-checked-in">{checked}</span>' in now, now
    assert f'dose started <span data-field="now-dose-started">{started}</span>' in now, now


def test_confirming_a_replanned_series_says_for_whom_and_how_many(
    client: TestClient, world: World, seeded: Seeded
) -> None:
    clinic, kat = seeded
    desk = demo_actors(world.services.uow, clinic.id)[Role.FRONT_DESK]
    later = sorted(kat.appointments, key=lambda b: b.start_at)[1]
    world.services.replans.drop(desk, later.id, DropRequest(DropReason.CANCELLED, "car broke"))
    proposed = [
        b
        for b in world.services.schedule.series_of_patient(desk, kat.patient_id)
        if b.status is BookingStatus.PROPOSED
    ]
    assert proposed
    csrf = sign_in(client, DESK)
    done = client.post(
        f"/courses/{kat.course_id}/series/confirm",
        data={"csrf_token": csrf},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 200, done.text
    said = done.text.split('id="confirm-result">', 1)[1].split("</p>", 1)[0]
    count = f"{len(proposed)} session{'s' if len(proposed) != 1 else ''}"
    assert said.startswith(f"{count} confirmed for Demo-KatDay, Sol"), said


def test_the_week_view_reads_every_courses_kind_in_one_order_query(
    client: TestClient, world: World, seeded: Seeded, migrated_engine: Engine
) -> None:
    clinic, kat = seeded
    sign_in(client, DESK)
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(migrated_engine, "before_cursor_execute", seen)
    try:
        week = client.get(f"/schedule/week?start={_day(clinic, kat)}")
    finally:
        event.remove(migrated_engine, "before_cursor_execute", seen)
    assert week.status_code == 200
    shown = set(re.findall(r'data-appointment-id="(\d+)"', week.text))
    desk = demo_actors(world.services.uow, clinic.id)[Role.FRONT_DESK]
    first = date.fromisoformat(_day(clinic, kat))
    board = world.services.calendar.board(desk, first - timedelta(days=first.weekday()), 7)
    courses = {b.course_id for b in board.bookings if str(b.id) in shown}
    assert len(courses) > 1, courses
    orders = [s for s in statements if "FROM dose_orders" in s]
    assert len(orders) == 1, orders


def test_a_chairs_replan_names_kat_sessions_in_kat_words(
    client: TestClient, seeded: Seeded
) -> None:
    clinic, kat = seeded
    later = sorted(kat.appointments, key=lambda b: b.start_at)[1]
    day = later.start_at.astimezone(ZoneInfo(clinic.timezone)).date().isoformat()
    csrf = sign_in(client, DESK)
    form = {"chair_id": str(later.chair_id), "from_day": day, "to_day": day, "reason": "repair"}
    page = client.post("/schedule/chairs/out-of-service", data={"csrf_token": csrf, **form})
    assert page.status_code == 200, page.text
    rows = [
        r.split("</tr>", 1)[0]
        for r in page.text.split(f'<tr data-patient-id="{kat.patient_id}">')[1:]
    ]
    assert rows, page.text
    assert any(f"(KAT session {later.session_number})" in r for r in rows), rows
    assert not any("induction" in r.lower() for r in rows), rows
