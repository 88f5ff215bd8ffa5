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


def create_link(nurse: Page, patient_id: int, instrument: str) -> str:
    """The nurse creates a single-use self-report link; returns its address."""
    nurse.goto(f"/patients/{patient_id}")
    panel = nurse.locator("#assessments-panel")
    panel.get_by_label("Send a self-report link").select_option(instrument)
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


def record_on_chart(
    clinician: Page, patient_id: int, title: str, answers: Mapping[str, int]
) -> None:
    """A clinician-rated instrument (C-SSRS screen) recorded on the chart, item by item."""
    clinician.goto(f"/patients/{patient_id}")
    panel = clinician.locator("#assessments-panel")
    panel.get_by_label("Record a response").select_option(title)
    panel.get_by_role("button", name="Open form").click()
    for item, value in answers.items():
        clinician.locator(f"#item-{item}-{value}").check()
    clinician.get_by_role("button", name="Record response").click()
    clinician.wait_for_url(re.compile(rf"/patients/{patient_id}(#.*)?$"))


MEDICAL = (
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


def evaluate(physician: Page, course_id: int, yesterday: str) -> None:
    """The physician records the evaluation; the baseline questionnaires are the recorded
    responses (chosen from the list with their totals and dates, never typed again)."""
    physician.goto(f"/courses/{course_id}/evaluation")
    physician.get_by_label("Presenting problem").fill("Synthetic: recurrent low mood, anhedonia")
    physician.select_option('select[name="diagnoses[0].system"]', label="ICD10CM")
    physician.fill('input[name="diagnoses[0].code"]', "F33.2")
    physician.fill('input[name="diagnoses[0].display"]', "Major depressive disorder, recurrent")
    for name in ("psychosis", "mania"):
        physician.select_option(f'select[name="psychiatric.{name}"]', "absent")
    physician.fill('input[name="psychiatric.suicide_attempt_dates"]', "none")
    physician.select_option('select[name="psychiatric.imminent_suicide_risk"]', "no")
    physician.select_option('select[name="psychiatric.family_history_psychosis"]', "no")
    physician.get_by_label("No substance use").check()
    for item in MEDICAL:
        physician.select_option(f'select[name="medical.{item}"]', "absent")
    for item in ("can_become_pregnant", "pregnant", "breastfeeding"):
        physician.select_option(f'select[name="reproductive.{item}"]', "no")
    physician.get_by_label("No (other) known allergies").check()
    physician.fill('input[name="medications[0].name"]', "sertraline")
    physician.fill('input[name="medications[0].daily_dose_mg"]', "100")
    physician.select_option('select[name="prior_treatments[0].kind"]', "medication")
    physician.fill('input[name="prior_treatments[0].name"]', "escitalopram 20 mg, 10 weeks")
    physician.select_option('select[name="prior_treatments[0].response"]', "none")
    questionnaires = physician.locator("#baseline-questionnaires select")
    for index in range(questionnaires.count()):
        questionnaires.nth(index).select_option(index=1)
    physician.fill('input[name="baseline_vitals.at"]', yesterday)
    for name, value in (("sbp_mmhg", "124"), ("dbp_mmhg", "80"), ("hr_bpm", "72")):
        physician.fill(f'input[name="baseline_vitals.{name}"]', value)
    physician.fill('input[name="baseline_vitals.weight_kg"]', "80")
    physician.fill('input[name="baseline_vitals.height_cm"]', "178")
    for index, result in ((1, "normal"), (2, "normal sinus rhythm")):  # resting BP, ECG
        physician.fill(f'input[name="tests[{index}].at"]', yesterday)
        physician.fill(f'input[name="tests[{index}].result"]', result)
    physician.get_by_role("button", name="Save evaluation (new version)").click()


def sign_eligibility(physician: Page) -> None:
    expect(physician.locator("[data-result]")).to_have_attribute("data-result", "eligible")
    physician.get_by_role("button", name="Sign as physician").click()
    expect(physician.locator("[data-decision]")).to_have_attribute("data-decision", "eligible")


def sign_consent(tablet: Page, course_id: int, document: str, name: str) -> None:
    """The patient reads and signs the consent on the nurse's tablet (name and drawn mark)."""
    tablet.goto(f"/courses/{course_id}/consent")
    row = tablet.locator(f'tr[data-document="{document}"][data-signer="patient"]')
    row.get_by_role("link", name="Sign on tablet").click()
    tablet.get_by_label("full name").fill(name)
    draw_signature(tablet)
    tablet.get_by_role("button", name="Sign", exact=True).click()
    expect(tablet.locator(f'#signed li:has-text("{document}")')).to_have_count(1)


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
