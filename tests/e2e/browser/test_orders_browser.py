"""Dosing in Chromium: an APP writes the first order from the recommendation, overrides the
session-3 dose with a written reason, and the nurse's bedside check blocks a wrong concentration.

The course is set up through the services (signed-off adult IV protocol, a 70 kg patient moved to
consented). Eligibility and consent come from a test fact provider registered on the live
server's CourseService (``tests.integration.test_orders_service.Gate``); sessions 1 and 2 are
verified and given through the services, with check-ins in between.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from ketaclinic.domain.dosing.checkin import TitrationOutcome
from ketaclinic.domain.dosing.sessions import DissociationInstrument
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.services.dosing.checkins import CheckinEntry
from tests.e2e.browser.conftest import LiveServer, SignedIn, demo_email
from tests.e2e.browser.steps_chart import open_chart
from tests.integration.test_orders_service import DosingSetup, give, iv_draft, set_up_course

pytestmark = pytest.mark.browser


def actor(server: LiveServer, role: Role) -> Actor:
    with server.services.uow() as uow:
        member = uow.staff.by_email(demo_email(role))
    assert member is not None
    return Actor(member.id, role, server.clinic.id, "127.0.0.1")


def write_order(page: Page, setup: DosingSetup, *, vial: str, volume: str) -> None:
    open_chart(page, setup.patient_id, "dosing")
    panel = page.locator("#dosing-panel")
    panel.get_by_role("link", name="Write dose order").click()
    page.get_by_label("Vial concentration (mg/mL)").select_option(vial)
    page.get_by_label("Final volume (mL; empty = undiluted)").fill(volume)


def between_sessions(server: LiveServer, setup: DosingSetup, nurse: Actor) -> None:
    server.clock.advance(days=2)
    entry = CheckinEntry(2, False, Decimal(7), False)
    server.services.checkins.record(nurse, setup.course_id, entry)


def test_app_orders_overrides_session_3_and_nurse_check_blocks_wrong_concentration(
    live_server: LiveServer, signed_in: SignedIn
) -> None:
    services = live_server.services
    physician, nurse = actor(live_server, Role.PHYSICIAN), actor(live_server, Role.NURSE)
    app = actor(live_server, Role.APP)
    setup = set_up_course(
        services, live_server.clock, physician, actor(live_server, Role.FRONT_DESK)
    )

    page = signed_in(Role.APP)
    write_order(page, setup, vial="50", volume="100")
    expect(page.locator("[data-outcome]")).to_have_text("Keep")
    expect(page.locator("#recommended-dose")).to_have_text("35 mg")
    expect(page.locator("#recommendation-reasons")).to_contain_text("conservative starting dose")
    expect(page.locator("#recommendation-steps")).to_contain_text("0.5 mg/kg x 70")
    expect(page.get_by_label("Dose (mg/kg)")).to_have_value("0.5")
    page.get_by_label("ondansetron 4 mg iv", exact=False).check()
    page.get_by_role("button", name="Sign order").click()
    expect(page.locator("[data-status]")).to_have_text("Signed")
    expect(page.locator('[data-field="dose_mg"]')).to_have_text("35 mg")
    expect(page.locator('[data-field="rate"]')).to_have_text("150 mL/h")
    [first] = services.orders.for_patient(app, setup.patient_id)
    assert first.signed_by == app.staff_id and not first.content.overrides

    low = {"dissociation_instrument": DissociationInstrument.CADSS6, "dissociation_peak_total": 1}
    give(setup, first.id, nurse, nurse, **low)
    between_sessions(live_server, setup, nurse)
    second = services.orders.sign(app, setup.course_id, iv_draft())
    give(setup, second.id, nurse, nurse, **low)
    between_sessions(live_server, setup, nurse)
    screen = services.orders.screen(app, setup.course_id)
    assert screen.session_number == 3 and screen.recommendation is not None
    assert screen.recommendation.outcome is TitrationOutcome.KEEP

    page = signed_in(Role.APP)  # days have passed: the earlier sign-in has timed out
    write_order(page, setup, vial="50", volume="100")
    expect(page.get_by_role("heading", level=1)).to_contain_text("session 3")
    expect(page.locator("#previous tr[data-session]")).to_have_count(2)
    expect(page.locator('#previous tr[data-session="1"]')).to_contain_text("CADSS-6 1")
    page.get_by_label("Dose (mg/kg)").fill("0.6")
    page.get_by_role("button", name="Sign order").click()
    expect(page.locator("#override_reason-error")).to_contain_text("needs a written reason")
    page.get_by_label("Vial concentration (mg/mL)").select_option("50")
    page.get_by_label("Reason for a dose other than recommended").fill(
        "Little dissociation and no response after two sessions: gradual increase"
    )
    page.get_by_role("button", name="Sign order").click()
    expect(page.locator("[data-status]")).to_have_text("Signed")
    expect(page.locator('[data-field="dose_mg"]')).to_have_text("42 mg")
    expect(page.locator("#order-summary")).to_contain_text("gradual increase")
    third = services.orders.for_patient(app, setup.patient_id)[-1]
    assert third.content.session_number == 3 and third.content.overrides

    bedside = signed_in(Role.NURSE)
    bedside.goto(f"/orders/{third.id}/verify")
    bedside.get_by_label("Patient MRN (wristband)").fill(setup.mrn)
    bedside.get_by_label("Drug (label)").fill("ketamine")
    bedside.locator("#route").select_option(label="Intravenous (IV)")
    bedside.get_by_label("Concentration on the label (mg/mL)").fill("4.2")
    bedside.get_by_label("Dose on the label (mg)").fill("42")
    bedside.get_by_label("Pump rate programmed (mL/h)").fill("150")
    bedside.get_by_role("button", name="Check against the order").click()
    expect(bedside.locator("#verification-result")).to_contain_text("Blocked: do not give")
    mismatches = bedside.locator("#mismatches li")
    expect(mismatches).to_have_count(1)
    expect(mismatches.first).to_have_attribute("data-field", "concentration_mg_per_ml")
    expect(mismatches.first).to_contain_text("Concentration: ordered 0.42 mg/mL, found 4.2 mg/mL")
    order, attempts = services.orders.get(nurse, third.id)
    assert order.status.value == "signed" and [a.verified for a in attempts] == [False]
    assert attempts[0].by_staff == nurse.staff_id
