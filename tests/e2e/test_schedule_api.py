"""Scheduling over the JSON API: book a series in one call, confirm, a refused and an accepted
move, a chair out of service, and the FHIR Appointment/Slot/Schedule export validated with
fhir.resources R4B. Consent is the ``consent_in_force_stub`` of ``tests.schedule_world``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.slot import Slot

from ketaclinic.domain.identity.access import Role
from ketaclinic.entrypoints.app import create_app
from tests.conftest import World
from tests.e2e.conftest import bearer
from tests.schedule_world import Booked, schedule_world


@pytest.fixture
def booked(world: World) -> Booked:
    found = schedule_world(world)
    world.services.schedule, world.services.replans = found.schedule, found.replans
    return found


@pytest.fixture
def api(world: World, booked: Booked) -> Iterator[TestClient]:
    with TestClient(create_app(services=world.services)) as c:
        yield c


def _book(api: TestClient, world: World, course_id: int) -> list[dict[str, object]]:
    desk = bearer(api, world, Role.FRONT_DESK)
    made = api.post(f"/api/v1/schedule/courses/{course_id}/series", headers=desk)
    assert made.status_code == 201, made.text
    done = api.post(f"/api/v1/schedule/courses/{course_id}/series/confirm", headers=desk)
    assert done.status_code == 200, done.text
    return sorted(done.json(), key=lambda b: str(b["start_at"]))


def test_book_confirm_and_move_over_the_api(api: TestClient, world: World, booked: Booked) -> None:
    series = _book(api, world, booked.courses[0].id)
    assert len(series) == 6 and {b["status"] for b in series} == {"confirmed"}
    desk = bearer(api, world, Role.FRONT_DESK)
    third = datetime.fromisoformat(str(series[2]["start_at"]))
    refused = api.post(
        f"/api/v1/schedule/appointments/{series[3]['id']}/move",
        headers=desk,
        json={"start_at": (third + timedelta(hours=24)).isoformat(), "reason": "asked"},
    )
    assert refused.status_code == 409
    assert "SCH-SPACING" in refused.json()["rules"]
    chairs = world.services.calendar.directory(world.actor(Role.ADMIN)).chairs
    other_chair = next(c.id for c in chairs if c.id != series[3]["chair_id"])
    accepted = api.post(
        f"/api/v1/schedule/appointments/{series[3]['id']}/move",
        headers=desk,
        json={"start_at": series[3]["start_at"], "chair_id": other_chair, "reason": "lift"},
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["chair_id"] == other_chair


def test_bad_move_input_names_the_field(api: TestClient, world: World, booked: Booked) -> None:
    series = _book(api, world, booked.courses[0].id)
    desk = bearer(api, world, Role.FRONT_DESK)
    naive = api.post(
        f"/api/v1/schedule/appointments/{series[0]['id']}/move",
        headers=desk,
        json={"start_at": "2026-03-04T10:00:00", "reason": "x"},
    )
    assert naive.status_code == 422
    assert "start_at" in str(naive.json())


def test_chair_out_of_service_lists_who_to_call(
    api: TestClient, world: World, booked: Booked
) -> None:
    series = _book(api, world, booked.courses[0].id)
    chair = series[0]["chair_id"]
    now = world.clock.now()
    out = api.post(
        f"/api/v1/schedule/chairs/{chair}/out-of-service",
        headers=bearer(api, world, Role.ADMIN),
        json={
            "start_at": now.isoformat(),
            "end_at": (now + timedelta(days=40)).isoformat(),
            "reason": "pump fault",
        },
    )
    assert out.status_code == 200, out.text
    hit = [b for b in series if b["chair_id"] == chair]
    assert len(out.json()["to_call"]) + len(out.json()["reassigned"]) == len(hit)


def test_fhir_appointment_slot_and_schedule_validate_as_r4(
    api: TestClient, world: World, booked: Booked
) -> None:
    series = _book(api, world, booked.courses[0].id)
    reader = bearer(api, world, Role.NURSE)
    patient = booked.courses[0].patient_id
    found = api.get(f"/api/v1/fhir/Appointment?patient={patient}", headers=reader)
    assert found.status_code == 200 and found.headers["content-type"].startswith(
        "application/fhir+json"
    )
    bundle = Bundle.model_validate(found.json())
    appointments = [Appointment.model_validate(e.resource.model_dump()) for e in bundle.entry or []]
    assert len(appointments) == 6
    assert {a.status for a in appointments} == {"booked"}
    assert all(
        any(p.actor.reference == f"Patient/{patient}" for p in a.participant) for a in appointments
    )
    start = str(series[0]["start_at"])
    slots = api.get(f"/api/v1/fhir/Slot?start={start}&days=31", headers=reader).json()
    assert [Slot.model_validate(e["resource"]).status for e in slots["entry"]] == ["busy"] * 6
    schedules = api.get("/api/v1/fhir/Schedule", headers=reader).json()
    assert len([Schedule.model_validate(e["resource"]) for e in schedules["entry"]]) == 3


def test_fhir_appointment_of_another_clinic_patient_is_not_found(
    api: TestClient, world: World, booked: Booked
) -> None:
    missing = api.get(
        "/api/v1/fhir/Appointment?patient=999999", headers=bearer(api, world, Role.NURSE)
    )
    assert missing.status_code == 404
