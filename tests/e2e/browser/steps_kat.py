"""Page steps for the KAT and adolescent pathway browser tests: each fills a page the way the
person who does that step would (found by labels and buttons), and nothing else.

``pathway_server`` serves the clinic as ``ketaclinic demo`` leaves it (shipped protocols signed
off, the demo calendar) and nothing more: every patient, course and record of a pathway test is
made through these pages. The clock is the test's; time passes only by ``server.clock``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from ketaclinic.adapters.protocol_files import shipped_protocols
from ketaclinic.domain.identity.access import Role
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.demo import seed_demo
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.baseline import calm_answers
from tests.e2e.browser.conftest import (
    DESKTOP,
    STARTUP_SECONDS,
    LiveServer,
    _build_services,
    _free_socket,
    _start,
    demo_email,
    sign_in,
)
from tests.e2e.browser.steps_chart import open_chart
from tests.fakes import FakeClock


@pytest.fixture
def pathway_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The real app over a fresh database seeded as ``ketaclinic demo`` seeds the clinic."""
    clock = FakeClock()
    s = _build_services(tmp_path, clock)
    demo = seed_demo(s.uow, clock, s.staff, s.patients, s.protocols, shipped_protocols())
    seed_demo_schedule(s.uow, clock, demo.clinic.id)
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
def people(chromium: Browser, pathway_server: LiveServer) -> Iterator[dict[Role, Page]]:
    """One signed-in page per role, opened on first use: ``people[Role.COACH]``. A person away
    longer than the idle sign-out signs in again when next needed, as staff do."""
    contexts: list[BrowserContext] = []
    server = pathway_server
    used: dict[Role, datetime] = {}

    class Pages(dict[Role, Page]):
        def __getitem__(self, role: Role) -> Page:
            now = server.clock.now()
            if role not in self:
                self[role] = open_as(chromium, contexts, server, role, DESKTOP)
            elif now - used[role] >= timedelta(minutes=14):
                signed_in_again(super().__getitem__(role), server, role)
            used[role] = now
            return super().__getitem__(role)

    yield Pages()
    for context in contexts:
        context.close()


def signed_in_again(page: Page, server: LiveServer, role: Role) -> None:
    page.goto("/patients")
    if "/signin" in page.url:
        sign_in(page, demo_email(role), server.password)


def open_as(
    chromium: Browser,
    contexts: list[BrowserContext],
    server: LiveServer,
    role: Role,
    size: ViewportSize,
) -> Page:
    context = chromium.new_context(base_url=server.base_url, viewport=size)
    context.set_default_timeout(15_000)
    contexts.append(context)
    page = context.new_page()
    sign_in(page, demo_email(role), server.password)
    return page


def local_now(server: LiveServer, fmt: str = "%Y-%m-%dT%H:%M") -> str:
    return server.clock.now().astimezone(ZoneInfo(server.clinic.timezone)).strftime(fmt)


# -- registration, course, instruments, evaluation, eligibility -------------------------------
def register(page: Page, given: str, family: str, born: date, sex: str = "male") -> int:
    """Front desk registers the patient; returns the chart's patient id (from its address)."""
    page.goto("/patients/new")
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Family name").fill(family)
    page.get_by_label("Date of birth").fill(born.isoformat())
    page.get_by_label("Sex at birth").select_option(sex)
    page.get_by_label("Preferred language").fill("en")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1, name=f"{family}, {given}")).to_be_visible()
    return int(re.findall(r"/patients/(\d+)", page.url)[-1])


def register_minor(page: Page, given: str, family: str, born: date, guardian: str) -> int:
    page.goto("/patients/new")
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Family name").fill(family)
    page.get_by_label("Date of birth").fill(born.isoformat())
    page.get_by_label("Sex at birth").select_option("male")
    page.get_by_label("Preferred language").fill("en")
    page.get_by_label("Guardian name").fill(guardian)
    page.get_by_label("Relationship to patient").fill("parent")
    page.get_by_label("Guardian phone").fill("+1 555 0142")
    page.get_by_label("Has legal authority to consent").check()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1, name=f"{family}, {given}")).to_be_visible()
    return int(re.findall(r"/patients/(\d+)", page.url)[-1])


def record_measurements(page: Page, patient: int, weight_kg: str, height_cm: str) -> None:
    open_chart(page, patient, "details")
    section = page.locator("#measurements")
    section.get_by_label("Weight", exact=True).fill(weight_kg)
    section.get_by_label("Height", exact=True).fill(height_cm)
    section.get_by_role("button", name="Record").click()
    expect(page.locator("#measurements tbody")).to_contain_text(weight_kg)


