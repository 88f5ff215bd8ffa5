"""Browser acceptance of one patient's infusion day, from the schedule to discharge, pages only.

The server starts from the clinic exactly as ``ketaclinic demo`` (``make run``) leaves it: the
demo clinic with its staff, shipped protocols signed off, the demo calendar and the demo pathway
patient (Jordan Demo-Pathway: consented, in induction, a signed dose order, a confirmed series
whose first session is today). Nothing else is set up behind the UI: the front desk checks the
patient in from the schedule day view, the nurse opens the session from today's arrivals, enters
pre-dose vitals by hand, verifies the order at the bedside, completes the checklists, starts
dosing, ends it, scores Aldrete, enters recovery vitals by hand (this chair has no monitor) and
discharges. The clock is the test's (``FakeClock``), moved by hand as time passes at the bedside.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from ketaclinic.adapters.protocol_files import shipped_protocols
from ketaclinic.domain.identity.access import Role
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.demo import seed_demo
from ketaclinic.services.demo_pathway import seed_demo_pathway
from ketaclinic.services.infusion.demo_sessions import SIMULATOR_GATEWAY
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.e2e.browser.conftest import (
    DESKTOP,
    STARTUP_SECONDS,
    TABLET,
    LiveServer,
    _build_services,
    _free_socket,
    _start,
    demo_email,
    sign_in,
)
from tests.e2e.browser.steps_adult import choose_order, start_dosing
from tests.e2e.browser.steps_chart import open_tab
from tests.fakes import FakeClock

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The real app over a fresh database seeded the way ``ketaclinic demo`` seeds it."""
    clock = FakeClock()  # Monday 2026-03-02 08:00 in the demo clinic (America/Chicago)
    s = _build_services(tmp_path, clock)
    demo = seed_demo(s.uow, clock, s.staff, s.patients, s.protocols, shipped_protocols())
    seed_demo_schedule(s.uow, clock, demo.clinic.id)
    seed_demo_pathway(s.uow, clock, s.pathway(), demo.clinic.id)
    s.gateways.bootstrap_add(demo.clinic.id, SIMULATOR_GATEWAY, by="demo")  # as the demo does
    config = uvicorn.Config(
        create_app(services=s), log_level="warning", access_log=False, ws="none", lifespan="on"
    )
    server = uvicorn.Server(config)
    sock = _free_socket()
    host, port = sock.getsockname()[:2]
    thread = _start(server, sock)
    try:
        yield LiveServer(f"http://{host}:{port}", s, clock, demo.clinic, _server=server)
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)
        sock.close()
        assert not thread.is_alive(), "the live server did not shut down"


