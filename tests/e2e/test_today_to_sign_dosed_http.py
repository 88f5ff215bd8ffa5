"""The physician's "Dose orders to sign for today" over HTTP: a visit whose dose was given (dosing
started, then ended into recovery) never asks for another order, though its signed order is now
given and no open order remains on the course."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.infusion.demo_sessions import walk_to
from tests.booked_world import arrive, booked_today
from tests.conftest import World
from tests.e2e.test_today_http import section, sign_in


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(services=world.services)) as c:
        yield c


def test_a_dosed_and_ended_visit_is_not_an_order_to_sign(world: World, client: TestClient) -> None:
    booked = booked_today(world)
    empty = "Every appointment today has a signed order."
    page = sign_in(client, world, Role.PHYSICIAN)
    before = section(page, "today-to-sign")
    assert empty in before and booked.patient.display_name not in before
    s, nurse = world.services, world.actor(Role.NURSE)
    opened = arrive(world, booked)
    s.sessions.assign(nurse, opened.id, attendant_id=nurse.staff_id, device_id=None)
    mrn = booked.patient.mrn
    dosing = walk_to(s.session_workflow, s.orders, nurse, opened.id, booked.order_id, mrn)
    assert dosing.state is SessionState.INFUSING
    world.clock.advance(minutes=40)
    ended = s.session_workflow.end_dosing(nurse, opened.id)
    assert ended.state is SessionState.RECOVERY
    client.cookies.clear()  # the physician signs in again after the visit
    after = section(sign_in(client, world, Role.PHYSICIAN), "today-to-sign")
    assert empty in after, after
    assert booked.patient.display_name not in after and "/orders/new" not in after
