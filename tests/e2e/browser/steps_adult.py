"""Page helpers for the adult IV pathway, each step done in Chromium as the role who does it.

Nothing here calls a service, a repository or SQL: every helper fills and submits the pages a
person would, so the browser journey (``test_pathway_adult_iv.py``) can loop over the induction
sessions. Answers come from ``tests.baseline`` (synthetic item answers); all people are
synthetic.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.baseline import calm_answers

GIVEN, FAMILY = "Avery", "Demo-Pathway-Adult"
BORN = "1984-04-12"
PHQ9_BASELINE = {**{str(i): 2 for i in range(1, 9)}, "9": 0}  # 16 points, item 9 "not at all"


def register(desk: Page) -> int:
    """The front desk registers the patient; returns the new patient's id (from the chart URL)."""
    desk.goto("/patients")
    desk.get_by_role("link", name="Register patient").click()
    desk.get_by_label("Given name").fill(GIVEN)
    desk.get_by_label("Family name").fill(FAMILY)
    desk.get_by_label("Date of birth").fill(BORN)
    desk.get_by_label("Sex at birth").select_option("male")
    desk.get_by_label("Preferred language").fill("en")
    desk.get_by_role("button", name="Register").click()
    expect(desk.get_by_role("heading", level=1, name=f"{FAMILY}, {GIVEN}")).to_be_visible()
    found = re.search(r"/patients/(\d+)", desk.url)
    assert found is not None
    return int(found.group(1))


def open_course(physician: Page, patient_id: int) -> int:
    """The physician opens a course on the signed-off adult IV protocol and starts evaluating."""
    physician.goto(f"/patients/{patient_id}")
    panel = physician.locator("#courses-panel")
    choice = panel.get_by_label("Open a course on")
    option = choice.locator("option", has_text="adult-iv-induction").first
    choice.select_option(option.get_attribute("value") or "")
    panel.get_by_role("button", name=re.compile("Open")).click()
    course = panel.locator("[data-course-id]").first
    expect(course).to_be_visible()
    course_id = int(course.get_attribute("data-course-id") or "0")
    move(physician, patient_id, "evaluating")
    return course_id


def move(page: Page, patient_id: int, to: str, reason: str = "") -> None:
    page.goto(f"/patients/{patient_id}")
    form = page.locator("#courses-panel form", has=page.get_by_role("button", name=f"Move to {to}"))
    if reason:
        form.get_by_label("Reason").fill(reason)
    form.get_by_role("button", name=f"Move to {to}").click()
    expect(page.locator("#courses-panel [data-state]").first).to_have_attribute("data-state", to)


def create_link(nurse: Page, patient_id: int, instrument_title: str) -> str:
    """The nurse creates a single-use self-report link; returns its address."""
    nurse.goto(f"/patients/{patient_id}")
    panel = nurse.locator("#assessments-panel")
    panel.get_by_label("Send a self-report link").select_option(label=instrument_title)
    panel.get_by_role("button", name="Create link").click()
    url = nurse.locator("#link-url").input_value()
    assert url.startswith("http")
    return url


def answer_link(patient: Page, url: str, answers: Mapping[str, int]) -> None:
    """The patient answers on the link, item by item."""
    patient.goto(url)
    for item, value in answers.items():
        patient.locator(f"#item-{item}-{value}").check()
    patient.get_by_role("button", name="Send my answers").click()
    expect(patient.get_by_role("heading", name="Thank you")).to_be_visible()


def patient_page(chromium: Browser, contexts: list[BrowserContext], base_url: str) -> Page:
    """The patient's own browser: no staff sign-in."""
    context = chromium.new_context(base_url=base_url)
    context.set_default_timeout(10_000)
    contexts.append(context)
    return context.new_page()


def calm(instrument: str) -> dict[str, int]:
    return dict(calm_answers(instrument))
