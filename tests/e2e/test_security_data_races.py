"""Races end in one success and a 409, never a duplicate or a 500 (ASVS V1.11 / V11.1).

Two real concurrent HTTP requests through the app (threads released together by a barrier), on
SQLite and PostgreSQL, each repeated; the database is checked afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ketaclinic.adapters.db.dosing.tables import dose_administrations
from ketaclinic.adapters.db.integration.tables import journey_records
from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import bearer
from tests.infusion_world import start_fields
from tests.integration.test_session_workflow import _ready, make_day
from tests.kat_dosing import dosed_kat_session

pytestmark = pytest.mark.both_backends  # the outcome depends on the backend

REPEAT = range(3)


def race(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Run ``calls`` at the same moment on their own threads; responses in call order."""
    barrier = threading.Barrier(len(calls))

    def released(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(released, calls))


@pytest.mark.parametrize("attempt", REPEAT)
def test_two_racing_administrations_of_one_order_give_one_success_and_409(
    world: World, client: TestClient, attempt: int
) -> None:
    """Two nurses end the dosing of one session at once: the dose is recorded as given once."""
    day = make_day(world)
    _ready(day)
    headers = [bearer(client, world, Role.NURSE) for _ in range(2)]
    start = start_fields(world)
    started = client.post(
        f"/api/v1/sessions/{day.session_id}/steps/start", json=start, headers=headers[0]
    )
    assert started.status_code == 200, started.text
    world.clock.advance(minutes=40)  # the order's planned duration: no early-stop reason asked
    url = f"/api/v1/sessions/{day.session_id}/steps/end"
    body: dict[str, str] = {}

    def post(h: dict[str, str]) -> Callable[[], httpx.Response]:
        return lambda: client.post(url, json=body, headers=h)

    responses = race(post(headers[0]), post(headers[1]))
    codes = sorted(r.status_code for r in responses)
    assert codes[0] in (200, 201) and codes[1] == 409, [r.text for r in responses]
    with world.services.engine.connect() as conn:
        given = conn.execute(
            select(func.count()).where(dose_administrations.c.order_id == day.order_id)
        ).scalar_one()
    assert given == 1


@pytest.mark.parametrize("attempt", REPEAT)
def test_two_attendants_saving_one_sessions_journey_give_one_record_and_409(
    world: World, client: TestClient, attempt: int
) -> None:
    """The coach and the physician save the KAT experiential record of one session at once."""
    dose = dosed_kat_session(world)
    url = f"/api/v1/courses/{dose.setup.course_id}/journeys"
    body = {"session_id": dose.session_id, "attendant_id": world.actor(Role.COACH).staff_id}
    headers = [bearer(client, world, role) for role in (Role.COACH, Role.PHYSICIAN)]

    def post(h: dict[str, str]) -> Callable[[], httpx.Response]:
        return lambda: client.post(url, json=body, headers=h)

    responses = race(post(headers[0]), post(headers[1]))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 409], [r.text for r in responses]
    with world.services.engine.connect() as conn:
        stored = conn.execute(
            select(func.count()).where(journey_records.c.session_id == dose.session_id)
        ).scalar_one()
    assert stored == 1
