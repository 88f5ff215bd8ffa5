"""Page helpers for the adult pathway's intake: the evaluation, eligibility and consent pages.

Used by ``test_pathway_adult_iv.py`` beside ``steps_adult`` (the induction and outcome steps);
pages only, as the role who does each step. All people are synthetic.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

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
    expect(tablet.locator(f'#signed li[data-document="{document}"]')).to_have_count(1)


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
