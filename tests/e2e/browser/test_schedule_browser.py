"""Acceptance of issue 8 in a real browser: front desk books a 6-session induction series for a
consented patient in one action and confirms it, moves session 4 by hand (refused when it breaks
the minimum gap, accepted otherwise), then a chair goes out of service and the re-plan lists the
affected patients.

Consent is provided by ``consent_in_force_stub`` (``tests.schedule_world``), a test double that
reports consent complete; the real consent refusal is covered by
``tests/integration/test_booking_service.py::test_booking_refused_without_consent``. All people
are synthetic (demo clinic).
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.adapters.scheduling import CpSatScheduler
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.services.demo import DEMO_ADOLESCENTS
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.scheduling.booking import ScheduleService
from ketaclinic.services.scheduling.replan import ReplanService
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.e2e.browser.conftest import LiveServer, SignedIn, demo_email
from tests.e2e.browser.steps_chart import open_chart
from tests.schedule_world import TEST_LIMITS, consent_in_force_stub

pytestmark = pytest.mark.browser


def _actor(server: LiveServer, role: Role) -> Actor:
    with server.services.uow() as uow:
        member = uow.staff.by_email(demo_email(role))
    assert member is not None
    return Actor(member.id, role, server.clinic.id, "127.0.0.1")


def _consented_courses(server: LiveServer, count: int) -> list[tuple[int, int, str]]:
    """Adult demo patients with an open course on the signed-off adult IV pack; consent stubbed
    in force; the demo calendar seeded. Returns (patient id, course id, display name)."""
    s = server.services
    physician = _actor(server, Role.PHYSICIAN)
    for published in s.protocols.publish(
        server.clinic.id, [shipped_protocol("adult-iv-induction")]
    ):
        items = s.protocols.signoff_items(physician, published.id)
        s.protocols.sign_off(physician, published.id, [i.path for i in items])
    version = s.protocols.published(physician)[0].id
    seed_demo_schedule(s.uow, server.clock, server.clinic.id)
    s.schedule = ScheduleService(
        s.uow, server.clock, CpSatScheduler(), consent_in_force_stub, limits=TEST_LIMITS
    )
    s.replans = ReplanService(s.schedule)
    found = s.patients.search(physician, PatientSearch(server.clinic.id, limit=50))
    adults = sorted(found, key=lambda p: p.id)[DEMO_ADOLESCENTS : DEMO_ADOLESCENTS + count]
    return [(p.id, s.courses.open(physician, p.id, version).id, p.display_name) for p in adults]


def test_front_desk_books_moves_and_replans_a_series(
    live_server: LiveServer, signed_in: SignedIn
) -> None:
    (patient, _course, name), (_, other_course, other_name) = _consented_courses(live_server, 2)
    desk = _actor(live_server, Role.FRONT_DESK)
    live_server.services.schedule.book_series(desk, other_course)  # another patient's series
    live_server.services.schedule.confirm_series(desk, other_course)

    page = signed_in(Role.FRONT_DESK)
    open_chart(page, patient, "schedule")
    panel = page.locator("#schedule-panel")
    panel.get_by_role("button", name="Book induction series").click()  # one action, six sessions
    expect(page.locator("#proposed")).to_contain_text("6 sessions proposed")
    expect(panel.locator('tr[data-status="proposed"]')).to_have_count(6)
    panel.get_by_role("button", name="Confirm series").click()
    expect(panel.locator('tr[data-status="confirmed"]')).to_have_count(6)

    series = sorted(
        live_server.services.schedule.series_of_patient(desk, patient), key=lambda b: b.start_at
    )
    zone = ZoneInfo(live_server.clinic.timezone)
    too_soon = series[2].start_at.astimezone(zone) + timedelta(hours=24)
    fourth = page.locator('#schedule-panel tr[data-session="4"]')
    fourth.get_by_text("Move", exact=True).click()
    move = fourth.locator("form.move-form")
    move.get_by_label("Day").fill(too_soon.date().isoformat())
    move.get_by_label("Time").fill(too_soon.strftime("%H:%M"))
    move.get_by_label("Reason").fill("patient asked for the day after session 3")
    move.get_by_role("button", name="Move session 4").click()
    refused = page.locator('#move-result[data-accepted="false"]')
    expect(refused).to_contain_text("SCH-SPACING")
    expect(refused).to_contain_text("Session 4 must be at least 2 days after session 3")

    fourth = page.locator('#schedule-panel tr[data-session="4"]')
    expect(fourth.locator("td.when")).to_contain_text(
        series[3].start_at.astimezone(zone).strftime("%a %-d %b %Y %H:%M")
    )  # unchanged after the refusal
    chairs = live_server.services.calendar.directory(desk).chairs
    other_chair = next(c.id for c in chairs if c.id != series[3].chair_id)
    move = fourth.locator("form.move-form")  # left open after the refusal, to correct it
    expect(move).to_be_visible()
    move.get_by_label("Chair").select_option(str(other_chair))
    move.get_by_label("Reason").fill("recliner needed for this visit")
    move.get_by_role("button", name="Move session 4").click()
    expect(page.locator('#move-result[data-accepted="true"]')).to_contain_text("Session 4 moved")
    expect(page.locator('#schedule-panel tr[data-session="4"]')).to_contain_text(
        "recliner needed for this visit"
    )

    first_day = series[0].start_at.astimezone(zone).date()
    page.goto(f"/schedule?day={first_day.isoformat()}")
    expect(page.locator(f'li[data-appointment-id="{series[0].id}"]')).to_contain_text(name)
    form = page.locator("#chair-out-form")
    form.get_by_label("Chair").select_option(str(series[0].chair_id))
    form.get_by_label("From").fill(first_day.isoformat())
    form.get_by_label("To").fill((first_day + timedelta(days=30)).isoformat())
    form.get_by_label("Reason").fill("infusion pump fault")
    form.get_by_role("button", name="Take out of service and re-plan").click()
    result = page.locator("#replan-result")
    expect(result).to_contain_text("out of service: re-plan")
    expect(result.locator(f'tr[data-patient-id="{patient}"]').first).to_contain_text(name)
    affected = {
        b.patient_id
        for b in live_server.services.schedule.between(
            desk, series[0].start_at, series[0].start_at + timedelta(days=31)
        )
    }
    assert patient in affected
    assert other_name  # the other patient's series was re-planned along with this one
