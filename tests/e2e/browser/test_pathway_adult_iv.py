"""Browser acceptance of the adult IV pathway end to end, pages only.

The server starts from the clinic as ``ketaclinic demo`` leaves it (staff, shipped protocols
signed off, the demo calendar, the monitor simulator's gateway) with the MLLP listener running.
A new adult is registered by the front desk, evaluated with the questionnaires (the C-SSRS
screener included) answered on the patient's own link, found eligible, consented, and taken
through the induction series. At each session the nurse assigns the chair's monitor, which sends
readings over MLLP (a test sender stands in for it) beside the vitals taken by hand; a sustained
tachycardia raises an alarm the nurse acknowledges on the live board. After the reassessment the
physician chooses maintenance, the front desk books the booster plan and booster 1 is given like
an induction session; the relapse watch follows. Each step is done in Chromium by the role who
does it (``steps_adult``, ``steps_bedside``). Time moves by the server's injected clock only.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pypdf import PdfReader

from ketaclinic.domain.identity.access import Role
from tests.e2e.browser import steps_adult as steps
from tests.e2e.browser import steps_bedside as bedside_monitor
from tests.e2e.browser import steps_intake as intake
from tests.e2e.browser.conftest import DESKTOP, TABLET, LiveServer, demo_email, sign_in
from tests.e2e.browser.mllp import listening
from tests.e2e.browser.steps_chart import open_tab
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


@pytest.fixture
def monitor(demo_server: LiveServer) -> Iterator[bedside_monitor.Monitor]:
    """The bedside monitor, sending to the clinic's MLLP listener."""
    with listening(demo_server) as port:
        yield bedside_monitor.Monitor(port)


@dataclass
class Team:
    """The clinic's people, each at their own browser, and the bedside monitor."""

    server: LiveServer
    desk: Page
    physician: Page
    nurse: Page
    app: Page
    monitor: bedside_monitor.Monitor

    @property
    def staff(self) -> dict[Role, Page]:
        return {
            Role.FRONT_DESK: self.desk,
            Role.PHYSICIAN: self.physician,
            Role.NURSE: self.nurse,
            Role.APP: self.app,
        }


def give_session(
    team: Team, patient_id: int, start: str, *, expect_rule: str = "", expect_outcome: str = ""
) -> str:
    """One IV session from the schedule to discharge; returns the session page's address.

    The nurse assigns the chair's monitor; during dosing it sends a normal reading, then a heart
    rate above 120 twice five minutes apart (the sustained-tachycardia rule: notify), which the
    nurse acknowledges on the live board."""
    server, nurse = team.server, team.nurse
    order = steps.write_order(
        team.app, patient_id, expect_rule=expect_rule, expect_outcome=expect_outcome
    )
    steps.check_in_from_schedule(team.desk, start.split(" ")[0])
    url = steps.open_session(nurse)
    steps.verify_at_bedside(nurse, order)
    nurse.goto(url)
    bedside_monitor.assign_monitor(nurse, team.monitor)
    steps.prepare_and_start(nurse, order)
    team.monitor.send(server.clock.now(), hr=78)
    for hr in (124, 128):
        bedside(server, nurse, url, 5)
        team.monitor.send(server.clock.now(), hr=hr)
    bedside_monitor.acknowledge_on_board(
        nurse, steps.FAMILY, "required action: call the prescriber"
    )
    bedside(server, nurse, url, 10)
    bedside_monitor.readings_side_by_side(nurse)
    steps.record_dissociation(nurse, "2", "20")  # low dissociation
    return url


def finish_session(team: Team, url: str) -> None:
    bedside(team.server, team.nurse, url, 20)
    steps.end_recover_discharge(team.nurse, partial(bedside, team.server, team.nurse, url))