def open_course(page: Page, patient: int, protocol_id: str) -> int:
    """The physician opens a course on a signed-off pack; returns the new course id."""
    open_chart(page, patient)
    panel = page.locator("#courses-panel")
    option = panel.locator(f'#protocol_version_id option[data-protocol-id="{protocol_id}"]').first
    panel.get_by_label("Open a course on").select_option(option.get_attribute("value") or "")
    panel.get_by_role("button", name="Open course").click()
    course = page.locator("#courses-panel article.course").first
    expect(course).to_be_visible()
    return int(course.get_attribute("data-course-id") or "0")


def move(page: Page, patient: int, course: int, to: str, reason: str = "") -> None:
    open_chart(page, patient)
    article = page.locator(f'#courses-panel article[data-course-id="{course}"]')
    step = article.locator("li", has=page.locator(f'button[data-to="{to}"]'))
    if reason:
        step.get_by_label("Reason").fill(reason)
    step.locator(f'button[data-to="{to}"]').click()
    # Wait for the answer before anyone navigates: leaving the page mid-request aborts the move.
    expect(article.locator("[data-state]").first).to_have_attribute("data-state", to)


def expect_state(page: Page, patient: int, course: int, state: str) -> None:
    open_chart(page, patient)
    badge = page.locator(f'#courses-panel article[data-course-id="{course}"] [data-state]').first
    expect(badge).to_have_attribute("data-state", state)


def answer_instrument(page: Page, patient: int, instrument: str, **changes: int) -> None:
    """A clinician records a questionnaire item by item (lowest answer unless ``changes``)."""
    page.goto(f"/patients/{patient}/assessments/new?instrument={instrument}")
    for item, value in calm_answers(instrument, **changes).items():
        page.locator(f"#item-{item}-{value}").check()
    page.get_by_role("button", name="Record response").click()
    expect(page).to_have_url(re.compile(rf"/patients/{patient}"))


NO_HISTORY = (
    "cardiovascular",
    "cerebrovascular",
    "aneurysm",
    "intracerebral_hemorrhage",
    "hypertension",
    "hepatic",
    "urinary",
    "seizures",
    "sleep_apnea",
    "raised_intracranial_pressure",
    "raised_intraocular_pressure",
    "hyperthyroidism",
    "cognitive_impairment",
)


def record_evaluation(
    page: Page, course: int, taken: str, instruments: int, tests: dict[int, str]
) -> None:
    """The evaluating clinician's form: history all absent, the recorded baseline responses
    chosen, baseline vitals and the protocol's required tests (index -> result) done ``taken``."""
    page.goto(f"/courses/{course}/evaluation")
    page.get_by_label("Presenting problem").fill("Synthetic: low mood after a loss")
    page.select_option('select[name="diagnoses[0].system"]', label="ICD10CM")
    page.fill('input[name="diagnoses[0].code"]', "F32.1")
    page.fill('input[name="diagnoses[0].display"]', "Major depressive disorder, single, moderate")
    page.select_option('select[name="psychiatric.psychosis"]', "absent")
    page.select_option('select[name="psychiatric.mania"]', "absent")
    page.fill('input[name="psychiatric.suicide_attempt_dates"]', "none")
    page.select_option('select[name="psychiatric.imminent_suicide_risk"]', "no")
    page.select_option('select[name="psychiatric.family_history_psychosis"]', "no")
    page.get_by_label("No substance use").check()
    for item in NO_HISTORY:
        page.select_option(f'select[name="medical.{item}"]', "absent")
    for item in ("can_become_pregnant", "pregnant", "breastfeeding"):
        page.select_option(f'select[name="reproductive.{item}"]', "no")
    page.get_by_label("No (other) known allergies").check()
    page.fill('input[name="medications[0].name"]', "sertraline")
    page.fill('input[name="medications[0].daily_dose_mg"]', "50")
    page.select_option('select[name="prior_treatments[0].kind"]', "psychotherapy")
    page.fill('input[name="prior_treatments[0].name"]', "CBT, 10 sessions")
    page.select_option('select[name="prior_treatments[0].response"]', "partial")
    for index in range(instruments):
        page.select_option(f'select[name="baseline_instruments[{index}].response_id"]', index=1)
    page.fill('input[name="baseline_vitals.at"]', taken)
    page.fill('input[name="baseline_vitals.sbp_mmhg"]', "118")
    page.fill('input[name="baseline_vitals.dbp_mmhg"]', "74")
    page.fill('input[name="baseline_vitals.hr_bpm"]', "72")
    for index, result in tests.items():
        page.fill(f'input[name="tests[{index}].at"]', taken)
        page.fill(f'input[name="tests[{index}].result"]', result)
    page.get_by_role("button", name="Save evaluation (new version)").click()


