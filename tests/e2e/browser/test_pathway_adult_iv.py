"""Browser acceptance of the adult IV pathway end to end, pages only.

The server starts from the clinic as ``ketaclinic demo`` leaves it (staff, shipped protocols
signed off, the demo calendar). A new adult is registered by the front desk, evaluated with the
questionnaires answered on the patient's own link, found eligible, consented, and taken through
the induction series; each step is done in Chromium by the role who does it
(``steps_adult``). Time moves by the server's injected clock only.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from ketaclinic.domain.identity.access import Role
from tests.e2e.browser import steps_adult as steps
from tests.e2e.browser.conftest import DESKTOP, TABLET, LiveServer, demo_email, sign_in
from tests.e2e.browser.test_infusion_day_from_schedule import demo_server

pytestmark = pytest.mark.browser
__all__ = ["demo_server"]


@pytest.fixture
def contexts(chromium: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def _as(chromium: Browser, contexts: list[BrowserContext], server: LiveServer, role: Role) -> Page:
    size = TABLET if role is Role.NURSE else DESKTOP
    context = chromium.new_context(base_url=server.base_url, viewport=size)
    context.set_default_timeout(10_000)
    contexts.append(context)
    page = context.new_page()
    sign_in(page, demo_email(role), server.password)
    return page


def local(server: LiveServer, *, hours_ago: int = 0) -> str:
    """A past time as a person types it in a datetime-local field (the clinic's zone)."""
    at = server.clock.now() - timedelta(hours=hours_ago)
    return at.astimezone(ZoneInfo(server.clinic.timezone)).strftime("%Y-%m-%dT%H:%M")


def later(server: LiveServer, staff: dict[Role, Page], **delta: float) -> None:
    """Time passes on the server's clock; each staff member signs in again (the idle sign-out
    ends a sign-in after 15 minutes)."""
    server.clock.advance(**delta)
    for role, page in staff.items():
        sign_in(page, demo_email(role), server.password)


def until(server: LiveServer, staff: dict[Role, Page], start: str, *, minutes_before: int) -> None:
    """Move the clock to shortly before a session's local start (as the chart shows it)."""
    zone = ZoneInfo(server.clinic.timezone)
    target = datetime.strptime(start, "%Y-%m-%d %H:%M").replace(tzinfo=zone)
    gap = target - timedelta(minutes=minutes_before) - server.clock.now()
    later(server, staff, seconds=max(gap.total_seconds(), 0))


def bedside(server: LiveServer, nurse: Page, url: str, minutes: int) -> None:
    """Time passes at the bedside; the nurse keeps the session page open, refreshed every
    10 minutes (within the 15-minute idle sign-out)."""
    while minutes > 0:
        step = min(10, minutes)
        server.clock.advance(minutes=step)
        nurse.goto(url)
        minutes -= step


def test_adult_iv_pathway_from_registration_to_relapse_watch(
    demo_server: LiveServer, chromium: Browser, contexts: list[BrowserContext]
) -> None:
    server = demo_server
    desk = _as(chromium, contexts, server, Role.FRONT_DESK)
    physician = _as(chromium, contexts, server, Role.PHYSICIAN)
    nurse = _as(chromium, contexts, server, Role.NURSE)
    app = _as(chromium, contexts, server, Role.APP)
    staff = {Role.FRONT_DESK: desk, Role.PHYSICIAN: physician, Role.NURSE: nurse, Role.APP: app}
    patient = steps.patient_page(chromium, contexts, server.base_url)

    patient_id = steps.register(desk)
    course_id = steps.open_course(physician, patient_id)
    for instrument, answers in (
        ("phq9", steps.PHQ9_BASELINE),
        ("gad7", steps.calm("gad7")),
        ("pcl5", steps.calm("pcl5")),
        ("wsas", steps.calm("wsas")),
    ):
        steps.answer_link(patient, steps.create_link(nurse, patient_id, instrument), answers)
    steps.record_on_chart(physician, patient_id, "cssrs-screen", steps.calm("cssrs-screen"))
    physician.goto(f"/courses/{course_id}/outcome")
    expect(physician.locator("main")).not_to_contain_text("no baseline score recorded")
    expect(physician.locator("main")).to_contain_text("16 points")

    later(server, staff, hours=2)
    steps.evaluate(physician, course_id, local(server, hours_ago=1))
    steps.sign_eligibility(physician)
    steps.move(physician, patient_id, "eligible")
    steps.sign_consent(
        nurse, course_id, "iv-ketamine-informed-consent", f"{steps.GIVEN} {steps.FAMILY}"
    )
    steps.move(physician, patient_id, "consented")
    steps.move(physician, patient_id, "induction")

    starts = steps.book_series(desk, patient_id)
    for number, start in enumerate(starts, start=1):
        until(server, staff, start, minutes_before=20)
        if number == 1:
            steps.measure(app, patient_id, "80", "178")
        if number > 1:  # between sessions: the patient's check-in, the titration recommendation
            steps.record_checkin(nurse, patient_id)
        order = steps.write_order(app, patient_id, expect_rule="nausea" if number == 2 else "")
        steps.check_in_from_schedule(desk, start.split(" ")[0])
        session_url = steps.open_session(nurse)
        steps.verify_at_bedside(nurse, order)
        nurse.goto(session_url)
        steps.prepare_and_start(nurse, order)
        bedside(server, nurse, session_url, 20)
        if number == 1:
            steps.record_adverse_event(nurse, "nausea")
        bedside(server, nurse, session_url, 20)
        steps.end_recover_discharge(nurse, lambda m: bedside(server, nurse, session_url, m))

    # reassessment: the questionnaires answered after the sixth discharge are the reassessment
    later(server, staff, days=1)
    steps.answer_link(patient, steps.create_link(nurse, patient_id, "phq9"), steps.phq9_of(6))
    steps.answer_link(patient, steps.create_link(nurse, patient_id, "wsas"), steps.calm("wsas"))
    steps.move(physician, patient_id, "reassessment")
    panel = physician.locator("#outcomes-panel")
    expect(panel.locator("[data-outcome]")).to_have_attribute("data-outcome", "response")
    steps.decide_maintenance(physician, course_id, "response after six sessions: boosters")

    # relapse watch: weekly PHQ-9 on the patient's link; two high scores reach the rule
    for total in (12, 14):
        later(server, staff, days=7)
        url = steps.create_link(nurse, patient_id, "phq9")
        steps.answer_link(patient, url, steps.phq9_of(total))
    physician.goto("/worklist/outcomes")
    row = physician.locator(f'tr[data-kind="relapse"][data-course-id="{course_id}"]')
    expect(row).to_contain_text("scores 12, 14")