@pytest.mark.timeout(600)  # the longest journey of the tier: seven sessions, each to discharge
def test_adult_iv_pathway_from_registration_to_relapse_watch(
    demo_server: LiveServer,
    chromium: Browser,
    contexts: list[BrowserContext],
    monitor: bedside_monitor.Monitor,
) -> None:
    server = demo_server
    desk = _as(chromium, contexts, server, Role.FRONT_DESK)
    physician = _as(chromium, contexts, server, Role.PHYSICIAN)
    nurse = _as(chromium, contexts, server, Role.NURSE)
    app = _as(chromium, contexts, server, Role.APP)
    team = Team(server, desk, physician, nurse, app, monitor)
    staff = team.staff
    patient = steps.patient_page(chromium, contexts, server.base_url)

    patient_id = steps.register(desk)
    course_id = steps.open_course(physician, patient_id)
    for instrument, answers in (
        ("phq9", steps.PHQ9_BASELINE),
        ("gad7", steps.calm("gad7")),
        ("pcl5", steps.calm("pcl5")),
        ("wsas", steps.calm("wsas")),
        ("cssrs-screen", steps.calm("cssrs-screen")),  # the screener's self-report form
    ):
        steps.answer_link(patient, steps.create_link(nurse, patient_id, instrument), answers)
    physician.goto(f"/courses/{course_id}/outcome")
    expect(physician.locator("main")).not_to_contain_text("no baseline score recorded")
    expect(physician.locator("main")).to_contain_text("16 points")

    later(server, staff, hours=2)
    intake.evaluate(physician, course_id, local(server, hours_ago=1))
    intake.sign_eligibility(physician)
    steps.move(physician, patient_id, "eligible")
    steps.chart_follows(physician, "eligible")
    intake.sign_consent(
        nurse, course_id, "iv-ketamine-informed-consent", f"{steps.GIVEN} {steps.FAMILY}"
    )
    steps.move(physician, patient_id, "consented")
    steps.move(physician, patient_id, "induction")
    steps.chart_follows(physician, "induction")

    starts = steps.book_series(desk, patient_id)
    for number, start in enumerate(starts, start=1):
        until(server, staff, start, minutes_before=20)
        if number == 1:
            steps.measure(app, patient_id, "80", "178")
        if number > 1:  # between sessions: the patient's check-in, the titration recommendation
            steps.record_checkin(nurse, patient_id)
            url = steps.create_link(nurse, patient_id, "phq9")  # lands as session n-1's score
            steps.answer_link(patient, url, steps.phq9_of(15))
        session_url = give_session(
            team,
            patient_id,
            start,
            expect_rule="nausea" if number == 2 else "",  # session 1's adverse event
            expect_outcome="step_up" if number == 4 else "",  # no response after session 3
        )
        if number == 1:
            steps.record_adverse_event(nurse, "nausea")
        finish_session(team, session_url)

    # reassessment: the questionnaires answered after the sixth discharge are the reassessment
    later(server, staff, days=1)
    steps.answer_link(patient, steps.create_link(nurse, patient_id, "phq9"), steps.phq9_of(6))
    steps.answer_link(patient, steps.create_link(nurse, patient_id, "wsas"), steps.calm("wsas"))
    steps.move(physician, patient_id, "reassessment")
    steps.chart_follows(physician, "reassessment")
    open_tab(physician, "outcomes")
    panel = physician.locator("#outcomes-panel")
    expect(panel.locator("[data-outcome]")).to_have_attribute("data-outcome", "response")
    steps.decide_maintenance(physician, course_id, "response after six sessions: boosters")

    # maintenance: the front desk books the plan's boosters; booster 1 is given like a session
    booster = steps.book_boosters(physician, patient_id)
    until(server, staff, booster, minutes_before=20)
    steps.record_checkin(nurse, patient_id)
    finish_session(team, give_session(team, patient_id, booster))

    # relapse watch: weekly PHQ-9 on the patient's link; two high scores reach the rule
    for total in (12, 14):
        later(server, staff, days=7)
        url = steps.create_link(nurse, patient_id, "phq9")
        steps.answer_link(patient, url, steps.phq9_of(total))
    physician.goto("/worklist/outcomes")
    row = physician.locator(f'tr[data-kind="relapse"][data-course-id="{course_id}"]')
    expect(row).to_contain_text("scores 12, 14")

    # the course report for the referring clinician, as the physician opens it from the chart
    pdf = physician.request.get(f"/courses/{course_id}/report.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert server.clinic.name in text and "signed by" in text and "(physician)" in text
    assert "(America/Chicago)" in text
    for number in range(1, 7):
        assert f"Session {number} - " in text
    assert "- 40 mg (0.5 mg/kg) - adverse events: nausea" in text
    assert "adverse events: none" in text  # sessions 2-6
    stepped = re.search(r"Session 4 - [^\n]*? - ([\d.]+) mg \(", text)
    assert stepped is not None and Decimal(stepped.group(1)) > 40  # the step up at session 4
    flat = " ".join(text.split())  # a long line may wrap anywhere in the PDF
    assert "nausea (mild) intervention: ondansetron 4 mg IV - outcome: resolved" in flat
    # after the relapse-watch score the outcome is read again: some class of response, in words
    assert re.search(r"(Response|Partial response|No response) on PHQ-9", flat)
    assert "Chart:" in flat
    assert re.search(
        r"Booster 1: given [A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d, planned ", flat
    )
    assert "Session 7 - " in text  # the booster's dose beside the induction's
    assert "UNCONFIRMED" not in flat and not re.search(r"\d{4}-\d\d-\d\d", flat)
