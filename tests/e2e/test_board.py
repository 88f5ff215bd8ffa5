"""The live board over HTTP: chairs with sessions, vitals and alarms; the event stream's snapshot;
acknowledging from the board pauses the session; roles without SESSION_RUN are refused."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ketaclinic.adapters.db.tables import audit_events
from ketaclinic.adapters.hl7.ingest_handler import MonitorMessageHandler
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from tests.conftest import World
from tests.e2e.board_reads import board_docs
from tests.e2e.conftest import web_login
from tests.infusion_world import pcd01, running_sessions
from tests.integration.test_board_memory import hearing


def _surge(world: World) -> None:
    [monitor] = running_sessions(world)
    handler = MonitorMessageHandler(
        world.services.monitoring,
        world.clinic.id,
        naive_tz=ZoneInfo("UTC"),
        clock=world.clock.now,
    )
    handler.handle(pcd01(monitor, "B1", world.clock.now(), sbp=121))
    world.clock.advance(minutes=1)
    handler.handle(pcd01(monitor, "B2", world.clock.now(), sbp=207))


def test_the_board_shows_chairs_vitals_and_alarms(client: TestClient, world: World) -> None:
    _surge(world)
    web_login(client, world, Role.NURSE)
    page = client.get("/board")
    assert page.status_code == 200
    assert "Live board" in page.text and "Chair 1" in page.text and "Chair 3" in page.text
    assert "Demo-Infusion" in page.text and "bp-systolic-severe" in page.text
    assert 'data-vital="sbp">207<' in page.text
    events = client.get("/board/events")
    assert events.status_code == 200
    docs = [json.loads(line[6:]) for line in events.text.splitlines() if line.startswith("data: ")]
    busy = [d for d in docs if d["active"]]
    assert len(docs) == 3 and len(busy) == 1
    assert busy[0]["state"] == "infusing" and busy[0]["latest"]["sbp"][0] == "207"
    assert busy[0]["trend"]["sbp"] == ["124", "121", "207"]  # the pre-dose baseline first
    assert [a["rule_id"] for a in busy[0]["alarms"]] == ["bp-systolic-severe"]


def test_the_event_streams_opening_audits_the_patient_in_the_chair(
    client: TestClient, world: World
) -> None:
    [monitor] = running_sessions(world)
    web_login(client, world, Role.NURSE)
    patient_id = monitor.session.patient_id

    def reads() -> list[str]:
        with world.services.engine.connect() as conn:
            rows = conn.execute(
                select(audit_events.c.object_id).where(
                    audit_events.c.patient_id == patient_id,
                    audit_events.c.action == "phi.query",
                )
            )
            return [str(r) for r in rows.scalars()]

    before = reads()
    assert client.get("/board/events").status_code == 200
    assert reads()[len(before) :] == ["/board/events"]


def test_a_board_opened_from_memory_shows_the_same_chairs_and_is_audited_too(
    client: TestClient, world: World
) -> None:
    [monitor] = running_sessions(world)
    hearing(world)
    web_login(client, world, Role.NURSE)
    nurse = world.actor(Role.NURSE)
    assert world.services.board.remembered(nurse) is None
    first = board_docs(client)
    held = world.services.board.remembered(nurse)  # the next board opens from this
    assert held is not None and {d["chair_id"]: d for d in held[0]} == first
    assert held[1] == [monitor.session.patient_id]
    with world.services.engine.connect() as conn:
        audited = select(func.count()).where(
            audit_events.c.patient_id == monitor.session.patient_id,
            audit_events.c.object_id == "/board/events",
        )
        before = conn.execute(audited).scalar_one()
    assert board_docs(client) == first
    with world.services.engine.connect() as conn:
        assert conn.execute(audited).scalar_one() == before + 1


def test_acknowledging_on_the_board_pauses_in_one_action_and_a_nurse_cannot_decline_the_pause(
    client: TestClient, world: World
) -> None:
    _surge(world)
    csrf = web_login(client, world, Role.NURSE)
    [alarm] = [a for c in world.services.board.snapshot(world.actor(Role.NURSE)) for a in c.alarms]
    url = f"/board/alarms/{alarm.id}/acknowledge"
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf}
    declined = client.post(url, data={"action": "none", "note": "artefact"}, headers=headers)
    assert declined.status_code == 422 and "alarm.required_action" in declined.text
    assert "only a prescriber" in declined.text  # a nurse pauses; a prescriber decides on more
    done = client.post(url, data={"action": "pause", "note": ""}, headers=headers)
    assert done.status_code == 200 and "bp-systolic-severe" not in done.text
    assert "paused" in done.text
    session = world.services.sessions.get(world.actor(Role.NURSE), alarm.session_id)
    assert session.state is SessionState.PAUSED


def test_the_board_is_for_session_staff_only(client: TestClient, world: World) -> None:
    web_login(client, world, Role.FRONT_DESK)
    assert client.get("/board").status_code == 403
    assert client.get("/board/events").status_code == 403
