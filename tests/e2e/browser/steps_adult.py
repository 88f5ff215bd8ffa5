"""Page helpers for the adult IV pathway, each step done in Chromium as the role who does it.

Nothing here calls a service, a repository or SQL: every helper fills and submits the pages a
person would, so the browser journey (``test_pathway_adult_iv.py``) can loop over the induction
sessions. Answers come from ``tests.baseline`` (synthetic item answers); all people are
synthetic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.baseline import calm_answers
from tests.e2e.browser.steps_chart import open_chart, open_tab

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
    open_chart(physician, patient_id)
    panel = physician.locator("#courses-panel")
    choice = panel.get_by_label("Open a course on")
    option = choice.locator('option[data-protocol-id="adult-iv-induction"]').first
    choice.select_option(option.get_attribute("value") or "")
    panel.get_by_role("button", name=re.compile("Open")).click()
    course = panel.locator("[data-course-id]").first
    expect(course).to_be_visible()
    course_id = int(course.get_attribute("data-course-id") or "0")
    move(physician, patient_id, "evaluating")
    return course_id


def move(page: Page, patient_id: int, to: str, reason: str = "") -> None:
    open_chart(page, patient_id)
    form = page.locator("#courses-panel form", has=page.locator(f'button[data-to="{to}"]'))
    if reason:
        form.get_by_label("Reason").fill(reason)
    form.locator(f'button[data-to="{to}"]').click()
    expect(page.locator("#courses-panel [data-state]").first).to_have_attribute("data-state", to)


def chart_follows(page: Page, state: str) -> None:
    """Without a reload, the banner shows the course's new state; the chart's other sections,
    each a page of its own, show it too when the clinician opens their tabs."""
    banner = page.locator('#patient-banner [data-field="course"]')
    expect(banner).to_contain_text(f"course {state}")
    # The sections are separate pages now: "the panels follow" means each shows the new state
    # as soon as it is opened, with no stale copy kept from before the move.
    for section in ("outcomes", "dosing"):
        open_tab(page, section)
        expect(page.locator(f"#{section}-panel h3").first).to_contain_text(
            f"· {state.capitalize()}"
        )


def create_link(nurse: Page, patient_id: int, instrument: str) -> str:
    """The nurse creates a single-use self-report link; returns its address."""
    open_chart(nurse, patient_id, "assessments")
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
    open_chart(clinician, patient_id, "assessments")
    panel = clinician.locator("#assessments-panel")
    panel.get_by_label("Record a response").select_option(title)
    panel.get_by_role("button", name="Open form").click()
    for item, value in answers.items():
        clinician.locator(f"#item-{item}-{value}").check()
    clinician.get_by_role("button", name="Record response").click()
    clinician.wait_for_url(re.compile(rf"/patients/{patient_id}\?section=assessments$"))


# -- the induction series ------------------------------------------------------------------------
@dataclass(frozen=True)
class Order:
    """What the signed order says, as the bedside label shows it."""

    id: int
    dose_mg: str
    concentration: str
    rate: str


def book_series(desk: Page, patient_id: int) -> list[str]:
    """The front desk books and confirms the induction series; returns each session's local
    start ("YYYY-MM-DD HH:MM", the clinic's zone) as the chart shows it."""
    open_chart(desk, patient_id, "schedule")
    panel = desk.locator("#schedule-panel")
    panel.get_by_role("button", name="Book induction series").click()
    expect(panel.locator('tr[data-status="proposed"]')).to_have_count(6)
    panel.get_by_role("button", name="Confirm series").click()
    rows = panel.locator('tr[data-status="confirmed"]')
    expect(rows).to_have_count(6)
    return [_start(rows.nth(i)) for i in range(rows.count())]


def _start(row: Locator) -> str:
    """A series row's local start as "YYYY-MM-DD HH:MM", read from its machine-readable
    ``<time datetime>`` (the cell itself shows "Mon 7 Dec 2026 08:00")."""
    when = row.locator("td.when time")
    shown = when.inner_text()
    assert not re.search(r"\d{4}-\d\d-\d\d", shown), shown
    return (when.get_attribute("datetime") or "").replace("T", " ")


def measure(clinician: Page, patient_id: int, weight_kg: str, height_cm: str) -> None:
    """The patient is weighed and measured; the clinician records it on the chart."""
    open_chart(clinician, patient_id, "details")
    form = clinician.locator("#measurements form")
    form.get_by_label("Weight", exact=True).fill(weight_kg)
    form.get_by_label("Height", exact=True).fill(height_cm)
    form.get_by_role("button", name="Record").click()
    expect(clinician.locator("#measurements tbody")).to_contain_text(weight_kg)


def write_order(
    prescriber: Page, patient_id: int, *, expect_rule: str = "", expect_outcome: str = ""
) -> Order:
    """The prescriber opens the order screen from the chart, reads the titration
    recommendation and signs the recommended dose."""
    open_chart(prescriber, patient_id, "dosing")
    prescriber.locator("#dosing-panel").get_by_role("link", name="Write dose order").click()
    if expect_rule:
        expect(prescriber.locator("#recommendation")).to_contain_text(expect_rule)
    if expect_outcome:
        outcome = prescriber.locator("#recommendation [data-outcome]")
        expect(outcome).to_have_attribute("data-outcome", expect_outcome)
    prescriber.get_by_label("Vial concentration (mg/mL)").select_option("50")
    prescriber.get_by_label("Final volume (mL; empty = undiluted)").fill("100")
    prescriber.get_by_role("button", name="Sign order").click()
    expect(prescriber.locator("[data-status]")).to_have_text("Signed")
    found = re.search(r"/orders/(\d+)", prescriber.url)
    assert found is not None
    number = re.compile(r"[\d.]+")

    def field(name: str) -> str:
        text = prescriber.locator(f'[data-field="{name}"]').inner_text()
        match = number.search(text)
        assert match is not None
        return match.group(0)

    return Order(int(found.group(1)), field("dose_mg"), field("concentration"), field("rate"))


def check_in_from_schedule(desk: Page, day: str) -> None:
    desk.goto(f"/schedule?day={day}")
    slot = desk.locator("li.appt", has_text=FAMILY)
    slot.get_by_role("button", name="Check in").click()
    expect(desk.locator("#opened")).to_contain_text("session opened")


def record_checkin(nurse: Page, patient_id: int, side_effects: tuple[str, ...] = ()) -> None:
    """Between sessions: the nurse records the patient's check-in on the chart."""
    open_chart(nurse, patient_id, "dosing")
    panel = nurse.locator("#dosing-panel")
    panel.get_by_text("Record a check-in").click()
    panel.get_by_label("Anxiety now (0-10)").fill("3")
    panel.get_by_label("Hours slept last night").fill("7")
    for effect in side_effects:
        panel.locator(f'input[name="side_effects"][value="{effect}"]').check()
    panel.get_by_role("button", name="Record check-in").click()
    expect(nurse.locator("#checkin-recorded")).to_be_visible()


def open_session(nurse: Page) -> str:
    """From today's arrivals; returns the session page's address."""
    nurse.goto("/arrivals")
    nurse.locator("tr", has_text=FAMILY).get_by_role(
        "link", name=re.compile("Open session|Check in")
    ).click()
    expect(nurse.get_by_role("heading", level=1)).to_contain_text("Infusion session")
    return nurse.url.split("#")[0]


def verify_at_bedside(nurse: Page, order: Order) -> None:
    nurse.get_by_role("link", name="Chart").click()
    mrn = nurse.locator('#patient-banner [data-field="mrn"]').inner_text()
    nurse.goto(f"/orders/{order.id}/verify")
    nurse.get_by_label("Patient MRN (wristband)").fill(mrn)
    nurse.get_by_label("Drug (label)").fill("ketamine")
    nurse.locator("#route").select_option(label="Intravenous (IV)")
    nurse.get_by_label("Concentration on the label (mg/mL)").fill(order.concentration)
    nurse.get_by_label("Dose on the label (mg)").fill(order.dose_mg)
    nurse.get_by_label("Pump rate programmed (mL/h)").fill(order.rate)
    nurse.get_by_role("button", name="Check against the order").click()
    expect(nurse.locator("#verification-result")).to_contain_text("Verified")


def submit(page: Page, form: str, fields: Mapping[str, str], checks: tuple[str, ...] = ()) -> None:
    section = page.locator(f"#step-{form}")
    for label, value in fields.items():
        section.get_by_label(label, exact=True).fill(value)
    for label in checks:
        section.get_by_label(label).check()
    section.get_by_role("button").first.click()


def choose_order(page: Page, order_id: int | str) -> None:
    """On the pre-dose checklist, the order checked at the bedside is chosen by its description
    (route, dose, prescriber, signed time); the value sent is the order's id. The only usable
    order is already chosen."""
    choice = page.locator(f'#step-pre-dose input[name="order_id"][value="{order_id}"]')
    expect(choice).to_be_checked()
    label = page.locator(
        "#step-pre-dose label.choice",
        has=page.locator(f'input[name="order_id"][value="{order_id}"]'),
    )
    expect(label).to_contain_text(" mg (")
    expect(label).to_contain_text("signed by ")
    choice.check()


def choose_person(page: Page, form: str, label: str, name: str) -> None:
    """Choose a staff member by name in a people list of a step's form (options read
    "Name (role)"; the value sent is the staff id, never the name)."""
    people = page.locator(f"#step-{form}").get_by_label(label)
    value = people.locator("option", has_text=name).first.get_attribute("value")
    assert value, f"{name} is not offered for {label}"
    people.select_option(value)


PRESCRIBER = "Dana Demo-Physician"  # the demo clinic's physician, on site for the start
NURSE = "Jordan Demo-Nurse"  # the demo clinic's nurse, who gives premedication and places the IV


def start_dosing(page: Page, lot: str) -> None:
    """Start dosing: the signed-in nurse gives it (chosen by default), the physician is named
    as the prescriber on site."""
    choose_person(page, "start", "Prescriber on site", PRESCRIBER)
    submit(page, "start", {"Ketamine lot *": lot})


def hand_vitals(page: Page, values: Mapping[str, str]) -> None:
    form = page.locator("#step-vitals")
    for label, value in values.items():
        form.get_by_label(label, exact=True).fill(value)
    form.get_by_role("button", name="Record vital signs").click()


RESTING = {
    "Systolic BP (mmHg)": "126",
    "Diastolic BP (mmHg)": "80",
    "Heart rate (/min)": "72",
    "SpO2 (%)": "98",
    "Respiratory rate (/min)": "14",
}


def prepare_and_start(nurse: Page, order: Order) -> None:
    """Check-in checklist, hand vitals, premedication, IV, pre-dose checklist, start."""
    state = nurse.locator('[data-field="state"]')
    nurse.locator("#check-in-pregnancy_test").select_option("not_applicable")  # male patient
    submit(
        nurse,
        "check-in",
        {"Escort for discharge *": "Sam Demo-Escort", "Escort phone *": "555-0100"},
        ("Identity confirmed", "Escort reached", "Fasting status", "Between-session"),
    )
    expect(state).to_have_text("Checked in")
    hand_vitals(nurse, RESTING)
    choose_person(nurse, "give", "Given by", NURSE)  # chosen from the list, never typed
    choose_person(nurse, "iv", "Placed by", NURSE)
    submit(
        nurse,
        "give",
        {
            "Drug *": "ondansetron",
            "Dose (mg) *": "4",
            "Route *": "iv",
            "Lot *": "OND-DEMO-7",
        },
    )
    submit(
        nurse,
        "iv",
        {
            "IV site *": "left antecubital",
            "Gauge *": "22",
            "Attempts *": "1",
        },
    )
    placed = nurse.locator('#session-record [data-kind="iv_placement"]')
    expect(placed).to_contain_text(f"Placed by: {NURSE}")
    expect(placed).not_to_contain_text("placed by id")
    expect(placed).not_to_contain_text("number")
    choose_order(nurse, order.id)
    submit(
        nurse,
        "pre-dose",
        {
            "Baseline systolic BP (mmHg) *": "126",
            "Baseline diastolic BP (mmHg) *": "80",
            "Baseline heart rate (/min) *": "72",
            "Baseline SpO2 (%) *": "98",
            "Symptom check *": "no headache, no chest pain",
        },
    )
    expect(state).to_have_text("Ready")
    start_dosing(nurse, "KET-DEMO-42")
    expect(state).to_have_text("Dosing")


def record_dissociation(nurse: Page, total: str, minute: str) -> None:
    """The nurse scores CADSS-6 at a protocol time during dosing."""
    section = nurse.locator("#step-score")
    section.get_by_label("Scale").select_option("cadss6")
    section.get_by_label("Total", exact=False).first.fill(total)
    section.get_by_label("Minute of dosing").fill(minute)
    section.get_by_role("button", name="Record score").click()
    expect(nurse.locator('#session-record [data-kind="scale"]').last).to_contain_text(total)


def record_adverse_event(nurse: Page, kind: str) -> None:
    section = nurse.locator("#step-adverse-event")
    section.get_by_label("Kind", exact=False).first.fill(kind)
    section.get_by_label("Severity").select_option("mild")
    section.get_by_label("Intervention", exact=False).first.fill("ondansetron 4 mg IV")
    section.get_by_label("Outcome", exact=False).first.fill("resolved")
    section.get_by_role("button", name="Record adverse event").click()
    expect(nurse.locator('#session-record [data-kind="adverse_event"]')).to_contain_text(kind)


def end_recover_discharge(nurse: Page, wait: Callable[[int], None]) -> None:
    """End dosing, Aldrete, recovery vitals after the minimum observation, discharge."""
    state = nurse.locator('[data-field="state"]')
    early = nurse.locator("#end-early")  # the page says when the order's pump time is not over
    if early.count():
        planned, elapsed = (int(n) for n in re.findall(r"(\d+) min", early.inner_text())[:2])
        wait(planned - elapsed)  # the nurse lets the pump run to the end of the order
    nurse.locator("#step-end").get_by_role("button").click()
    expect(state).to_have_text("In recovery")
    for item in ("activity", "respiration", "circulation", "consciousness", "spo2"):
        nurse.locator(f"#aldrete-{item}").select_option("2")
    nurse.locator("#step-aldrete").get_by_role("button").click()
    expect(nurse.locator('#session-record [data-kind="aldrete"]')).to_contain_text(
        "Total: 10 of 10"
    )
    wait(61)
    hand_vitals(nurse, RESTING)
    expect(nurse.locator("#unmet")).to_have_text("Every criterion holds.")
    submit(nurse, "discharge", {}, ("Escort present", "Instructions given"))
    expect(state).to_have_text("Discharged")


def page_alerts(page: Page) -> list[str]:
    return page.locator("[role=alert], .field-error").all_inner_texts()


def phq9_of(total: int) -> dict[str, int]:
    """PHQ-9 answers adding up to ``total`` (items 1-8 only, item 9 "not at all"), total <= 24."""
    answers = {str(i): 0 for i in range(1, 10)}
    for i in range(total):
        answers[str(i % 8 + 1)] += 1
    return answers


def decide_maintenance(physician: Page, course_id: int, reason: str) -> None:
    """On the outcome page: store the protocol's booster plan and choose maintenance."""
    physician.goto(f"/courses/{course_id}/outcome")
    expect(physician.locator("[data-next-step]")).to_have_text("Offer maintenance")
    physician.get_by_role("button", name="Store booster plan").click()
    expect(physician.locator("[data-plan-id]")).to_be_visible()
    physician.get_by_label("Decision", exact=True).select_option("maintenance")
    physician.get_by_label("Reasons (recorded on the course)").fill(reason)
    physician.get_by_role("button", name="Record decision").click()
    expect(physician.locator("h1 [data-state]")).to_have_text("Maintenance")


def book_boosters(desk: Page, patient_id: int) -> str:
    """The physician books the stored booster plan from the course's outcome page (the front
    desk does not read that clinical page) and confirms the times on the chart's schedule;
    returns booster 1's local start as the chart shows it."""
    open_chart(desk, patient_id, "outcomes")
    desk.get_by_role("link", name="Reassessment, decision and maintenance").click()
    desk.get_by_role("button", name="Book boosters").click()
    expect(desk.locator("table.booked tbody tr").first).to_be_visible()
    desk.get_by_role("link", name="Back to the chart").click()
    open_tab(desk, "schedule")
    panel = desk.locator("#schedule-panel")
    panel.get_by_role("button", name="Confirm series").click()
    first = panel.locator('tr[data-kind="booster"][data-status="confirmed"]').first
    expect(first).to_be_visible()
    return _start(first)
