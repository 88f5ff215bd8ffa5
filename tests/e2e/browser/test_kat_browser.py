"""Acceptance of issue 10 in a real browser: a KAT course from preparation to integration.

The coach records a preparatory session with a private part; until it is signed the session
service refuses to start the experiential session (the KAT guard). Once signed, the IM
experiential dose starts through the dose gate (consented course, verified IM order, the nurse's
check-in, the coach named as attending, pre-dose vitals) and the coach records the journey for
that session (attendant, set-and-setting checklist; the route and dose are the session's) in the
workspace; the
missing integration session is flagged; the coach records and signs the integration session and
writes the reflection. The nurse sees the notes but not the private part (the page is refused);
the author reads it. The IM session runs through the session service and the journey record (the
infusion-day pages are built for IV). All people are synthetic.
"""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from ketaclinic.domain.errors import SafetyBlock
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.services.audit.ports import AuditQuery
from ketaclinic.services.dosing.orders import OrderDraft
from tests.e2e.browser.conftest import LiveServer, SignedIn, demo_email
from tests.integration.test_orders_service import bedside, set_up_course
from tests.integration.test_session_workflow import CHECK_IN

pytestmark = pytest.mark.browser

PREP_SECRET = "Synthetic private: a protective part fears losing control"
INTEGRATION_SECRET = "Synthetic private: the protective part softened"


def actor(server: LiveServer, role: Role) -> Actor:
    with server.services.uow() as uow:
        member = uow.staff.by_email(demo_email(role))
    assert member is not None
    return Actor(member.id, role, server.clinic.id, "127.0.0.1")


def kat_course_with_ready_session(server: LiveServer) -> tuple[int, int]:
    """A consented kat-holistic course (test fact provider), a signed and verified IM order and
    an IM session the coach checked in (the coach attends) with the nurse's pre-dose check done."""
    s, physician = server.services, actor(server, Role.PHYSICIAN)
    setup = set_up_course(
        s, server.clock, physician, actor(server, Role.FRONT_DESK), protocol_id="kat-holistic"
    )
    draft = OrderDraft(route=Route.IM, mg_per_kg=Decimal("0.5"), vial_mg_per_ml=Decimal(50))
    order = s.orders.sign(actor(server, Role.APP), setup.course_id, draft)
    c = order.content
    entry = bedside(
        setup.mrn,
        route=Route.IM,
        concentration_mg_per_ml=c.final_concentration_mg_per_ml,
        dose_mg=c.dose_mg,
        rate_ml_per_h=c.rate_ml_per_h,
    )
    assert s.orders.verify(actor(server, Role.NURSE), order.id, entry).verified
    with s.uow() as uow:
        room = uow.clinics.add_chair(server.clinic.id, "Journey room", ("quiet",))
        uow.commit()
    session = s.sessions.create(
        physician,
        setup.course_id,
        room,
        unscheduled_reason="walk-in",
        prescriber_id=physician.staff_id,
    )
    flow = s.session_workflow
    flow.check_in(actor(server, Role.NURSE), session.id, CHECK_IN)  # a nursing step
    for premed in c.premedications:
        given = {
            "drug": premed.drug,
            "dose_mg": str(premed.dose_mg),
            "route": "PO",
            "lot": "LOT-DEMO-3",
            "given_by": str(physician.staff_id),
        }
        flow.give(physician, session.id, given)  # a coach gives no drug
    vitals = {"sbp_mmhg": "122", "dbp_mmhg": "78", "hr_per_min": "70", "spo2_pct": "98"}
    checklist = {**vitals, "symptom_check": "calm", "order_id": str(order.id)}
    flow.pre_dose(actor(server, Role.NURSE), session.id, checklist)  # the coach attends
    return setup.course_id, session.id


def local_now(server: LiveServer) -> str:
    return (
        server.clock.now().astimezone(ZoneInfo(server.clinic.timezone)).strftime("%Y-%m-%dT%H:%M")
    )