def sign_eligibility(page: Page, role: str) -> None:
    expect(page.locator("[data-result]")).to_have_attribute("data-result", "eligible")
    page.get_by_role("button", name=f"Sign as {role}").click()
    expect(page.locator("[data-decision]")).to_have_attribute("data-decision", "eligible")


# -- consent on a tablet --------------------------------------------------------------------
def draw_signature(page: Page) -> None:
    canvas = page.locator("#signature-pad")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    x, y = box["x"], box["y"] + box["height"] / 2
    page.mouse.move(x + 20, y)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + 20 + step * 25, y + (15 if step % 2 else -15), steps=3)
    page.mouse.up()


def sign_consent(
    page: Page, course: int, document: str, signer: str, name: str, guardian: str = ""
) -> None:
    page.goto(f"/courses/{course}/consent")
    row = page.locator(f'tr[data-document="{document}"][data-signer="{signer}"]')
    row.get_by_role("link", name="Sign on tablet").click()
    if guardian:
        page.get_by_label("Parent or legal guardian signing").select_option(
            label=f"{guardian} (parent)"
        )
    elif signer == "assent":
        page.get_by_label("Yes, I agree").check()
    page.get_by_label("full name").fill(name)
    if page.get_by_label("Witness (a member of staff)").count():
        page.get_by_label("Witness (a member of staff)").select_option(index=1)
    draw_signature(page)
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.locator(f'#signed li[data-document="{document}"]')).to_have_count(1)


# -- coaching --------------------------------------------------------------------------------
def coaching_session(page: Page, server: LiveServer, course: int, kind: str, themes: str) -> None:
    """The coach writes and signs a coaching note in the course's integration workspace."""
    page.goto(f"/courses/{course}/integration")
    form = page.locator("#note-form")
    form.get_by_label("Kind").select_option(kind)
    form.get_by_label("Held at").fill(local_now(server))
    form.get_by_label("Themes").fill(themes)
    form.get_by_role("button", name="Save the session note").click()
    note = page.locator(f'li.note[data-kind="{kind}"]', has_text=themes)
    expect(note).to_be_visible()
    note.get_by_role("button", name="Sign note").click()
    expect(page.locator(f'li.note[data-kind="{kind}"]', has_text=themes)).to_contain_text("signed")


# -- the dose order and the bedside check ----------------------------------------------------
def write_order(
    page: Page, course: int, route: str, password: str, dose_mg: str | None = None
) -> int:
    """The prescriber chooses the route on the order form and signs the recommended (or given)
    fixed dose, re-entering their password; returns the order id."""
    page.goto(f"/courses/{course}/orders/new")
    page.get_by_label("Route (the routes this course's protocol allows)").select_option(route)
    page.get_by_role("button", name="Show this route").click()
    words = {"iv": "IV", "im": "IM", "in": "intranasal", "sl": "sublingual"}[route]
    expect(page.locator("#route-h")).to_have_text(f"Route · {words}")
    if dose_mg is not None:
        page.get_by_label("Dose (mg)").fill(dose_mg)
    page.locator("#reauth_password").fill(password)
    page.get_by_role("button", name="Sign order").click()
    expect(page).to_have_url(re.compile(r"/orders/\d+$"))
    return int(page.url.rstrip("/").split("/")[-1])


def between_session_checkin(page: Page, patient: int) -> None:
    """The nurse asks the patient the between-session questions on the chart's dosing panel."""
    open_chart(page, patient, "dosing")
    panel = page.locator("#dosing-panel")
    panel.get_by_text("Record a check-in").click()
    panel.get_by_label("Anxiety now (0-10)").fill("3")
    panel.get_by_label("Hours slept last night").fill("7.5")
    panel.get_by_role("button", name="Record check-in").click()
    expect(page.locator("#dosing-panel")).not_to_contain_text("No check-in recorded.")


def verify_at_bedside(page: Page, order: int, mrn: str, dose_mg: str, route: str) -> None:
    """The second person reads the wristband and the label (drug, route, dose) and checks
    them against the order; nothing on the form is read off the order."""
    page.goto(f"/orders/{order}/verify")
    page.get_by_label("Patient MRN (wristband)").fill(mrn)
    page.get_by_label("Drug (label)").fill("ketamine")
    page.locator("#route").select_option(label=route)
    page.get_by_label("Dose on the label (mg)").fill(dose_mg)
    page.get_by_role("button", name="Check against the order").click()
    expect(page.locator("#verification-result")).to_contain_text("Verified")


def chart_mrn(page: Page, patient: int) -> str:
    page.goto(f"/patients/{patient}")
    return page.locator('#patient-banner [data-field="mrn"]').inner_text()
