"""Browser acceptance of a whole IV session (issue 9): check-in, pre-dose checklist, start, vitals
arriving over MLLP from a test sender (a listener bound to the live server's services), a BP alarm
pausing the session on the live board, acknowledgement, resume, end, recovery with Aldrete
scoring, and a discharge refused before the minimum observation time and accepted after.

The course, eligibility and consent (a test fact provider on the live server's CourseService,
``tests.integration.test_orders_service.Gate``) and the verified dose order are set up through
the services; everything on infusion day is done in Chromium.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from ketaclinic.adapters.hl7.client import MllpClient
from ketaclinic.domain.identity.access import Role
from ketaclinic.services.infusion.demo_sessions import SIMULATOR_GATEWAY, DemoMonitor
from tests.e2e.browser.conftest import TABLET, LiveServer, SignedIn
from tests.e2e.browser.mllp import listening
from tests.e2e.browser.steps_adult import choose_order, start_dosing
from tests.e2e.browser.test_orders_browser import actor
from tests.infusion_world import pcd01
from tests.integration.test_orders_service import bedside, iv_draft, set_up_course

pytestmark = pytest.mark.browser
DEVICE = "DE0000000000AB01"


@pytest.fixture
def listener_port(live_server: LiveServer) -> Iterator[int]:
    """An MLLP listener on the live server's composition root (as the board's browser test)."""
    s = live_server.services
    s.gateways.bootstrap_add(live_server.clinic.id, SIMULATOR_GATEWAY, by="test")
    with listening(live_server) as port:
        yield port


def _booked_session(server: LiveServer) -> tuple[DemoMonitor, int]:
    """A consented course, a verified order and a scheduled session with a bedside monitor."""
    s = server.services
    physician, nurse = actor(server, Role.PHYSICIAN), actor(server, Role.NURSE)
    setup = set_up_course(s, server.clock, physician, actor(server, Role.FRONT_DESK))
    order = s.orders.sign(actor(server, Role.APP), setup.course_id, iv_draft())
    c = order.content
    entry = bedside(
        setup.mrn,
        concentration_mg_per_ml=c.final_concentration_mg_per_ml,
        dose_mg=c.dose_mg,
        rate_ml_per_h=c.rate_ml_per_h,
    )
    assert s.orders.verify(nurse, order.id, entry).verified
    with s.uow() as uow:
        chair_id = uow.clinics.add_chair(server.clinic.id, "Chair 9", ("monitor",))
        uow.commit()
    session = s.sessions.create(physician, setup.course_id, chair_id, unscheduled_reason="walk-in")
    session = s.sessions.assign(nurse, session.id, attendant_id=None, device_id=DEVICE)
    return DemoMonitor(session, DEVICE, setup.mrn), order.id


def _wait(page: Page, server: LiveServer, minutes: int, sid: int) -> None:
    """Let time pass at the bedside: the nurse keeps the page open (refreshing it every 10 min,
    within the 15-minute idle sign-out)."""
    while minutes > 0:
        step = min(10, minutes)
        server.clock.advance(minutes=step)
        page.goto(f"/sessions/{sid}")
        minutes -= step


def _submit(page: Page, form: str, fields: dict[str, str], checks: tuple[str, ...] = ()) -> None:
    section = page.locator(f"#step-{form}")
    for label, value in fields.items():
        section.get_by_label(label, exact=True).fill(value)
    for label in checks:
        section.get_by_label(label).check()
    section.get_by_role("button").click()


def _check_in_and_prepare(page: Page, order_id: int) -> None:
    state = page.locator('[data-field="state"]')
    page.locator("#check-in-pregnancy_test").select_option("not_applicable")
    _submit(
        page,
        "check-in",
        {"Escort for discharge *": "Sam Demo-Escort", "Escort phone *": "555-0100"},
        ("Identity confirmed", "Escort reached", "Fasting status", "Between-session"),
    )
    # not checked in: the protocol requires a pregnancy test here
    expect(state).to_have_text("Arrived, waiting for the nurse's check-in")
    expect(page.get_by_role("alert")).to_contain_text("pregnancy_test")
    page.locator("#check-in-pregnancy_test").select_option("negative")
    _submit(
        page,
        "check-in",
        {"Escort for discharge *": "Sam Demo-Escort", "Escort phone *": "555-0100"},
        ("Identity confirmed", "Escort reached", "Fasting status", "Between-session"),
    )
    expect(state).to_have_text("Checked in")
    _submit(
        page,
        "give",
        {
            "Drug *": "ondansetron",
            "Dose (mg) *": "4",
            "Route *": "iv",
            "Lot *": "OND-DEMO-7",
        },
    )
    _submit(
        page,
        "iv",
        {
            "IV site *": "left antecubital",
            "Gauge *": "22",
            "Attempts *": "1",
        },
    )
    choose_order(page, order_id)
    _submit(
        page,
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
    start_dosing(page, "KET-DEMO-42")
    expect(state).to_have_text("Dosing")
    expect(page.locator('[data-field="pump-rate"]')).to_have_text("150 mL/h")


def test_a_whole_iv_session_from_check_in_to_discharge(
    signed_in: SignedIn, live_server: LiveServer, listener_port: int
) -> None:
    monitor, order_id = _booked_session(live_server)
    sid, clock = monitor.session.id, live_server.clock
    page = signed_in(Role.NURSE, viewport=TABLET)
    page.goto(f"/sessions/{sid}")
    _check_in_and_prepare(page, order_id)

    page.goto("/board")
    card = page.locator(f"#chair-{monitor.session.chair_id}")
    expect(card.locator('[data-field="state"]')).to_have_text("Dosing")
    expect(page.locator("#board-status")).to_have_text("live")
    with MllpClient("127.0.0.1", listener_port) as client:
        assert b"MSA|AA|ID-1" in client.send(pcd01(monitor, "ID-1", clock.now(), sbp=126))
        expect(card.locator('[data-vital="sbp"]')).to_have_text("126")
        clock.advance(minutes=5)
        assert b"MSA|AA|ID-2" in client.send(pcd01(monitor, "ID-2", clock.now(), sbp=212))
        alarm = card.get_by_role("alert")
        expect(alarm).to_contain_text("required action: pause")
        alarm.get_by_label("What was done").select_option("pause")
        alarm.get_by_label("Note").fill("pump paused, prescriber called")
        alarm.get_by_role("button", name="Acknowledge").click()
        expect(card.locator('[data-field="state"]')).to_have_text("Paused")
        clock.advance(minutes=5)
        assert b"MSA|AA|ID-3" in client.send(pcd01(monitor, "ID-3", clock.now(), sbp=134))

    page.goto(f"/sessions/{sid}")
    state = page.locator('[data-field="state"]')
    expect(page.locator("#resume-waiting")).to_contain_text("Waiting for a prescriber")
    expect(page.locator("#resume-waiting-approval")).to_have_text(
        "Waiting for a prescriber's approval to resume."
    )
    expect(page.get_by_role("form", name="Resume")).to_have_count(0)
    expect(state).to_have_text("Paused")
    doctor = signed_in(Role.PHYSICIAN, viewport=TABLET)
    doctor.goto(f"/sessions/{sid}")
    expect(doctor.locator("#pause-reason")).to_contain_text("Paused at")
    _submit(doctor, "resume-approval", {"Reason resuming is safe *": "BP 134/80, asymptomatic"})
    expect(doctor.locator("#resume-approved")).to_contain_text("BP 134/80, asymptomatic")
    page.goto(f"/sessions/{sid}")
    expect(page.locator("#resume-approved")).to_contain_text("physician")
    _submit(page, "resume", {"Reason for resuming *": "BP 134/80 on recheck"})
    expect(state).to_have_text("Dosing")
    _wait(page, live_server, 35, sid)  # 5 + 35 min of pump time: the order's planned 40 min
    with MllpClient("127.0.0.1", listener_port) as client:
        assert b"MSA|AA|ID-4" in client.send(pcd01(monitor, "ID-4", clock.now(), sbp=124))
    page.goto(f"/sessions/{sid}")
    page.locator("#step-end").get_by_role("button").click()
    expect(state).to_have_text("In recovery")
    for item in ("activity", "respiration", "circulation", "consciousness", "spo2"):
        page.locator(f"#aldrete-{item}").select_option("2")
    page.locator("#step-aldrete").get_by_role("button").click()
    aldrete = page.locator('#session-record [data-kind="aldrete"]')
    expect(aldrete).to_contain_text("Total: 10 of 10")
    expect(aldrete).to_contain_text("Activity: 2 — moves all 4 limbs voluntarily or on command")
    record = page.locator("#session-record")
    expect(record).to_contain_text("Pre-dose checklist: Systolic BP: ")
    for raw in ("number", "Pre dose", "(mmhg)", "_id", "order_id"):
        expect(record).not_to_contain_text(raw)

    _submit(page, "discharge", {}, ("Escort present", "Instructions given"))
    expect(state).to_have_text("In recovery")
    expect(page.get_by_role("alert")).to_contain_text("min_observation")
    _wait(page, live_server, 31, sid)
    with MllpClient("127.0.0.1", listener_port) as client:
        assert b"MSA|AA|ID-5" in client.send(pcd01(monitor, "ID-5", clock.now(), sbp=122))
    page.goto(f"/sessions/{sid}")
    expect(page.locator("#unmet")).to_have_text("Every criterion holds.")
    _submit(page, "discharge", {}, ("Escort present", "Instructions given"))
    expect(state).to_have_text("Discharged")
    expect(page.locator('#session-record [data-kind="discharge"]')).to_contain_text("no driving")