@pytest.fixture
def contexts(chromium: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def _page_as(
    chromium: Browser,
    contexts: list[BrowserContext],
    server: LiveServer,
    role: Role,
    size: ViewportSize,
) -> Page:
    context = chromium.new_context(base_url=server.base_url, viewport=size)
    context.set_default_timeout(10_000)
    contexts.append(context)
    page = context.new_page()
    sign_in(page, demo_email(role), server.password)
    return page


def _submit(page: Page, form: str, fields: dict[str, str], checks: tuple[str, ...] = ()) -> None:
    section = page.locator(f"#step-{form}")
    for label, value in fields.items():
        section.get_by_label(label, exact=True).fill(value)
    for label in checks:
        section.get_by_label(label).check()
    section.get_by_role("button").click()


def _wait(page: Page, server: LiveServer, minutes: int, url: str) -> None:
    """Time passes at the bedside; the nurse keeps the page open (refreshed every 10 minutes,
    within the 15-minute idle sign-out)."""
    while minutes > 0:
        step = min(10, minutes)
        server.clock.advance(minutes=step)
        page.goto(url)
        minutes -= step


def _hand_vitals(page: Page, values: dict[str, str]) -> None:
    form = page.locator("#step-vitals")
    for label, value in values.items():
        form.get_by_label(label, exact=True).fill(value)
    form.get_by_role("button", name="Record vital signs").click()


def test_front_desk_checks_in_and_the_nurse_takes_the_patient_to_discharge(
    demo_server: LiveServer, chromium: Browser, contexts: list[BrowserContext]
) -> None:
    server = demo_server
    desk = _page_as(chromium, contexts, server, Role.FRONT_DESK, DESKTOP)
    desk.goto("/schedule")
    slot = desk.locator("li.appt", has_text="Demo-Pathway")
    expect(slot).to_contain_text("session 1")
    slot.get_by_role("button", name="Check in").click()
    expect(desk.locator("#opened")).to_contain_text("session opened")
    expect(desk.locator("li.appt", has_text="Demo-Pathway")).to_contain_text(
        "waiting for the nurse's check-in"
    )

    nurse = _page_as(chromium, contexts, server, Role.NURSE, TABLET)
    nurse.goto("/arrivals")
    row = nurse.locator("tr", has_text="Demo-Pathway")
    row.get_by_role("link", name=re.compile("Open session|Check in")).click()
    expect(nurse.get_by_role("heading", level=1)).to_contain_text("Infusion session")
    session_url = nurse.url.split("#")[0]
    state = nurse.locator('[data-field="state"]')
    expect(state).to_have_text("Arrived, waiting for the nurse's check-in")
    expect(nurse.locator("#step-monitor")).to_contain_text("No monitor assigned")

    # the chart: wristband MRN and the bedside verification of the signed order
    nurse.get_by_role("link", name="Chart").click()
    mrn = nurse.locator('#patient-banner [data-field="mrn"]').inner_text()
    open_tab(nurse, "dosing")
    nurse.locator("#dosing-panel").get_by_role("link", name="Verify at bedside").click()
    order_id = nurse.url.rstrip("/").split("/")[-2]
    nurse.get_by_label("Patient MRN (wristband)").fill(mrn)
    nurse.get_by_label("Drug (label)").fill("ketamine")
    nurse.get_by_label("Route", exact=True).select_option(label="Intravenous (IV)")
    nurse.get_by_label("Concentration on the label (mg/mL)").fill("0.35")
    nurse.get_by_label("Dose on the label (mg)").fill("35")
    nurse.get_by_label("Pump rate programmed (mL/h)").fill("150")
    nurse.get_by_role("button", name="Check against the order").click()
    expect(nurse.locator("#verification-result")).to_contain_text("Verified")

    nurse.goto(session_url)
    nurse.locator("#check-in-pregnancy_test").select_option("negative")
    _submit(
        nurse,
        "check-in",
        {"Escort for discharge *": "Sam Demo-Escort", "Escort phone *": "555-0100"},
        ("Identity confirmed", "Escort reached", "Fasting status", "Between-session"),
    )
    expect(state).to_have_text("Checked in")
    _hand_vitals(
        nurse,
        {
            "Systolic BP (mmHg)": "128",
            "Diastolic BP (mmHg)": "82",
            "Heart rate (/min)": "74",
            "SpO2 (%)": "98",
            "Respiratory rate (/min)": "14",
        },
    )
    latest = nurse.locator("#latest-vitals")
    expect(latest.locator('[data-vital="sbp"]')).to_contain_text("128 mmHg")
    expect(latest.locator('[data-vital="sbp"]')).to_contain_text("by hand")
    _submit(
        nurse,
        "give",
        {
            "Drug *": "ondansetron",
            "Dose (mg) *": "4",
            "Route *": "iv",
            "Lot *": "OND-DEMO-7",
        },
    )
    _submit(
        nurse,
        "iv",
        {
            "IV site *": "left antecubital",
            "Gauge *": "22",
            "Attempts *": "1",
        },
    )
    choose_order(nurse, order_id)
    _submit(
        nurse,
        "pre-dose",
        {
            "Baseline systolic BP (mmHg) *": "128",
            "Baseline diastolic BP (mmHg) *": "82",
            "Baseline heart rate (/min) *": "74",
            "Baseline SpO2 (%) *": "98",
            "Symptom check *": "no headache, no chest pain",
        },
    )
    expect(state).to_have_text("Ready")
    start_dosing(nurse, "KET-DEMO-42")
    expect(state).to_have_text("Dosing")
    expect(nurse.locator('[data-field="pump-rate"]')).to_have_text("150 mL/h")

    _wait(nurse, server, 20, session_url)
    expect(nurse.locator("#no-monitor-assigned")).to_contain_text(
        "No monitor assigned — enter vital signs by hand"
    )
    expect(nurse.locator("#no-monitor-banner")).to_have_count(0)  # nothing can go silent
    expect(nurse.locator('[data-field="vitals-overdue"]')).to_have_text("overdue")
    _hand_vitals(nurse, {"Systolic BP (mmHg)": "126", "SpO2 (%)": "97", "Heart rate (/min)": "80"})
    expect(nurse.locator("#vitals-due")).to_contain_text("Next due: vital signs at")
    expect(nurse.locator('[data-field="vitals-overdue"]')).to_have_count(0)
    _wait(nurse, server, 20, session_url)
    nurse.locator("#step-end").get_by_role("button").click()
    expect(state).to_have_text("In recovery")
    for item in ("activity", "respiration", "circulation", "consciousness", "spo2"):
        nurse.locator(f"#aldrete-{item}").select_option("2")
    nurse.locator("#step-aldrete").get_by_role("button").click()
    expect(nurse.locator('#session-record [data-kind="aldrete"]')).to_contain_text(
        "Total: 10 of 10"
    )

    _wait(nurse, server, 61, session_url)
    _hand_vitals(
        nurse,
        {
            "Systolic BP (mmHg)": "122",
            "Diastolic BP (mmHg)": "78",
            "Heart rate (/min)": "72",
            "SpO2 (%)": "98",
            "Respiratory rate (/min)": "14",
        },
    )
    expect(nurse.locator("#unmet")).to_have_text("Every criterion holds.")
    _submit(nurse, "discharge", {}, ("Escort present", "Instructions given"))
    expect(state).to_have_text("Discharged")
    expect(nurse.locator('#session-record [data-kind="discharge"]')).to_contain_text("no driving")
