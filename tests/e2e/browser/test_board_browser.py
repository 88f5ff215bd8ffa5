"""Browser acceptance of the live board: readings sent over MLLP (through a listener bound to the
live server's services) appear on the board without a reload; a blood-pressure surge raises an
alarm that is shown (banner, red card) and acknowledged on the board, pausing the session."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from ketaclinic.adapters.hl7.client import MllpClient
from ketaclinic.adapters.hl7.ingest_handler import MonitorMessageHandler
from ketaclinic.adapters.hl7.server import Hl7Listener, serve
from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.services.infusion.demo_sessions import (
    SIMULATOR_GATEWAY,
    DemoMonitor,
    start_demo_sessions,
)
from tests.e2e.browser.conftest import TABLET, LiveServer, SignedIn
from tests.infusion_world import pcd01

pytestmark = pytest.mark.browser


@dataclass
class MonitorFeed:
    port: int
    monitor: DemoMonitor


def _sign_off_adult_pack(live: LiveServer) -> None:
    services = live.services
    with services.uow() as uow:
        staff = uow.staff.list_for_clinic(live.clinic.id)
    physician_id = next(m.id for m, r in staff if r is Role.PHYSICIAN)
    physician = Actor(physician_id, Role.PHYSICIAN, live.clinic.id, "test")
    for published in services.protocols.publish(
        live.clinic.id, [shipped_protocol("adult-iv-induction")]
    ):
        items = services.protocols.signoff_items(physician, published.id)
        services.protocols.sign_off(physician, published.id, [i.path for i in items])


@pytest.fixture
def feed(live_server: LiveServer) -> Iterator[MonitorFeed]:
    """A running demo session and an MLLP listener on the live server's composition root."""
    _sign_off_adult_pack(live_server)
    s = live_server.services
    s.gateways.bootstrap_add(live_server.clinic.id, SIMULATOR_GATEWAY, by="test")
    [monitor] = start_demo_sessions(
        s.uow,
        s.pathway(),
        s.sessions,
        live_server.clinic.id,
        count=1,
        clock=live_server.clock,
        workflow=s.session_workflow,
    )
    handler = MonitorMessageHandler(
        s.monitoring,
        live_server.clinic.id,
        naive_tz=ZoneInfo("America/Chicago"),
        clock=live_server.clock.now,
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    listener: Hl7Listener = asyncio.run_coroutine_threadsafe(
        serve("127.0.0.1", 0, handler, on_frame_error=handler.frame_error), loop
    ).result(timeout=10)
    try:
        yield MonitorFeed(listener.port, monitor)
    finally:
        asyncio.run_coroutine_threadsafe(listener.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
        handler.close()


def test_mllp_readings_and_a_bp_surge_alarm_reach_the_live_board(
    signed_in: SignedIn, live_server: LiveServer, feed: MonitorFeed
) -> None:
    page = signed_in(Role.NURSE, viewport=TABLET)
    page.get_by_role("link", name="Live board").click()
    page.wait_for_url("**/board")
    card = page.locator(f"#chair-{feed.monitor.session.chair_id}")
    expect(card.get_by_role("heading", name="Chair 1")).to_be_visible()
    expect(card.locator('[data-field="state"]')).to_have_text("Dosing")
    expect(page.locator("#board-status")).to_have_text("live")
    with MllpClient("127.0.0.1", feed.port) as client:
        ack = client.send(pcd01(feed.monitor, "BR-1", live_server.clock.now(), sbp=124, hr=71))
        assert b"MSA|AA|BR-1" in ack
        expect(card.locator('[data-vital="sbp"]')).to_have_text("124")  # no reload
        expect(card.locator('[data-vital="hr"]')).to_have_text("71")
        live_server.clock.advance(minutes=1)
        ack = client.send(pcd01(feed.monitor, "BR-2", live_server.clock.now(), sbp=212))
        assert b"MSA|AA|BR-2" in ack
    banner = page.locator("#alarm-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("HIGH — Systolic BP 200 mmHg or above")  # rule id in "why"
    expect(banner).to_have_class("alarm-banner prio-high")
    expect(card.locator("details.why")).to_contain_text("bp-systolic-severe")
    expect(card).to_have_class("chair-card has-alarm")
    expect(card.locator('[data-vital="sbp"]')).to_have_text("212")
    alarm = card.get_by_role("alert")
    expect(alarm).to_contain_text("required action: pause")
    alarm.get_by_label("What was done").select_option("none")  # less than required, no note
    alarm.get_by_role("button", name="Acknowledge").click()
    alarm = card.locator("li.alarm")  # the refusal below is an alert of its own
    refused = alarm.locator(".ack-error")
    expect(refused).to_contain_text("this alarm requires dosing to pause")  # why, on the card
    expect(alarm).to_contain_text("required action: pause")  # still open, nothing recorded
    alarm.get_by_label("What was done").select_option("pause")
    alarm.get_by_label("Note").fill("pump paused, prescriber called")
    alarm.get_by_role("button", name="Acknowledge").click()
    card = page.locator(f"#chair-{feed.monitor.session.chair_id}")
    expect(card.locator('[data-field="state"]')).to_have_text("Paused")
    expect(card.get_by_role("alert")).to_have_count(0)
    box = page.locator(f"#chair-{feed.monitor.session.chair_id}").bounding_box()
    assert box is not None and box["height"] >= 150  # large touch target on a tablet
