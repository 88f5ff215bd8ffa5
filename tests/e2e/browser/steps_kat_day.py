"""Page steps of the clinic day for the pathway browser tests: booking the series, checking in
from the schedule, the session page (check-in, vitals by hand, the steps to discharge) and time
passing at the bedside by the test's clock."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import LiveServer
from tests.e2e.browser.steps_chart import open_chart


# -- the schedule and the session day ----------------------------------------------------------
def book_series(
    page: Page, server: LiveServer, patient: int, sessions: int, *, kat: bool = True
) -> list[datetime]:
    """Front desk books and confirms the protocol's series (the chart's tabs read in KAT words
    when ``kat``); returns the local start times."""
    open_chart(page, patient, "schedule", kat=kat)
    panel = page.locator("#schedule-panel")
    panel.get_by_role("button", name=re.compile("Book (induction|KAT) series")).click()
    expect(page.locator("#proposed")).to_contain_text(f"{sessions} sessions proposed")
    panel.get_by_role("button", name="Confirm series").click()
    rows = panel.locator('tr[data-status="confirmed"]')
    expect(rows).to_have_count(sessions)
    found = [rows.nth(i).locator("td.when time").get_attribute("datetime") for i in range(sessions)]
    zone = ZoneInfo(server.clinic.timezone)
    return [datetime.fromisoformat(at).replace(tzinfo=zone) for at in found if at]


def until(server: LiveServer, local_start: datetime, before_min: int = 10) -> None:
    """Time passes until shortly before ``local_start`` (clinic time)."""
    target = local_start - timedelta(minutes=before_min)
    gap = target - server.clock.now()
    if gap > timedelta(0):
        server.clock.advance(minutes=int(gap.total_seconds() // 60))


def check_in_from_schedule(page: Page, name: str, day: date) -> None:
    page.goto(f"/schedule?day={day.isoformat()}")
    slot = page.locator("li.appt", has_text=name).first
    slot.get_by_role("button", name="Check in").click()
    expect(page.locator("#opened")).to_contain_text("session opened")


def open_session(page: Page, name: str) -> str:
    page.goto("/arrivals")
    page.locator("tr", has_text=name).get_by_role(
        "link", name=re.compile("Open session|Check in")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("session")
    return page.url.split("#")[0]


def submit_step(
    page: Page, form: str, fields: dict[str, str], checks: tuple[str, ...] = ()
) -> None:
    section = page.locator(f"#step-{form}")
    for label, value in fields.items():
        section.get_by_label(label, exact=True).fill(value)
    for label in checks:
        section.get_by_label(label).check()
    section.get_by_role("button").click()


def hand_vitals(page: Page, values: dict[str, str]) -> None:
    form = page.locator("#step-vitals")
    for label, value in values.items():
        form.get_by_label(label, exact=True).fill(value)
    form.get_by_role("button", name="Record vital signs").click()


CALM_VITALS = {
    "Systolic BP (mmHg)": "124",
    "Diastolic BP (mmHg)": "78",
    "Heart rate (/min)": "72",
    "SpO2 (%)": "98",
    "Respiratory rate (/min)": "14",
}


def wait_at_bedside(
    server: LiveServer, minutes: int, url: str, vitals_by: Page, attendant: Page
) -> None:
    """Time passes at the bedside: the nurse enters vitals by hand every 10 minutes (the protocol
    asks at least every 15) and the attendant stays with the page open."""
    while minutes > 0:
        step = min(10, minutes)
        server.clock.advance(minutes=step)
        vitals_by.goto(url)
        hand_vitals(vitals_by, CALM_VITALS)
        attendant.goto(url)
        minutes -= step
