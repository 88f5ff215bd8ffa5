"""Every page a staff member reaches from the navigation passes axe-core's WCAG 2.2 AA rules and
never scrolls sideways on a workstation (1366x768), a tablet (1024x768) or a phone (390x844).

The server is seeded the way ``ketaclinic demo`` seeds it (patients, signed protocols, months of
history, the calendar and boosters, the pathway patient ready for an infusion and the patients at
later stages), so the chart, the board, the worklists, the outcomes dashboard with its charts and
an infusion session day all have content. axe-core is the committed copy in
``vendor/axe-core`` (see its README for version and checksums), injected into each page by the
test; the contexts bypass the Content Security Policy only so that injection works.

Screenshots of each role's Today page, the board (with a patient infusing), the outcomes
dashboard, a patient chart with its summary, the course outcome page, the first page of the course
report (rasterised by PDFium) and the navigation folded on a phone are written to ``var/screens/``
(git-ignored; listed in docs/screens.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from ketaclinic.domain.identity.access import Role
from tests.e2e.browser.conftest import LiveServer, demo_email, sign_in
from tests.e2e.browser.plain_text import VISIBLE_TEXT_JS, offending
from tests.e2e.browser.steps_adult import choose_order, start_dosing
from tests.e2e.browser.steps_chart import open_tab

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WORKSTATION = ViewportSize(width=1366, height=768)
TABLET = ViewportSize(width=1024, height=768)
PHONE = ViewportSize(width=390, height=844)
SCREENS = Path(__file__).resolve().parents[3] / "var" / "screens"
STAFF_ROLES = (
    Role.PHYSICIAN,
    Role.APP,
    Role.NURSE,
    Role.COACH,
    Role.FRONT_DESK,
    Role.ADMIN,
    Role.AUDITOR,
)


@pytest.fixture
def open_as(chromium: Browser, demo_clinic: LiveServer) -> Iterator[Any]:
    contexts: list[BrowserContext] = []

    def open_page(role: Role) -> Page:
        context = chromium.new_context(
            base_url=demo_clinic.base_url, viewport=WORKSTATION, bypass_csp=True
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, demo_email(role), demo_clinic.password)
        return page

    yield open_page
    for context in contexts:
        context.close()


def settle(page: Page) -> None:
    """Wait until the page and the htmx fragments it loads on arrival have been swapped in."""
    page.wait_for_load_state("load")
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, [hx-trigger=\"load\"]:empty')"
    )


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.2 AA violations on the current page, one line per rule."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA
    )
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])} element(s)): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:4])
        for v in result["violations"]
    ]


def sideways_scroll(page: Page) -> list[str]:
    """The viewports at which the page is wider than the window, with the widest elements."""
    found = []
    for size in (WORKSTATION, TABLET, PHONE):
        page.set_viewport_size(size)
        wide = page.evaluate(
            """() => {
              const w = window.innerWidth;
              if (document.documentElement.scrollWidth <= w) return null;
              const over = [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > w + 1)
                .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                  + (e.className && typeof e.className === 'string'
                     ? '.' + e.className.trim().split(/\\s+/).join('.') : ''));
              return document.documentElement.scrollWidth + 'px: ' + over.slice(0, 6).join(' ');
            }"""
        )
        if wide:
            found.append(f"{size['width']}x{size['height']} {wide}")
    page.set_viewport_size(WORKSTATION)
    return found


def check(page: Page, path: str, problems: dict[str, list[str]]) -> None:
    page.goto(path)
    settle(page)
    found = axe_violations(page) + sideways_scroll(page)
    if found:
        problems[path] = found


def navigation(page: Page) -> list[str]:
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    return [href for href in links.evaluate_all("ls => ls.map(l => l.getAttribute('href'))")]


def chart_sections(page: Page) -> list[str]:
    links = page.get_by_role("navigation", name="Chart sections").get_by_role("link")
    hrefs = links.evaluate_all("ls => ls.map(l => l.getAttribute('href'))")
    assert len(hrefs) > 1, "the chart shows no section tabs"
    return [str(href) for href in hrefs]


def report(role: Role, problems: dict[str, list[str]]) -> str:
    lines = [f"{role.value}: {len(problems)} page(s) with problems"]
    for path, found in problems.items():
        lines.append(f"  {path}")
        lines.extend(f"    - {line}" for line in found)
    return "\n".join(lines)


@pytest.mark.parametrize("role", STAFF_ROLES, ids=lambda r: r.value)
def test_every_page_in_the_navigation_passes_axe_and_fits_the_window(
    open_as: Any, role: Role
) -> None:
    page = open_as(role)
    pages = navigation(page)
    assert pages, f"{role.value} sees no navigation"
    problems: dict[str, list[str]] = {}
    for path in pages:
        check(page, path, problems)
    if "/today" in pages:
        page.goto("/today")
        settle(page)
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / f"today-{role.value}.png"), full_page=True)
    if "/patients" in pages:
        page.goto("/patients")
        page.locator("table a[href^='/patients/']").first.click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check(page, page.url.removeprefix(page.url.split("/patients")[0]), problems)
        for section in chart_sections(page):  # every tab of the chart the role may open
            check(page, section, problems)
    assert not problems, report(role, problems)


def test_the_sign_in_page_passes_axe_and_fits_the_window(
    chromium: Browser, demo_clinic: LiveServer
) -> None:
    context = chromium.new_context(
        base_url=demo_clinic.base_url, viewport=WORKSTATION, bypass_csp=True
    )
    try:
        page = context.new_page()
        problems: dict[str, list[str]] = {}
        check(page, "/signin", problems)
        assert not problems, report(Role.FRONT_DESK, problems)
    finally:
        context.close()


def _submit(page: Page, step: str, fields: dict[str, str], checks: tuple[str, ...] = ()) -> None:
    section = page.locator(f"#step-{step}")
    for label, value in fields.items():
        section.get_by_label(label, exact=True).fill(value)
    for label in checks:
        section.get_by_label(label).check()
    section.get_by_role("button").first.click()


def _verify_order_at_bedside(nurse: Page) -> str:
    """From the session to the chart: the wristband MRN checked against the signed order."""
    nurse.get_by_role("link", name="Chart").click()
    mrn = nurse.locator('#patient-banner [data-field="mrn"]').inner_text()
    open_tab(nurse, "dosing")
    nurse.locator("#dosing-panel").get_by_role("link", name="Verify at bedside").click()
    order_id = nurse.url.rstrip("/").split("/")[-2]
    nurse.get_by_label("Patient MRN (wristband)").fill(mrn)
    nurse.get_by_label("Drug (label)").fill("ketamine")
    nurse.locator("#route").select_option(label="Intravenous (IV)")
    nurse.get_by_label("Concentration on the label (mg/mL)").fill("0.35")
    nurse.get_by_label("Dose on the label (mg)").fill("35")
    nurse.get_by_label("Pump rate programmed (mL/h)").fill("150")
    nurse.get_by_role("button", name="Check against the order").click()
    expect(nurse.locator("#verification-result")).to_contain_text("Verified")
    return order_id


BASELINE = {"SBP": "128", "DBP": "82", "HR": "74", "SpO2": "98"}


def _ready_to_start(nurse: Page, session: str, order_id: str) -> None:
    """Check-in, hand-entered vitals, premedication, IV and pre-dose checks: ready to start."""
    nurse.goto(session)
    nurse.locator("#check-in-pregnancy_test").select_option("negative")
    _submit(
        nurse,
        "check-in",
        {"Escort for discharge *": "Sam Demo-Escort", "Escort phone *": "555-0100"},
        ("Identity confirmed", "Escort reached", "Fasting status", "Between-session"),
    )
    vitals = {
        "Systolic BP (mmHg)": BASELINE["SBP"],
        "Diastolic BP (mmHg)": BASELINE["DBP"],
        "Heart rate (/min)": BASELINE["HR"],
        "SpO2 (%)": BASELINE["SpO2"],
        "Respiratory rate (/min)": "14",
    }
    _submit(nurse, "vitals", vitals)
    given = {"Drug *": "ondansetron", "Dose (mg) *": "4", "Route *": "iv", "Lot *": "OND-DEMO-7"}
    _submit(nurse, "give", given)
    iv = {"IV site *": "left antecubital", "Gauge *": "22", "Attempts *": "1"}
    _submit(nurse, "iv", iv)
    pre_dose = {
        "Baseline systolic BP (mmHg) *": BASELINE["SBP"],
        "Baseline diastolic BP (mmHg) *": BASELINE["DBP"],
        "Baseline heart rate (/min) *": BASELINE["HR"],
        "Baseline SpO2 (%) *": BASELINE["SpO2"],
        "Symptom check *": "no headache, no chest pain",
    }
    choose_order(nurse, order_id)
    _submit(nurse, "pre-dose", pre_dose)
    expect(nurse.locator('[data-field="state"]')).to_have_text("Ready")


def test_an_infusion_session_day_and_the_board_with_a_patient_pass_axe(open_as: Any) -> None:
    """The front desk checks the pathway patient in; the nurse opens the session from arrivals,
    verifies the order at the bedside and starts the infusion: the session page before and
    during the infusion, and the board with the patient on a chair, are checked."""
    desk = open_as(Role.FRONT_DESK)
    desk.goto("/schedule")
    slot = desk.locator("li.appt", has_text="Demo-Pathway")
    slot.get_by_role("button", name="Check in").click()
    expect(desk.locator("#opened")).to_contain_text("session opened")
    nurse = open_as(Role.NURSE)
    nurse.goto("/arrivals")
    nurse.locator("tr", has_text="Demo-Pathway").get_by_role(
        "link", name=re.compile("Open session|Check in")
    ).click()
    expect(nurse.get_by_role("heading", level=1)).to_contain_text("Infusion session")
    session = nurse.url.split("#")[0]
    path = session.removeprefix(session.split("/sessions")[0])
    problems: dict[str, list[str]] = {}
    check(nurse, path, problems)
    _ready_to_start(nurse, session, _verify_order_at_bedside(nurse))
    check(nurse, path, problems)  # the start form: people chosen by name, on a phone too
    start_dosing(nurse, "KET-DEMO-42")
    expect(nurse.locator('[data-field="state"]')).to_have_text("Dosing")
    check(nurse, path, problems)
    check(nurse, "/board", problems)
    expect(nurse.locator(".chair-card", has_text="Demo-Pathway")).to_be_visible()
    SCREENS.mkdir(parents=True, exist_ok=True)
    nurse.screenshot(path=str(SCREENS / "board.png"), full_page=True)
    assert (SCREENS / "board.png").stat().st_size > 10_000
    assert not problems, report(Role.NURSE, problems)


def render_first_page(pdf: bytes, png: Path) -> None:
    """The report's first page as the PDF engine of Chromium (PDFium) draws it, at 150 dpi:
    headless Chromium shows no PDF, so the page is rasterised outside the browser."""
    document = pdfium.PdfDocument(pdf)
    try:
        document[0].render(scale=150 / 72).to_pil().save(png)
    finally:
        document.close()


def test_screenshots_of_the_outcomes_dashboard_a_patient_chart_and_the_phone_menu(
    open_as: Any,
) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    physician = open_as(Role.PHYSICIAN)
    physician.goto("/outcomes")
    settle(physician)
    expect(physician.locator("figure.chart-figure svg").first).to_be_visible()
    physician.screenshot(path=str(SCREENS / "outcomes.png"), full_page=True)
    physician.goto("/patients?q=Demo-Pathway")
    physician.locator("table a[href^='/patients/']", has_text="Demo-Pathway").first.click()
    settle(physician)
    physician.screenshot(path=str(SCREENS / "patient-chart.png"), full_page=True)
    summary = physician.locator("#chart-summary")
    expect(summary.get_by_role("heading", name="Where treatment stands")).to_be_visible()
    summary.screenshot(path=str(SCREENS / "chart-summary.png"))
    to_course = physician.locator("main [action^='/courses/'], main [href^='/courses/']").first
    course = re.findall(r"/courses/(\d+)/", to_course.evaluate("e => e.outerHTML"))[0]
    physician.goto(f"/courses/{course}/outcome")
    settle(physician)
    physician.screenshot(path=str(SCREENS / "course-outcome.png"), full_page=True)
    physician.goto("/patients?q=Demo-History")
    physician.locator("table a[href^='/patients/']", has_text="Demo-History").first.click()
    settle(physician)
    to_course = physician.locator("main [action^='/courses/'], main [href^='/courses/']").first
    course = re.findall(r"/courses/(\d+)/", to_course.evaluate("e => e.outerHTML"))[0]
    report_pdf = physician.request.get(f"/courses/{course}/report.pdf")
    assert report_pdf.ok and report_pdf.headers["content-type"] == "application/pdf"
    render_first_page(report_pdf.body(), SCREENS / "course-report.png")
    physician.set_viewport_size(PHONE)
    physician.goto("/today")
    settle(physician)
    menu = physician.locator("nav[aria-label='Main'] details")
    expect(menu).not_to_have_attribute("open", "")
    physician.screenshot(path=str(SCREENS / "phone-menu-folded.png"))
    physician.get_by_text("Menu", exact=True).click()
    expect(physician.get_by_role("link", name="Patients", exact=True)).to_be_visible()
    physician.screenshot(path=str(SCREENS / "phone-menu-open.png"))
    names = (
        "outcomes",
        "patient-chart",
        "chart-summary",
        "course-outcome",
        "course-report",
        "phone-menu-open",
    )
    for name in names:
        assert (SCREENS / f"{name}.png").stat().st_size > 10_000, name


def test_a_self_rated_questionnaire_handed_to_the_patient_is_in_patient_mode(
    open_as: Any,
) -> None:
    """The nurse opens the PHQ-9 from the chart and hands the tablet over: no staff navigation,
    no account, large answers, and a hand-back link that returns staff to the chart."""
    nurse = open_as(Role.NURSE)
    nurse.goto("/patients")
    nurse.locator("table a[href^='/patients/']").first.click()
    open_tab(nurse, "assessments")
    chart = nurse.url
    nurse.get_by_label("Record a response").select_option("phq9")
    nurse.get_by_role("button", name="Open form").click()
    expect(nurse.get_by_role("heading", level=1)).to_contain_text("PHQ-9")
    expect(nurse.get_by_role("navigation", name="Main")).to_have_count(0)
    expect(nurse.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(nurse.get_by_text("Patient and family screen")).to_be_visible()
    answer = nurse.locator("label.choice").first.bounding_box()
    assert answer is not None and answer["height"] >= 56, answer
    problems: dict[str, list[str]] = {}
    check(nurse, nurse.url.removeprefix(nurse.url.split("/patients")[0]), problems)
    assert not problems, report(Role.NURSE, problems)
    nurse.get_by_role("link", name="Staff: take the device back").click()
    assert nurse.url == chart
    expect(nurse.get_by_role("navigation", name="Main")).to_be_visible()


def test_the_patients_own_questionnaire_link_passes_axe_and_fits_a_phone(
    chromium: Browser, open_as: Any, demo_clinic: LiveServer
) -> None:
    """A nurse creates a self-report link on the chart; the patient opens it on a phone."""
    nurse = open_as(Role.NURSE)
    nurse.goto("/patients")
    nurse.locator("table a[href^='/patients/']").first.click()
    open_tab(nurse, "assessments")
    nurse.get_by_label("Send a self-report link").select_option("phq9")
    nurse.get_by_role("button", name="Create link").click()
    url = nurse.get_by_label("Questionnaire link").input_value()
    context = chromium.new_context(viewport=PHONE, bypass_csp=True)
    try:
        phone = context.new_page()
        phone.goto(url)
        expect(phone.get_by_role("heading", level=1)).to_contain_text("PHQ-9")
        expect(phone.get_by_text("Patient and family screen")).to_be_visible()
        problems: dict[str, list[str]] = {}
        check(phone, url, problems)
        assert not problems, report(Role.NURSE, problems)
    finally:
        context.close()


DEEPER = re.compile(
    r"^/(?:patients/\d+|sessions/\d+|orders/\d+|courses/\d+/(?:outcome|evaluation|eligibility"
    r"|consent|integration)|protocols/\d+)$"
)


def read_plainly(page: Page, path: str, problems: dict[str, list[str]]) -> None:
    """Open ``path`` and note any raw value its visible text shows outside a disclosure."""
    page.goto(path)
    settle(page)
    found = offending(page.evaluate(VISIBLE_TEXT_JS))
    if found:
        problems[path] = found


def linked_pages(page: Page) -> list[str]:
    """The chart, session, order, course and protocol pages the current page links to."""
    hrefs = page.locator("a[href^='/']").evaluate_all("ls => ls.map(l => l.getAttribute('href'))")
    return [h for h in dict.fromkeys(h.split("#")[0] for h in hrefs) if DEEPER.match(h)]


def a_few_of_each_kind(paths: list[str], seen: set[str], each: int = 3) -> list[str]:
    """Up to ``each`` unseen pages of each kind (chart, session, order...), in link order."""
    kinds: dict[str, list[str]] = {}
    for path in dict.fromkeys(paths):
        if path not in seen:
            kinds.setdefault(re.sub(r"\d+", "N", path), []).append(path)
    return [path for group in kinds.values() for path in group[:each]]


def test_offending_catches_raw_values_and_passes_plain_text() -> None:
    raw = (
        "Raised 2026-12-07T09:15:00+00:00\nRule dose.request_above_ceiling\nbp-systolic-pause\n"
        "BP 182 mm[Hg]\nbaseline_vitals.sbp_mmhg is required\nSigned: True\nBy staff/4\n"
        "1 consecutive reading(s)\nPHQ total phq9 on adult-iv-induction@1.1.0\ngad7, cssrs-screen"
    )
    found = "\n".join(offending(raw))
    for expected in (
        "ISO timestamp",
        "rule id dose.request_above_ceiling",
        "rule id bp-systolic-pause",
        "raw unit mm[Hg]",
        "identifier baseline_vitals.sbp_mmhg",
        "literal True",
        "database id staff/4",
        "plural hack",
        "internal code phq9",
        "internal code adult-iv-induction",
        "internal code gad7",
        "internal code cssrs-screen",
    ):
        assert expected in found, expected
    plain = (
        "Raised 7 Dec 09:15\nBP 182 mmHg, two readings over 5 min\nnurse@demo.example\n"
        "PHQ-9 and GAD-7 on Adult IV ketamine induction 1.1.0 (/protocols/adult-iv-induction)"
    )
    assert offending(plain) == []


@pytest.mark.parametrize("role", STAFF_ROLES, ids=lambda r: r.value)
def test_no_page_shows_raw_values_outside_a_disclosure(open_as: Any, role: Role) -> None:
    """Every page in the navigation, a patient chart and the session, order, course and
    protocol pages it links to show names, local times, plain reasons and units."""
    page = open_as(role)
    pages = navigation(page)
    problems: dict[str, list[str]] = {}
    deeper: list[str] = []
    for path in pages:
        read_plainly(page, path, problems)
        deeper += linked_pages(page)
    if "/patients" in pages:
        page.goto("/patients?q=Demo-Pathway")  # the demo lists many patients
        chart = page.locator("table a[href^='/patients/']", has_text="Demo-Pathway").first
        deeper.insert(0, chart.get_attribute("href") or "")
    seen = set(pages)
    for _depth in range(2):
        for path in a_few_of_each_kind(deeper, seen):
            seen.add(path)
            read_plainly(page, path, problems)
            deeper += linked_pages(page)
    assert not problems, report(role, problems)