def record_note(page: Page, server: LiveServer, kind: str, themes: str, secret: str) -> None:
    form = page.locator("#note-form")
    form.get_by_label("Kind").select_option(kind)
    form.get_by_label("Held at").fill(local_now(server))
    form.get_by_label("Themes").fill(themes)
    form.get_by_label("Private psychotherapy note").fill(secret)
    form.get_by_role("button", name="Save the session note").click()
    expect(page.locator(f'li.note[data-kind="{kind}"]')).to_contain_text(themes)
    page.locator(f'li.note[data-kind="{kind}"]').get_by_role("button", name="Sign note").click()
    expect(page.locator(f'li.note[data-kind="{kind}"] .badge.ok')).to_contain_text("signed")


def start(server: LiveServer, session_id: int) -> SessionState:
    """Start the IM dose through the dose gate (the session workflow): the nurse records it, the
    physician gives it, the coach attends."""
    moved = server.services.session_workflow.start(
        actor(server, Role.NURSE),
        session_id,
        {
            "lot": "KET-DEMO-IM",
            "given_by": str(actor(server, Role.PHYSICIAN).staff_id),
            "attending": str(actor(server, Role.COACH).staff_id),
            "prescriber_on_site": str(actor(server, Role.PHYSICIAN).staff_id),
        },
    )
    return moved.state


def test_preparation_im_journey_with_attendant_then_integration(
    live_server: LiveServer, signed_in: SignedIn
) -> None:
    course, session_id = kat_course_with_ready_session(live_server)
    with pytest.raises(SafetyBlock):  # no preparatory session signed yet
        start(live_server, session_id)
    coach = signed_in(Role.COACH)
    coach.goto(f"/courses/{course}/integration")
    preparation = "0 of 1 preparatory coaching session signed"
    expect(coach.locator(".badge.bad")).to_contain_text(preparation)
    record_note(coach, live_server, "preparatory", "Intentions and safety agreements", PREP_SECRET)
    assert start(live_server, session_id) is SessionState.INFUSING

    coach.reload()
    journey = coach.locator("#journey-form")
    journey.get_by_label("Session (the dose given through the dose gate)").select_option(
        str(session_id)
    )
    expect(journey.get_by_label("Dose (mg)")).to_have_count(0)  # the session's, never entered
    journey.get_by_label("Attendant").select_option(label="Sage Demo-Coach (integration coach)")
    for item in ("quiet room", "eye mask", "music", "blanket", "support person"):
        journey.get_by_label(item).check()
    journey.get_by_role("button", name="Save the journey record").click()
    expect(coach.locator("li.journey")).to_contain_text("IM 35 mg")
    expect(coach.locator(".badge.warn")).to_contain_text("no signed integration session since")

    live_server.clock.advance(minutes=5)
    coach.reload()
    record_note(coach, live_server, "integration", "Reflecting on the journey", INTEGRATION_SECRET)
    expect(coach.locator(".badge.warn")).to_have_count(0)
    coach.get_by_label("Reflection with the patient").fill("Felt held; synthetic reflection")
    coach.get_by_role("button", name="Save reflection").click()
    expect(coach.locator("li.journey .reflection")).to_contain_text("Felt held")

    nurse = signed_in(Role.NURSE)
    nurse.goto(f"/courses/{course}/integration")
    expect(nurse.locator("li.note")).to_have_count(2)
    expect(nurse.locator(".private-hidden")).to_have_count(2)
    expect(nurse.locator("a.private-link")).to_have_count(0)
    assert PREP_SECRET not in nurse.content()
    note_id = nurse.locator('li.note[data-kind="integration"]').get_attribute("data-note-id")
    refused = nurse.goto(f"/coaching-notes/{note_id}/private")
    assert refused is not None and refused.status == 403
    assert INTEGRATION_SECRET not in nurse.content()

    coach.goto(f"/courses/{course}/integration")
    coach.locator('li.note[data-kind="integration"] a.private-link').click()
    expect(coach.locator("#private-text")).to_have_text(INTEGRATION_SECRET)
    events = live_server.services.audit.search(
        actor(live_server, Role.AUDITOR), AuditQuery(live_server.clinic.id)
    )
    reads = sorted(
        (e.actor_role, e.outcome) for _, e in events if e.action == "coaching.private_note_read"
    )
    assert reads == [("coach", "success"), ("nurse", "denied")]
