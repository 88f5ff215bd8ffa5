"""The dose gate keeps the protocol's minimum interval between two doses of a course, whatever
the schedule says: a second KAT journey started 12 hours after the first (a walk-in, then the
booked session the next morning) is refused through the API and the session page, naming
dose_gate.interval with the time of the last dose and the earliest next one in the clinic's
time; once the kat-holistic pack's 72 hours less one visit's 3 hours of chair time have passed
(a dose starts anywhere within its booked visit), the same start goes through."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.kat_dosing import discharge_kat, dosed_kat_session, kat_start, ready_kat_session


def _start(client: TestClient, world: World, sid: int) -> Any:
    return client.post(
        f"/api/v1/sessions/{sid}/steps/start",
        headers=bearer(client, world, Role.NURSE),
        json=kat_start(world),
    )


def test_a_second_dose_inside_the_minimum_interval_is_refused_naming_the_rule(
    client: TestClient, world: World
) -> None:
    first = dosed_kat_session(world)
    started = world.services.session_workflow.day(
        world.actor(Role.NURSE), first.session_id
    ).session.dosing_started_at
    assert started is not None
    world.clock.advance(minutes=5)
    discharge_kat(world, first.session_id)
    world.clock.advance(hours=12)
    second = ready_kat_session(world, first.setup)
    refused = _start(client, world, second.session_id)
    assert refused.status_code == 409, refused.text
    zone = ZoneInfo(world.clinic.timezone)
    earliest = (started + timedelta(hours=69)).astimezone(zone)  # 72 h less a 3 h visit
    reason = (
        "dose_gate.interval: the last dose of this course started "
        f"{started.astimezone(zone):%a %-d %b %H:%M} (15 h ago); the protocol keeps 72 h "
        f"between sessions, so the next dose may start from {earliest:%a %-d %b %H:%M}"
    )
    assert reason in refused.json()["reasons"], refused.text
    csrf = web_login(client, world, Role.NURSE)
    page = client.post(
        f"/sessions/{second.session_id}/steps/start", data={**kat_start(world), "csrf_token": csrf}
    )
    assert page.status_code in (409, 422) and "the protocol keeps 72 h" in page.text
    world.clock.advance(hours=53)  # 68 hours after the first dose started: still too soon
    assert _start(client, world, second.session_id).status_code == 409
    world.clock.advance(hours=1, minutes=5)  # past 69 hours: within the last visit's chair time
    assert _start(client, world, second.session_id).status_code == 200
