"""Acceptance of issue 5 in a real browser: a patient answers PHQ-9 on a phone through their link
with item 9 = 1; the safety task shows on the chart and the worklist; the course cannot move to
induction until an APP documents the assessment, and then it can.
"""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.consent.signatures import ConsentStatus
from ketaclinic.domain.evaluation.eligibility.engine import Decision
from ketaclinic.domain.evaluation.eligibility.signoff import SignedDecision
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.course import ConsentFacts, CourseState, EligibilityFacts
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from tests.e2e.browser.conftest import LiveServer, NewPage, SignedIn, demo_email
from tests.e2e.browser.steps_chart import open_chart

pytestmark = pytest.mark.browser
PHONE = ViewportSize(width=390, height=844)


def actor(server: LiveServer, role: Role) -> Actor:
    with server.services.uow() as uow:
        member = uow.staff.by_email(demo_email(role))
    assert member is not None
    return Actor(member.id, role, server.clinic.id, "127.0.0.1")


def consented_course(server: LiveServer) -> tuple[int, int]:
    """A new patient with a course on the signed-off adult pack, moved up to consented.

    Eligibility and consent belong to other areas: a stand-in fact provider supplies a signed
    eligible decision and complete consent, so the safety gate is the only guard left.
    """
    services, physician = server.services, actor(server, Role.PHYSICIAN)
    details = PatientDetails("Parker", "Demo-Phone", date(1990, 5, 5), SexAtBirth.FEMALE)
    patient = services.patients.register(actor(server, Role.FRONT_DESK), details).id
    [published] = services.protocols.publish(
        server.clinic.id, [shipped_protocol("adult-iv-induction")]
    )
    items = services.protocols.signoff_items(physician, published.id)
    services.protocols.sign_off(physician, published.id, [i.path for i in items])
    at = server.clock.now()
    signed = SignedDecision(Decision.ELIGIBLE, (), (), frozenset(), "1", "physician", at, at)
    services.courses.add_fact_provider(lambda uow, course, protocol: EligibilityFacts(signed))
    services.courses.add_fact_provider(
        lambda uow, course, protocol: ConsentFacts(ConsentStatus((), ()))
    )
    course = services.courses.open(physician, patient, published.id)
    for state in (CourseState.EVALUATING, CourseState.ELIGIBLE, CourseState.CONSENTED):
        services.courses.move(physician, course.id, state)
    return patient, course.id


def answer_phq9_on_a_phone(page: Page, url: str) -> None:
    page.goto(url)
    expect(
        page.get_by_role("heading", name="Patient Health Questionnaire-9 (PHQ-9)")
    ).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for item in range(1, 10):
        group = page.get_by_role("radiogroup").nth(item - 1)
        group.get_by_label("Several days").check()  # item 9 = 1
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()


def try_induction(page: Page, patient: int) -> None:
    page.goto(f"/patients/{patient}")
    page.get_by_role("button", name="Move to induction").click()


def test_phone_self_report_opens_the_gate_and_only_an_app_assessment_clears_it(
    live_server: LiveServer, new_page: NewPage, signed_in: SignedIn
) -> None:
    patient, course = consented_course(live_server)
    created = live_server.services.links.create(actor(live_server, Role.NURSE), patient, "phq9")
    answer_phq9_on_a_phone(new_page(PHONE), f"/link/{created.token}")

    physician = signed_in(Role.PHYSICIAN)
    open_chart(physician, patient, "safety")
    safety = physician.locator("#safety-panel")
    expect(safety).to_contain_text("phq9.item9_positive")
    expect(safety).to_contain_text("Item 9 (thoughts of death or self-harm)")
    try_induction(physician, patient)
    refusal = physician.locator("#courses-panel [role=alert]")
    expect(refusal).to_contain_text("open safety gate")
    expect(physician.locator("#courses-panel [data-state]").first).to_have_text("Consented")

    app = signed_in(Role.APP)
    app.goto("/worklist/safety")
    row = app.locator("table.worklist tbody tr", has_text="Demo-Phone")
    expect(row).to_contain_text("Same day")
    expect(app.locator("ul.notices")).to_contain_text("safety task")
    row.get_by_role("link", name="Assess").click()
    app.get_by_label("Risk level").select_option("low")
    app.get_by_label("Safety plan").fill("Seen today; safety plan written with the patient.")
    app.get_by_label("Disposition").select_option("hold_treatment")  # an APP cannot clear
    app.get_by_role("button", name="Document assessment and close the task").click()
    app.wait_for_url(f"**/patients/{patient}*")
    expect(app.locator("#safety-panel")).to_contain_text("safety_disposition")

    physician.goto(
        "/worklist/safety"
    )  # the hold stays until a physician documents safe to continue
    row = physician.locator("table.worklist tbody tr", has_text="Demo-Phone")
    expect(row).to_contain_text("hold treatment")
    row.get_by_role("link", name="Assess").click()
    physician.get_by_label("Risk level").select_option("low")
    physician.get_by_label("Safety plan").fill("Reviewed after the hold; safe to continue.")
    physician.get_by_label("Disposition").select_option("continue_treatment")
    physician.get_by_role("button", name="Document assessment and close the task").click()
    physician.wait_for_url(f"**/patients/{patient}*")
    expect(physician.locator("#safety-panel")).to_contain_text("No open safety task")

    try_induction(physician, patient)
    expect(
        physician.locator(f'#courses-panel [data-course-id="{course}"] [data-state]')
    ).to_have_text("Induction")
