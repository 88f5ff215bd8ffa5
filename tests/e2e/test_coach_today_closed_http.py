"""The coach's Today keeps the day's sessions once they close: a discharged KAT journey stays on
"Today's sessions" with "Discharged HH:MM" (clinic time) and its session page, and leaves the
caseload worklist, which lists only what is still to do."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.services.integration.caseload import SESSION_CLOSED
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.kat_dosing import discharge_kat, dosed_kat_session


def _section(page: str, section_id: str) -> str:
    return page.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]


def test_a_discharged_session_stays_on_the_coachs_today_with_its_time(
    client: TestClient, world: World
) -> None:
    dose = dosed_kat_session(world)
    coach = world.actor(Role.COACH)
    world.clock.advance(minutes=5)
    discharge_kat(world, dose.session_id)
    session = world.services.sessions.get(world.actor(Role.NURSE), dose.session_id)
    assert session.discharged_at is not None
    local = session.discharged_at.astimezone(ZoneInfo("America/Chicago")).strftime("%H:%M")

    [row] = [i for i in world.services.caseload.sessions_today(coach) if i.session_id == session.id]
    assert (row.kind, row.state, row.closed_at) == (SESSION_CLOSED, "discharged", session.closed_at)
    worklist = world.services.caseload.caseload(coach)
    assert all(i.kind != SESSION_CLOSED for i in worklist)  # nothing left to do on it

    web_login(client, world, Role.COACH)
    today = client.get("/today").text
    sessions = _section(today, "today-coach-sessions")
    assert f'data-closed="discharged">Discharged {local}</td>' in sessions
    assert f'href="/sessions/{session.id}"' in sessions
    assert f'href="/sessions/{session.id}"' not in _section(today, "today-caseload")


def test_a_session_closed_yesterday_is_not_on_todays_list(world: World) -> None:
    dose = dosed_kat_session(world)
    world.clock.advance(minutes=5)
    discharge_kat(world, dose.session_id)
    world.clock.advance(days=1)
    coach = world.actor(Role.COACH)
    assert all(
        i.session_id != dose.session_id for i in world.services.caseload.sessions_today(coach)
    )
