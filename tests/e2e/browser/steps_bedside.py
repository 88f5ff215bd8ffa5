"""Page helpers for a bedside monitor on the adult pathway's sessions, and the monitor itself.

The nurse assigns the monitor on the session page; a test sender stands in for the monitor and
sends ORU^R01 messages over MLLP to the running listener (``tests.e2e.browser.mllp``); the nurse
acknowledges the alarm on the live board and reads the monitor's readings beside the hand-entered
ones on the session page. Pages only for everything a person does. All people are synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import count

from playwright.sync_api import Page, expect

from ketaclinic.adapters.hl7.builder import build_pcd01
from ketaclinic.adapters.hl7.client import MllpClient
from tests.infusion_world import snapshot

DEVICE = "DE00000000AD0001"  # the bedside monitor's EUI-64 (synthetic)


@dataclass
class Monitor:
    """The bedside monitor: sends the readings it takes to the listener on ``port``."""

    port: int
    mrn: str = ""
    _ids: count[int] = field(default_factory=lambda: count(1))

    def send(self, at: datetime, **values: int) -> None:
        control = f"PW-{next(self._ids)}"
        message = build_pcd01(
            snapshot(at, **values),
            control_id=control,
            patient_id=self.mrn,
            device_eui64=DEVICE,
            full=True,
        )
        with MllpClient("127.0.0.1", self.port) as client:
            assert f"MSA|AA|{control}".encode() in client.send(message)


def assign_monitor(nurse: Page, monitor: Monitor) -> None:
    """On the session page the nurse enters the id of the monitor at this chair; the monitor
    sends for the patient whose wristband MRN the banner shows."""
    monitor.mrn = nurse.locator('#patient-banner [data-field="mrn"]').inner_text()
    section = nurse.locator("#step-monitor")
    section.get_by_label("Monitor id").fill(DEVICE)
    section.get_by_role("button", name="Assign monitor").click()
    expect(nurse.locator('#step-monitor [data-field="monitor"]')).to_have_text(DEVICE)


def acknowledge_on_board(nurse: Page, family: str, expect_text: str) -> None:
    """The alarm shows on the patient's chair card; the nurse chooses what was done (a notify
    rule: no change to dosing) and acknowledges it in one action."""
    nurse.goto("/board")
    card = nurse.locator("article.chair-card", has_text=family)
    alarm = card.get_by_role("alert")
    expect(alarm).to_contain_text(expect_text)
    alarm.get_by_label("What was done").select_option("none")  # nothing preselected
    alarm.get_by_role("button", name="Acknowledge").click()
    expect(card.get_by_role("alert")).to_have_count(0)


def readings_side_by_side(nurse: Page) -> None:
    """The session page lists the monitor's readings beside the hand-entered ones, and the
    alarm as acknowledged."""
    sheet = nurse.locator("#vitals-flowsheet")
    newest = sheet.locator('tr[data-source="monitor"]').first
    expect(newest.locator('[data-param="hr"]')).to_have_text("128")  # the reading that alarmed
    expect(sheet.locator('tr[data-source="staff"]').first).to_be_visible()
    history = nurse.locator("#alarm-history tbody tr").first
    expect(history).not_to_contain_text("not yet")
