"""An adolescent through the IV programme in the browser, pages only.

From the clinic as ``ketaclinic demo`` leaves it: the front desk registers a 15-year-old with a
guardian who has legal authority; the physician opens an adolescent-iv course, records the
baseline questionnaires and the evaluation and signs eligibility; on the tablet the guardian gives
permission (and the family involvement plan) and the adolescent gives assent. A PHQ-A answered on
the patient's own questionnaire link with item 9 positive opens a safety task: the order form
refuses the first dose (the open safety gate named) until a physician assesses and closes the task
as safe to continue. Then the APP orders the first IV dose, the front desk books the series and
checks the patient in, and a nurse verifies the order at the bedside and takes the session
through IV placement, the pre-dose checklist, the infusion with vitals by hand, recovery and
discharge. Time passes only by the test's clock. All people are synthetic.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect

from ketaclinic.domain.identity.access import Role
from tests.e2e.browser.conftest import LiveServer
from tests.e2e.browser.steps_adult import choose_order, start_dosing
from tests.e2e.browser.steps_chart import open_chart
from tests.e2e.browser.steps_kat import (
    answer_instrument,
    chart_mrn,
    expect_state,
    local_now,
    move,
    open_course,
    pathway_server,
    people,
    record_evaluation,
    record_measurements,
    register_minor,
    sign_consent,
    sign_eligibility,
)
from tests.e2e.browser.steps_kat_day import (
    CALM_VITALS,
    book_series,
    check_in_from_schedule,
    hand_vitals,
    open_session,
    submit_step,
    until,
    wait_at_bedside,
)

pytestmark = pytest.mark.browser
__all__ = ["pathway_server", "people"]  # fixtures used by the test below

GIVEN, FAMILY, GUARDIAN = "Kai", "Demo-Alder", "Robin Demo-Alder"


def answer_phq_a_on_the_link(chromium: Browser, server: LiveServer, url: str) -> None:
    """The adolescent answers on their own device, not signed in: item 9 positive."""
    context = chromium.new_context(base_url=server.base_url)
    try:
        page = context.new_page()
        page.goto(url)
        groups = page.get_by_role("radiogroup")
        for index in range(groups.count()):
            groups.nth(index).get_by_role("radio").first.check()
        item9 = page.locator("#item-9")
        item9.get_by_role("radio").nth(1).check()  # thoughts of self-harm: several days
        page.get_by_role("button", name="Send my answers").click()
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    finally:
        context.close()


def physician_closes_safety_task(page: Page, patient: int) -> None:
    page.goto("/worklist/safety")
    row = page.locator("table.worklist tbody tr", has_text=FAMILY)
    row.get_by_role("link", name="Assess").click()
    page.get_by_label("Risk level").select_option("low")
    page.get_by_label("Safety plan").fill("Seen with the guardian; safety plan written.")
    page.get_by_label("Disposition").select_option("continue_treatment")
    page.get_by_role("button", name="Document assessment and close the task").click()
    page.wait_for_url(f"**/patients/{patient}*")
    expect(page.locator("#safety-panel")).to_contain_text("No open safety task")


def write_iv_order(page: Page, course: int, password: str) -> dict[str, str]:
    """The APP signs the recommended IV dose from a 50 mg/mL vial in 100 mL; returns what the
    label will show (dose, concentration, pump rate) as the order page prints it."""
    page.goto(f"/courses/{course}/orders/new")
    page.get_by_label("Vial concentration (mg/mL)").select_option("50")
    page.get_by_label("Final volume (mL; empty = undiluted)").fill("100")
    page.locator("#reauth_password").fill(password)
    page.get_by_role("button", name="Sign order").click()
    expect(page).to_have_url(re.compile(r"/orders/\d+$"))
    summary = page.locator("#order-summary")
    return {
        "order": page.url.rstrip("/").split("/")[-1],
        "dose": summary.locator('[data-field="dose_mg"]').inner_text().removesuffix(" mg"),
        "concentration": summary.locator('[data-field="concentration"]')
        .inner_text()
        .removesuffix(" mg/mL"),
        "rate": summary.locator('[data-field="rate"]').inner_text().removesuffix(" mL/h"),
    }


def verify_iv_at_bedside(page: Page, label: dict[str, str], mrn: str) -> None:
    page.goto(f"/orders/{label['order']}/verify")
    page.get_by_label("Patient MRN (wristband)").fill(mrn)
    page.get_by_label("Drug (label)").fill("ketamine")
    page.locator("#route").select_option(label="Intravenous (IV)")
    page.get_by_label("Concentration on the label (mg/mL)").fill(label["concentration"])
    page.get_by_label("Dose on the label (mg)").fill(label["dose"])
    page.get_by_label("Pump rate programmed (mL/h)").fill(label["rate"])
    page.get_by_role("button", name="Check against the order").click()
    expect(page.locator("#verification-result")).to_contain_text("Verified")


def first_iv_session(people: dict[Role, Page], server: LiveServer, label: dict[str, str]) -> None:
    check_in_from_schedule(people[Role.FRONT_DESK], FAMILY, server.clock.now().date())
    nurse = people[Role.NURSE]
    url = open_session(nurse, FAMILY)
    state = nurse.locator('[data-field="state"]')
    nurse.locator("#check-in-pregnancy_test").select_option("not_applicable")
    submit_step(
        nurse,
        "check-in",
        {"Escort for discharge *": GUARDIAN, "Escort phone *": "555-0142"},
        ("Identity confirmed", "Escort reached", "Fasting status", "Between-session"),
    )
    expect(state).to_have_text("Checked in")
    hand_vitals(nurse, CALM_VITALS)
    iv = {"IV site *": "left antecubital", "Gauge *": "22", "Attempts *": "1"}
    submit_step(nurse, "iv", iv)
    choose_order(nurse, label["order"])
    submit_step(
        nurse,
        "pre-dose",
        {
            "Baseline systolic BP (mmHg) *": "118",
            "Baseline diastolic BP (mmHg) *": "74",
            "Baseline heart rate (/min) *": "76",
            "Baseline SpO2 (%) *": "99",
            "Symptom check *": "no headache, no chest pain",
        },
    )
    expect(state).to_have_text("Ready")
    start_dosing(nurse, "KET-DEMO-ADO")
    expect(state).to_have_text("Dosing")
    expect(nurse.locator('[data-field="pump-rate"]')).to_have_text(f"{label['rate']} mL/h")
    wait_at_bedside(server, 40, url, nurse, nurse)
    nurse.locator("#step-end").get_by_role("button").click()
    expect(state).to_have_text("In recovery")
    for item in ("activity", "respiration", "circulation", "consciousness", "spo2"):
        nurse.locator(f"#aldrete-{item}").select_option("2")
    nurse.locator("#step-aldrete").get_by_role("button").click()
    wait_at_bedside(server, 70, url, nurse, nurse)
    expect(nurse.locator("#unmet")).to_have_text("Every criterion holds.")
    submit_step(nurse, "discharge", {}, ("Escort present", "Instructions given"))
    expect(state).to_have_text("Discharged")


def test_adolescent_with_guardian_permission_a_phq_a_hold_then_the_first_iv_session(
    pathway_server: LiveServer, people: dict[Role, Page], chromium: Browser
) -> None:
    server = pathway_server
    today = server.clock.now().date()
    born = date(today.year - 15, 1, 10)
    desk, physician = people[Role.FRONT_DESK], people[Role.PHYSICIAN]
    patient = register_minor(desk, GIVEN, FAMILY, born, GUARDIAN)
    record_measurements(desk, patient, "58", "170")

    course = open_course(physician, patient, "adolescent-iv")
    move(physician, patient, course, "evaluating", "referred by the family doctor")
    for instrument in ("phq-a", "cssrs-screen", "madrs", "gad7"):
        answer_instrument(physician, patient, instrument)
    record_evaluation(physician, course, local_now(server), 4, {1: "normal", 2: "normal"})
    sign_eligibility(physician, "physician")
    move(physician, patient, course, "eligible")

    tablet = people[Role.NURSE]
    for document in ("guardian-permission-iv-ketamine", "family-involvement-plan"):
        sign_consent(tablet, course, document, "guardian", GUARDIAN, guardian=GUARDIAN)
    sign_consent(tablet, course, "adolescent-assent-iv-ketamine", "assent", f"{GIVEN} {FAMILY}")
    move(physician, patient, course, "consented")
    expect_state(physician, patient, course, "consented")

    nurse = people[Role.NURSE]
    open_chart(nurse, patient, "assessments")
    nurse.get_by_label("Send a self-report link").select_option("phq-a")
    nurse.get_by_role("button", name="Create link").click()
    link = nurse.locator("#link-url").input_value()
    answer_phq_a_on_the_link(chromium, server, link.removeprefix(server.base_url))

    app = people[Role.APP]
    app.goto(f"/courses/{course}/orders/new")
    expect(app.locator("#blockers")).to_contain_text("open safety gate")
    physician_closes_safety_task(people[Role.PHYSICIAN], patient)

    label = write_iv_order(people[Role.APP], course, server.password)
    [first, *_] = book_series(people[Role.FRONT_DESK], server, patient, 6, kat=False)
    until(server, first)
    mrn = chart_mrn(people[Role.NURSE], patient)
    verify_iv_at_bedside(people[Role.NURSE], label, mrn)
    first_iv_session(people, server, label)
