"""Cancelling a future induction session on the chart's schedule panel (the patient cannot come
that day) re-plans the series without offering that clinic day back; the API drop the same."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.scheduling.booking import Booking, BookingStatus
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.scheduling.inputs import MoveRequest
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.schedule_world import Booked, schedule_world

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def booked(world: World) -> Booked:
    found = schedule_world(world)
    world.services.schedule, world.services.replans = found.schedule, found.replans
    return found


@pytest.fixture
def client(world: World, booked: Booked) -> Iterator[TestClient]:
    with TestClient(create_app(services=world.services)) as c:
        yield c


def _day(b: Booking) -> date:
    return b.start_at.astimezone(CHICAGO).date()


def _series(world: World, booked: Booked) -> list[Booking]:
    desk = world.actor(Role.FRONT_DESK)
    course = booked.courses[0]
    booked.schedule.book_series(desk, course.id)
    return sorted(booked.schedule.confirm_series(desk, course.id), key=lambda b: b.start_at)


def _active(world: World, booked: Booked, patient_id: int) -> list[Booking]:
    found = booked.schedule.series_of_patient(world.actor(Role.NURSE), patient_id)
    return sorted((b for b in found if b.active), key=lambda b: b.start_at)


def test_cancelling_on_the_chart_panel_proposes_the_session_on_another_day(
    client: TestClient, world: World, booked: Booked
) -> None:
    series = _series(world, booked)
    second, patient_id = series[1], series[1].patient_id
    csrf = web_login(client, world, Role.FRONT_DESK)
    chart = client.get(f"/patients/{patient_id}?section=schedule")
    assert chart.status_code == 200 and f"/patients/{patient_id}/panels/schedule" in chart.text
    panel = client.get(f"/patients/{patient_id}/panels/schedule").text
    assert f'action="/appointments/{second.id}/drop"' in panel
    page = client.post(
        f"/appointments/{second.id}/drop",
        data={"csrf_token": csrf, "why": "cancelled", "reason": "cannot come Thursday"},
        headers={"HX-Request": "true"},
    )
    assert page.status_code == 200, page.text[:500]
    result = page.text.split('id="replan-result"', 1)[1].split("</p>", 1)[0]
    assert "Session 2 cancelled; the rest of the series is re-planned" in result, result
    active = _active(world, booked, patient_id)
    assert [b.session_number for b in active] == [1, 2, 3, 4, 5, 6]
    offered = next(b for b in active if b.session_number == 2)
    assert offered.id != second.id
    assert any(b.status is BookingStatus.PROPOSED for b in active)  # to confirm with the patient
    assert _day(offered) != _day(second), (offered.start_at, second.start_at)
    assert _day(second) not in {_day(b) for b in active}
    row = page.text.split(f'data-appointment-id="{offered.id}"', 1)[1].split("</tr>", 1)[0]
    label = offered.start_at.astimezone(CHICAGO).strftime("%Y-%m-%dT%H:%M")
    assert f'datetime="{label}"' in row


def test_a_missed_session_dropped_over_the_api_is_not_offered_its_day_again(
    client: TestClient, world: World, booked: Booked
) -> None:
    series = _series(world, booked)
    third = series[2]
    dropped = client.post(
        f"/api/v1/schedule/appointments/{third.id}/drop",
        headers=bearer(client, world, Role.FRONT_DESK),
        json={"why": "missed", "reason": "cannot come that day"},
    )
    assert dropped.status_code == 200, dropped.text
    active = _active(world, booked, third.patient_id)
    assert len(active) == 6 and third.id not in {b.id for b in active}
    assert _day(third) not in {_day(b) for b in active}


def test_sessions_whose_time_stays_keep_their_chair_nurse_and_status(
    client: TestClient, world: World, booked: Booked
) -> None:
    series = _series(world, booked)
    first = series[0]
    # the first session sits in another chair than a fresh plan would give it
    with world.services.uow() as uow:
        other = next(c.id for c in uow.clinics.chairs(world.clinic.id) if c.id != first.chair_id)
    why = "patient prefers the window chair"
    moved = booked.schedule.move(
        world.actor(Role.FRONT_DESK), first.id, MoveRequest(first.start_at, why, chair_id=other)
    )
    assert moved.accepted, moved
    series = sorted(_active(world, booked, first.patient_id), key=lambda b: b.start_at)
    assert series[0].chair_id == other
    third, patient_id = series[2], series[2].patient_id
    before = {b.id: b for b in series}
    csrf = web_login(client, world, Role.FRONT_DESK)
    page = client.post(
        f"/appointments/{third.id}/drop",
        data={"csrf_token": csrf, "why": "cancelled", "reason": "cannot come that day"},
        headers={"HX-Request": "true"},
    )
    assert page.status_code == 200, page.text[:500]
    kept = [
        b
        for b in _active(world, booked, patient_id)
        if b.id in before and (b.start_at, b.end_at) == (before[b.id].start_at, before[b.id].end_at)
    ]
    assert {b.id for b in series[:2]} <= {b.id for b in kept}, "the first two did not move"
    for b in kept:
        was = before[b.id]
        assert (b.chair_id, b.nurse_id, b.status) == (was.chair_id, was.nurse_id, was.status), b
