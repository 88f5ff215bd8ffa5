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

from ketaclinic.adapters.db.tables_dosing import dose_administrations
from ketaclinic.domain.access import Role
from tests.conftest import World
from tests.e2e.conftest import bearer
from tests.integration.test_orders_service import bedside, iv_draft, set_up_course

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
def test_two_racing_administrations_of_one_order_give_201_and_409(
    world: World, client: TestClient, attempt: int
) -> None:
    setup = set_up_course(
        world.services, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    )
    order = world.services.orders.sign(world.actor(Role.APP), setup.course_id, iv_draft())
    nurse = world.actor(Role.NURSE)
    c = order.content
    entry = bedside(
        setup.mrn,
        concentration_mg_per_ml=c.final_concentration_mg_per_ml,
        dose_mg=c.dose_mg,
        rate_ml_per_h=c.rate_ml_per_h,
    )
    assert world.services.orders.verify(nurse, order.id, entry).verified
    headers = bearer(client, world, Role.NURSE)
    url = f"/api/v1/orders/{order.id}/administration"

    def post() -> httpx.Response:
        return client.post(url, json={}, headers=headers)

    responses = race(post, post)
    assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
    refused = next(r for r in responses if r.status_code == 409).json()
    assert refused["field"] == "order_id" and "given" in refused["detail"]
    with world.services.engine.connect() as conn:
        given = conn.execute(
            select(func.count()).where(dose_administrations.c.order_id == order.id)
        ).scalar_one()
    assert given == 1
