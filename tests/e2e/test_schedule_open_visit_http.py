"""An appointment whose visit is open (the patient is here) on the chart's schedule panel: the
status says where the patient stands instead of "Confirmed", no Move or Cancel is offered, and a
forced move or drop (web or API) is refused naming schedule.session_open with advice that fits
the visit: before dosing the nurse may close it without a dose; once dosing started it closes at
discharge."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.scheduling.booking import Booking
from ketaclinic.services.demo_pathway import prepare_course
from ketaclinic.services.infusion.demo_sessions import walk_to
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.infusion_world import prepare_clinic


def _visit_in(world: World, until: SessionState) -> tuple[int, list[Booking]]:
    """A synthetic adult's confirmed series; at the first appointment the front desk marks
    them arrived and the nurse walks the visit to ``until``."""
    prepare_clinic(world)
    seed_demo_schedule(world.services.uow, world.clock, world.clinic.id)
    s, desk, nurse = world.services, world.actor(Role.FRONT_DESK), world.actor(Role.NURSE)
    patient = s.patients.search(nurse, PatientSearch(0, text="Demo-Infusion"))[0]
    course_id, order_id = prepare_course(
        s.uow, world.clock, s.pathway(), world.clinic.id, patient.id
    )
    s.schedule.book_series(desk, course_id)
    series = sorted(s.schedule.confirm_series(desk, course_id), key=lambda b: b.start_at)
    world.clock.current = series[0].start_at - timedelta(minutes=30)
    session = s.arrivals.check_in(desk, series[0].id)
    walk_to(s.session_workflow, s.orders, nurse, session.id, order_id, patient.mrn, until=until)
    return patient.id, series


def forced_move(client: TestClient, world: World, booking: Booking) -> Any:
    """The front desk posts the chart panel's move form a day later, the way a page would,
    though the form is not offered: the service refuses."""
    csrf = web_login(client, world, Role.FRONT_DESK)
    local = booking.start_at.astimezone(ZoneInfo(world.clinic.timezone))
    return client.post(
        f"/appointments/{booking.id}/move",
        data={
            "csrf_token": csrf,
            "day": (local + timedelta(days=1)).strftime("%Y-%m-%d"),
            "time": local.strftime("%H:%M"),
            "reason": "later",
        },
        headers={"HX-Request": "true"},
    )


def _row(panel: str, appointment_id: int) -> str:
    return panel.split(f'data-appointment-id="{appointment_id}"', 1)[1].split("</tr>", 1)[0]


@pytest.mark.parametrize(
    ("until", "where", "advice", "not_advice"),
    [
        (
            SessionState.CHECKED_IN,
            "checked in",
            "Close the visit without a dose",
            "the dose is under way or given",
        ),
        (
            SessionState.INFUSING,
            "dosing",
            "the dose is under way or given",
            "Close the visit without a dose",
        ),
    ],
)
def test_an_open_visits_appointment_shows_the_visit_and_offers_no_change(
    client: TestClient,
    world: World,
    until: SessionState,
    where: str,
    advice: str,
    not_advice: str,
) -> None:
    patient_id, series = _visit_in(world, until)
    first, second = series[0], series[1]
    web_login(client, world, Role.FRONT_DESK)
    panel = client.get(f"/patients/{patient_id}/panels/schedule").text
    row = _row(panel, first.id)
    assert f"Patient here: {where}" in row and "Confirmed" not in row, row
    assert (
        f"/appointments/{first.id}/move" not in row and f"/appointments/{first.id}/drop" not in row
    )
    later = _row(panel, second.id)
    assert "Confirmed" in later and f'action="/appointments/{second.id}/move"' in later

    desk_api = bearer(client, world, Role.FRONT_DESK)
    dropped = client.post(
        f"/api/v1/schedule/appointments/{first.id}/drop",
        headers=desk_api,
        json={"why": "cancelled", "reason": "cannot stay"},
    )
    assert dropped.status_code == 409 and "schedule.session_open" in dropped.text, dropped.text
    text = dropped.json()["detail"]
    assert advice in text and not_advice not in text, text
    moved = client.post(
        f"/api/v1/schedule/appointments/{first.id}/move",
        headers=desk_api,
        json={"start_at": (first.start_at + timedelta(days=1)).isoformat(), "reason": "later"},
    )
    assert moved.status_code == 409 and "schedule.session_open" in moved.text, moved.text

    forced = forced_move(client, world, first)
    assert forced.status_code == 200, forced.text
    alert = forced.text.split('id="panel-error"', 1)[1].split("</div>", 1)[0]
    assert f"the patient is here, {where};" in alert and advice in alert, alert
    assert 'Why</summary><span class="meta">rule schedule.session_open' in alert, alert
    after = world.services.schedule.series_of_patient(world.actor(Role.NURSE), patient_id)
    assert {b.id: b.start_at for b in after}[first.id] == first.start_at
