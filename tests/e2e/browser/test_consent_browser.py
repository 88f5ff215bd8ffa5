"""Acceptance of issue 6 in a real browser: an adolescent from evaluation to consented.

The APP records the evaluation in the workspace and signs eligibility; the course moves to
eligible from the chart; on a tablet (1024x768) the guardian gives permission and the
15-year-old gives their own assent, each typing their name and drawing a signature with the
mouse on the canvas; the course then reaches consented. Before the assent, the move is refused
with the missing assent named. All people are synthetic.
"""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.patients.people import (
    PatientDetails,
    RelatedPersonDetails,
    RelationshipKind,
    SexAtBirth,
)
from tests.baseline import calm_answers
from tests.e2e.browser.conftest import TABLET, LiveServer, SignedIn, demo_email

pytestmark = pytest.mark.browser

GUARDIAN = "Morgan Demo-Birch"
TEEN = "Sky Demo-Birch"
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
YESTERDAY = "2026-03-01T09:30"


def actor(server: LiveServer, role: Role) -> Actor:
    with server.services.uow() as uow:
        member = uow.staff.by_email(demo_email(role))
    assert member is not None
    return Actor(member.id, role, server.clinic.id, "127.0.0.1")


def adolescent_course(server: LiveServer) -> tuple[int, int]:
    """A 15-year-old with a guardian who has legal authority, a course on the adolescent pack."""
    services = server.services
    desk, physician = actor(server, Role.FRONT_DESK), actor(server, Role.PHYSICIAN)
    born = date(server.clock.now().year - 15, 1, 10)
    details = PatientDetails("Sky", "Demo-Birch", born, SexAtBirth.MALE)
    guardian = RelatedPersonDetails(
        RelationshipKind.GUARDIAN, GUARDIAN, "parent", legal_authority=True
    )
    patient = services.patients.register(desk, details, [guardian]).id
    [published] = services.protocols.publish(server.clinic.id, [shipped_protocol("adolescent-iv")])
    items = services.protocols.signoff_items(physician, published.id)
    services.protocols.sign_off(physician, published.id, [i.path for i in items])
    course = services.courses.open(physician, patient, published.id)
    services.courses.move(physician, course.id, CourseState.EVALUATING)
    for instrument in ("phq-a", "cssrs-screen", "madrs", "gad7"):  # recorded item by item
        services.assessments.record(physician, patient, instrument, calm_answers(instrument))
    return patient, course.id


def record_evaluation(page: Page, course: int) -> None:
    page.goto(f"/courses/{course}/evaluation")
    expect(page.get_by_role("heading", name="Evaluation — Demo-Birch, Sky")).to_be_visible()
    page.get_by_label("Presenting problem").fill("Synthetic: persistent low mood, school refusal")
    page.select_option('select[name="diagnoses[0].system"]', label="ICD10CM")
    page.fill('input[name="diagnoses[0].code"]', "F32.2")
    page.fill('input[name="diagnoses[0].display"]', "Major depressive disorder, single, severe")
    page.select_option('select[name="psychiatric.psychosis"]', "absent")
    page.select_option('select[name="psychiatric.mania"]', "absent")
    page.fill('input[name="psychiatric.suicide_attempt_dates"]', "none")
    page.select_option('select[name="psychiatric.imminent_suicide_risk"]', "no")
    page.select_option('select[name="psychiatric.family_history_psychosis"]', "no")
    page.get_by_label("No substance use").check()
    for item in MEDICAL:
        page.select_option(f'select[name="medical.{item}"]', "absent")
    for item in ("can_become_pregnant", "pregnant", "breastfeeding"):
        page.select_option(f'select[name="reproductive.{item}"]', "no")
    page.get_by_label("No (other) known allergies").check()
    page.fill('input[name="medications[0].name"]', "fluoxetine")
    page.fill('input[name="medications[0].daily_dose_mg"]', "20")
    page.select_option('select[name="prior_treatments[0].kind"]', "psychotherapy")
    page.fill('input[name="prior_treatments[0].name"]', "CBT, 12 sessions")
    page.select_option('select[name="prior_treatments[0].response"]', "partial")
    for index in range(4):  # phq-a, cssrs-screen, madrs, gad7: the recorded responses
        page.select_option(f'select[name="baseline_instruments[{index}].response_id"]', index=1)
    page.fill('input[name="baseline_vitals.at"]', YESTERDAY)
    page.fill('input[name="baseline_vitals.sbp_mmhg"]', "118")
    page.fill('input[name="baseline_vitals.dbp_mmhg"]', "72")
    page.fill('input[name="baseline_vitals.hr_bpm"]', "76")
    page.fill('input[name="tests[2].at"]', YESTERDAY)  # ECG
    page.fill('input[name="tests[2].result"]', "normal")
    page.get_by_role("button", name="Save evaluation (new version)").click()


def sign_on_tablet(page: Page, course: int, document: str, signer: str, name: str) -> None:
    page.goto(f"/courses/{course}/consent")
    row = page.locator(f'tr[data-document="{document}"][data-signer="{signer}"]')
    row.get_by_role("link", name="Sign on tablet").click()
    text = page.locator("#consent-text")
    expect(text).to_contain_text("until the next day")
    expect(text).to_contain_text("off-label")
    if signer == "guardian":
        expect(text).to_contain_text("It is not at-home ketamine. It is not self-directed dosing.")
        page.get_by_label("Parent or legal guardian signing").select_option(
            label=f"{GUARDIAN} (parent)"
        )
    else:
        page.get_by_label("Yes, I agree").check()
    page.get_by_label("full name").fill(name)
    draw_signature(page)
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.locator(f'#signed li[data-document="{document}"]')).to_have_count(1)


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


def move(page: Page, patient: int, to: str) -> None:
    page.goto(f"/patients/{patient}")
    page.locator(f'button[data-to="{to}"]').click()


def test_adolescent_goes_from_evaluation_to_consented_on_a_tablet(
    live_server: LiveServer, signed_in: SignedIn
) -> None:
    patient, course = adolescent_course(live_server)
    app = signed_in(Role.APP, viewport=TABLET)
    record_evaluation(app, course)
    expect(app.get_by_role("heading", name="Eligibility — Demo-Birch, Sky")).to_be_visible()
    expect(app.locator("[data-result]")).to_have_attribute("data-result", "eligible")
    app.get_by_role("button", name="Sign as nurse practitioner / PA").click()
    expect(app.locator("[data-decision]")).to_have_attribute("data-decision", "eligible")
    move(app, patient, "eligible")
    expect(app.locator(f'[data-course-id="{course}"] [data-state]').first).to_have_attribute(
        "data-state", "eligible"
    )

    tablet = signed_in(Role.NURSE, viewport=TABLET)
    for document in ("guardian-permission-iv-ketamine", "family-involvement-plan"):
        sign_on_tablet(tablet, course, document, "guardian", GUARDIAN)
    move(app, patient, "consented")  # permission without assent: refused
    alert = app.locator("#courses-panel [role=alert]")
    expect(alert).to_contain_text("assent signature missing")

    sign_on_tablet(tablet, course, "adolescent-assent-iv-ketamine", "assent", TEEN)
    expect(tablet.locator("[data-consent]")).to_have_attribute("data-consent", "complete")
    move(app, patient, "consented")
    expect(app.locator(f'[data-course-id="{course}"] [data-state]').first).to_have_attribute(
        "data-state", "consented"
    )
    pdf = tablet.request.get("/consents/1.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
