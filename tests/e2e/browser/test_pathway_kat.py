"""A ketamine-assisted therapy (KAT) patient through the programme in the browser, pages only.

From the clinic as ``ketaclinic demo`` leaves it: the front desk registers the patient; the
physician opens a kat-holistic course, records the baseline questionnaires and the evaluation,
signs eligibility; the patient signs consent on the tablet; the coach holds and signs the
preparatory coaching session. The APP orders an SL dose on the order form (the form offers the
pack's SL, IN and IM with each route's limits), the front desk books the series and checks the
patient in, a nurse (a second person) verifies the order at the bedside, checks the patient in,
enters vitals, completes the pre-dose check and starts the dose naming the coach as attending;
the coach attends and records observations while the nurse ends dosing, scores recovery and
discharges (the coach's page says those steps are the nurse's). The
coach records the experiential (journey) record for that session, which takes its dose from the
session, and holds integration coaching; then an IN session goes the same path. Time passes only
by the test's clock. All people are synthetic.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from ketaclinic.domain.identity.access import Role
from tests.e2e.browser.conftest import LiveServer
from tests.e2e.browser.steps_adult import NURSE, choose_order, choose_person, start_dosing
from tests.e2e.browser.steps_chart import open_chart
from tests.e2e.browser.steps_kat import (
    answer_instrument,
    between_session_checkin,
    chart_mrn,
    coaching_session,
    expect_state,
    local_now,
    move,
    open_course,
    pathway_server,
    people,
    record_evaluation,
    record_measurements,
    register,
    sign_consent,
    sign_eligibility,
    verify_at_bedside,
    write_order,
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

GIVEN, FAMILY = "Rowan", "Demo-Kestrel"
NAME = f"{FAMILY}, {GIVEN}"


def zone(server: LiveServer) -> ZoneInfo:
    return ZoneInfo(server.clinic.timezone)


def experiential_session(
    people: dict[Role, Page],
    server: LiveServer,
    course: int,
    order: int,
    mrn: str,
    dose: str,
    route: str,
) -> str:
    """Arrival at the desk, bedside check, then the nurse checks the patient in, enters vitals,
    completes the pre-dose check and starts the dose with the coach named as attending. The coach
    attends: the session page shows them that check-in, the end of dosing, the Aldrete score and
    discharge are the nurse's, and they record their observations; the nurse takes those steps."""
    check_in_from_schedule(people[Role.FRONT_DESK], FAMILY, server.clock.now().date())
    verify_at_bedside(people[Role.NURSE], order, mrn, dose, route)
    coach, nurse = people[Role.COACH], people[Role.NURSE]
    url = open_session(coach, FAMILY)
    expect(coach.locator('#step-check-in [data-field="by-nurse"]')).to_contain_text(
        "A nurse, physician or APP checks the patient in"
    )
    expect(coach.locator("#step-check-in form")).to_have_count(0)
    nurse.goto(url)
    nurse.locator("#check-in-pregnancy_test").select_option("not_applicable")
    submit_step(
        nurse,
        "check-in",
        {"Escort for discharge *": "Alex Demo-Escort", "Escort phone *": "555-0142"},
        ("Identity confirmed", "Escort reached", "Fasting status", "Between-session"),
    )
    expect(nurse.locator('[data-field="state"]')).to_have_text("Checked in")
    expect(nurse.get_by_role("heading", level=1)).to_contain_text("KAT session")
    expect(nurse.locator("#step-iv")).to_have_count(0)  # no IV line for an SL or IN dose
    hand_vitals(nurse, CALM_VITALS)
    choose_order(nurse, order)
    submit_step(
        nurse,
        "pre-dose",
        {
            "Baseline systolic BP (mmHg) *": "124",
            "Baseline diastolic BP (mmHg) *": "78",
            "Baseline heart rate (/min) *": "72",
            "Baseline SpO2 (%) *": "98",
            "Symptom check *": "settled, intention set",
        },
    )
    state = nurse.locator('[data-field="state"]')
    expect(state).to_have_text("Ready")
    choose_person(nurse, "start", "Given by", NURSE)
    choose_person(nurse, "start", "Attending physician or coach", "Sage Demo-Coach")
    start_dosing(nurse, "KET-DEMO-KAT")
    expect(state).to_have_text("Dosing")
    coach.goto(url)
    expect(coach.locator('[data-field="state"]')).to_have_text("Dosing")
    submit_step(coach, "observe", {"Observation *": "eyes closed, music on, settled"})
    wait_at_bedside(server, 45, url, nurse, coach)
    expect(coach.locator('#step-end [data-field="by-nurse"]')).to_be_visible()
    nurse.locator("#step-end").get_by_role("button").click()
    expect(state).to_have_text("In recovery")
    for item in ("activity", "respiration", "circulation", "consciousness", "spo2"):
        nurse.locator(f"#aldrete-{item}").select_option("2")
    nurse.locator("#step-aldrete").get_by_role("button").click()
    wait_at_bedside(server, 120, url, nurse, coach)
    expect(coach.locator('#step-discharge [data-field="by-nurse"]')).to_be_visible()
    expect(nurse.locator("#unmet")).to_have_text("Every criterion holds.")
    submit_step(nurse, "discharge", {}, ("Escort present", "Instructions given"))
    expect(state).to_have_text("Discharged")
    return url


