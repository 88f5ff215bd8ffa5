"""The live board over HTTP for a patient who has arrived and waits for the nurse's check-in: the
front desk's arrival opened the session (still scheduled) in its chair, so the chair is not free.
The card, the chair's card fetched alone, the event stream's snapshot and the event published on
arrival all name that session; the nurse's Today lists the same patient waiting for that chair."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.infusion.demo_sessions import walk_to
from tests.booked_world import arrive, booked_today
from tests.conftest import World
from tests.e2e.board_reads import board_docs, chair_card, published_events
from tests.e2e.conftest import web_login

CHICAGO = ZoneInfo("America/Chicago")


def test_an_arrived_patient_waits_on_their_chair_not_a_free_one(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    booked = booked_today(world)
    chair = booked.first.chair_id
    name = booked.patient.display_name
    web_login(client, world, Role.NURSE)
    before = chair_card(client.get("/board").text, chair)
    assert "Free" in before and "No session" in before and name not in before
    published = published_events(monkeypatch, world.services.live)
    opened = arrive(world, booked)
    assert opened.state is SessionState.SCHEDULED
    arrived = opened.created_at.astimezone(CHICAGO).strftime("%H:%M")
    for card in (
        chair_card(client.get("/board").text, chair),
        client.get(f"/board/chairs/{chair}").text,
    ):
        assert f'href="/sessions/{opened.id}"' in card and name in card, card
        assert f"Arrived {arrived} · waiting for check-in" in card
        assert "No session" not in card and "Free" not in card
        assert f'data-session-id="{opened.id}"' in card and 'data-state="scheduled"' in card
    waiting = {"chair_id": chair, "session_id": opened.id, "active": False, "state": "scheduled"}
    assert waiting.items() <= board_docs(client)[chair].items()
    assert [waiting.items() <= e.items() for e in published] == [True]
    nurse_today = client.get("/today").text
    chairs = nurse_today[nurse_today.index('id="today-chairs"') :]
    assert name in chairs[: chairs.index("</section>")]
    s, nurse = world.services, world.actor(Role.NURSE)
    s.sessions.assign(nurse, opened.id, attendant_id=nurse.staff_id, device_id=None)
    mrn = booked.patient.mrn
    walk_to(s.session_workflow, s.orders, nurse, opened.id, booked.order_id, mrn)
    dosing = chair_card(client.get("/board").text, chair)
    assert "waiting for check-in" not in dosing and 'data-state="infusing"' in dosing
    assert board_docs(client)[chair]["active"] is True


def test_a_cancelled_arrival_frees_the_chair_on_the_board(client: TestClient, world: World) -> None:
    booked = booked_today(world)
    opened = arrive(world, booked)
    nurse = world.actor(Role.NURSE)
    world.services.sessions.move(nurse, opened.id, SessionState.CANCELLED, reason="left the clinic")
    web_login(client, world, Role.NURSE)
    card = chair_card(client.get("/board").text, booked.first.chair_id)
    assert "No session" in card and "waiting for check-in" not in card
    assert board_docs(client)[booked.first.chair_id]["state"] == "free"
