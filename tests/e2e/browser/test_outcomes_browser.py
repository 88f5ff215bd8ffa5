"""Acceptance of issue 11 in a real browser: reassessment to maintenance, then relapse watch.

A consented adult course with a PHQ-9 baseline and one PHQ-9 per induction session (six) is set
up through the services; no area fills "induction sessions done" yet, so the move from induction
to reassessment is the one setup step taken through the course repository (see
``tests.integration.test_outcome_service``). The reassessment visit (PHQ-9 and WSAS) and its
follow-up 7 days later are recorded through the services. In the browser the physician sees the
course classified as a response on the chart, stores the protocol's booster plan, books it
through the scheduling engine and chooses
maintenance with a reason. Later two relapse-watch PHQ-9s reach the protocol's rule (>= 10 on two
checks at least 5 days apart) and the patient appears on the prescriber's outcome worklist with
the trajectory. All people are synthetic.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.conftest import World
from tests.e2e.browser.conftest import LiveServer, SignedIn, demo_email
from tests.e2e.browser.steps_chart import open_chart
from tests.integration.test_outcome_service import phq9, reassess, responder_in_reassessment

pytestmark = pytest.mark.browser


def world_of(server: LiveServer) -> World:
    """The live server's services and clock seen through the integration tests' helpers."""
    actors = {}
    with server.services.uow() as uow:
        for role in Role:
            member = uow.staff.by_email(demo_email(role))
            assert member is not None
            actors[role] = Actor(member.id, role, server.clinic.id, "127.0.0.1")
    return World(server.services, server.clock, server.clinic, actors)


def test_response_to_maintenance_then_relapse_on_the_worklist(
    live_server: LiveServer, signed_in: SignedIn
) -> None:
    world = world_of(live_server)
    seed_demo_schedule(world.services.uow, world.clock, world.clinic.id)  # hours and shifts
    patient_id, course_id = responder_in_reassessment(world)  # PHQ-9 20 -> 8 over six sessions
    reassess(world, course_id, 9)
    world.clock.advance(days=7)
    reassess(world, course_id, 8)

    page = signed_in(Role.PHYSICIAN)
    open_chart(page, patient_id, "outcomes")
    panel = page.locator("#outcomes-panel")
    expect(panel.locator("[data-outcome]")).to_have_attribute("data-outcome", "response")
    panel.get_by_role("link", name="Reassessment, decision and maintenance").click()
    page.wait_for_url(f"**/courses/{course_id}/outcome")
    expect(page.locator("[data-state]").first).to_have_text("Reassessment")
    expect(page.locator("[data-change-points]")).to_contain_text("-12 points (-60 %)")
    expect(page.locator("[data-holds]")).to_have_attribute("data-holds", "true")
    expect(page.locator("[data-next-step]")).to_have_text("Offer maintenance")

    page.get_by_role("button", name="Store booster plan").click()
    expect(page.locator("[data-plan-id]")).to_be_visible()
    expect(page.locator("table.boosters tbody tr")).to_have_count(3)
    page.get_by_role("button", name="Book boosters").click()
    expect(page.locator("table.booked tbody tr")).to_have_count(3)

    page.get_by_label("Decision", exact=True).select_option("maintenance")
    page.get_by_label("Reasons (recorded on the course)").fill("response at session 6, holding")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator("h1 [data-state]")).to_have_text("Maintenance")
    physician = world.actor(Role.PHYSICIAN)
    view = world.services.courses.view(physician, course_id)
    assert view.course.state is CourseState.MAINTENANCE
    assert view.history[-1].reason == "response at session 6, holding"

    page.goto("/worklist/outcomes")
    expect(page.get_by_text("Nothing on the outcome worklist.")).to_be_visible()
    nurse = world.actor(Role.NURSE)
    for total in (12, 14):  # relapse watch: weekly PHQ-9
        world.clock.advance(days=7)
        world.services.outcomes.record_score(
            nurse, course_id, "phq9", phq9(total), kind="relapse_watch"
        )
    page = signed_in(Role.APP)  # two weeks later, another prescriber on duty
    page.goto("/worklist/outcomes")
    row = page.locator(f'tr[data-kind="relapse"][data-course-id="{course_id}"]')
    expect(row).to_be_visible()
    expect(row.locator("td.trajectory")).to_have_text(  # first: the evaluation's calm PHQ-9
        "0 → 20 → 17 → 15 → 13 → 11 → 9 → 8 → 9 → 8 → 12 → 14"
    )
    expect(row).to_contain_text("scores 12, 14")