ROUTE_WORDS = {"iv": "IV", "im": "IM", "in": "intranasal", "sl": "sublingual"}


def record_journey(coach: Page, course: int, route: str, dose: str) -> None:
    coach.goto(f"/courses/{course}/integration")
    form = coach.locator("#journey-form")
    expect(form.get_by_label("Dose (mg)")).to_have_count(0)  # the session's dose, never typed
    session = form.get_by_label("Session (the dose given through the dose gate)")
    given = f"{ROUTE_WORDS[route]} {dose} mg"  # the route as a prescription writes it
    option = session.locator("option", has_text=given).first
    session.select_option(option.get_attribute("value") or "")
    form.get_by_label("Attendant").select_option(label="Sage Demo-Coach (integration coach)")
    for item in ("quiet room", "eye mask", "music"):
        form.get_by_label(item).check()
    form.get_by_role("button", name="Save the journey record").click()
    expect(coach.locator("li.journey", has_text=given)).to_have_count(1)


def test_kat_patient_from_preparation_through_an_sl_and_an_in_session(
    pathway_server: LiveServer, people: dict[Role, Page]
) -> None:
    server = pathway_server
    password = server.password
    desk, physician = people[Role.FRONT_DESK], people[Role.PHYSICIAN]  # the same afternoon
    patient = register(desk, GIVEN, FAMILY, date(1986, 4, 12))
    record_measurements(desk, patient, "74", "178")

    course = open_course(physician, patient, "kat-holistic")
    move(physician, patient, course, "evaluating", "referred for KAT")
    for instrument in ("phq9", "gad7", "pcl5", "cssrs-screen"):
        answer_instrument(physician, patient, instrument)
    record_evaluation(physician, course, local_now(server), 4, {1: "normal"})
    sign_eligibility(physician, "physician")
    move(physician, patient, course, "eligible")
    sign_consent(people[Role.NURSE], course, "kat-informed-consent", "patient", f"{GIVEN} {FAMILY}")
    move(physician, patient, course, "consented")
    expect_state(physician, patient, course, "consented")

    preparation = "Intentions, set and setting"
    coaching_session(people[Role.COACH], server, course, "preparatory", preparation)

    app = people[Role.APP]
    app.goto(f"/courses/{course}/orders/new")
    routes = app.get_by_label("Route (the routes this course's protocol allows)")
    expect(routes.locator("option")).to_have_text(
        ["Intramuscular (IM)", "Intranasal (IN)", "Sublingual (SL)"]
    )
    assert [o.get_attribute("value") for o in routes.locator("option").all()] == ["im", "in", "sl"]
    app.goto(f"/courses/{course}/orders/new?route=sl")
    expect(app.locator('#route-limits [data-limit="max_mg"]')).to_have_text("400 mg")
    expect(app.locator('#route-limits [data-limit="max_mg_per_kg"]')).to_have_text("5 mg/kg")
    sl_order = write_order(app, course, "sl", password)
    expect(app.locator('[data-field="dose_mg"]')).to_have_text("100 mg")

    [first, *_] = book_series(people[Role.FRONT_DESK], server, patient, 3)
    until(server, first)
    mrn = chart_mrn(people[Role.NURSE], patient)
    experiential_session(people, server, course, sl_order, mrn, "100", "Sublingual (SL)")
    record_journey(people[Role.COACH], course, "sl", "100")
    missing = "no signed integration session since"
    expect(people[Role.COACH].locator(".badge.warn")).to_contain_text(missing)

    server.clock.advance(days=2)
    coach = people[Role.COACH]
    coaching_session(coach, server, course, "integration", "Reflecting on the first journey")
    expect(coach.locator(".badge.warn")).to_have_count(0)

    between_session_checkin(people[Role.NURSE], patient)
    app = people[Role.APP]
    in_order = write_order(app, course, "in", password)
    dose = app.locator('[data-field="dose_mg"]').inner_text().removesuffix(" mg")
    schedule = people[Role.FRONT_DESK]
    open_chart(schedule, patient, "schedule", kat=True)
    second = schedule.locator('#schedule-panel tr[data-session="2"] td.when time')
    found = second.get_attribute("datetime")
    assert found is not None, second.inner_text()
    until(server, datetime.fromisoformat(found).replace(tzinfo=zone(server)))
    experiential_session(people, server, course, in_order, mrn, dose, "Intranasal (IN)")
    record_journey(people[Role.COACH], course, "in", dose)
    expect(people[Role.COACH].locator("li.journey")).to_have_count(2)
