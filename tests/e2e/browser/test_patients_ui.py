"""Browser acceptance of the foundation (issue 3): registering, finding and reading patients.

Drives the real server in headless Chromium the way front desk staff use it on a clinic tablet:
every field is found by its visible label, so an unlabelled field fails the test.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.people import age_on
from ketaclinic.services.patients.ports import PatientSearch
from tests.e2e.browser.conftest import TABLET, LiveServer, SignedIn
from tests.e2e.browser.steps_chart import open_tab

pytestmark = pytest.mark.browser

FAMILY = "Demo-Browsertest"
GIVEN = "Zephyr"
GUARDIAN = "Lee Demo-Browsertest"

UNLABELLED_FIELDS_JS = """
() => Array.from(document.querySelectorAll('main input, main select, main textarea'))
  .filter(el => el.type !== 'hidden')
  .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id || el.outerHTML)
"""


def fifteenth_birthday_ago(today: date) -> date:
    """A date of birth 15 years and 10-11 months before ``today``: a 15-year-old adolescent."""
    return date(today.year - 16, today.month, 1) + timedelta(days=45)


def patients_named(live: LiveServer, family: str) -> int:
    with live.services.uow() as uow:
        return len(uow.patients.search(PatientSearch(live.clinic.id, family, None, 50)))


def patient_count(live: LiveServer) -> int:
    with live.services.uow() as uow:
        return uow.patients.count(live.clinic.id)


def register_adolescent(page: Page, born: date) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="Register patient").click()
    expect(page.get_by_role("heading", name="Register patient")).to_be_visible()
    page.get_by_label("Given name").fill(GIVEN)
    page.get_by_label("Family name").fill(FAMILY)
    page.get_by_label("Date of birth").fill(born.isoformat())
    page.get_by_label("Sex at birth").select_option("female")
    page.get_by_label("Preferred language").fill("en")
    page.get_by_label("Guardian name").fill(GUARDIAN)
    page.get_by_label("Relationship to patient").fill("parent")
    page.get_by_label("Guardian phone").fill("+1 555 0199")
    page.get_by_label("Has legal authority to consent").check()
    page.get_by_role("button", name="Register").click()


def test_front_desk_registers_an_adolescent_with_a_guardian_finds_and_opens_the_chart(
    signed_in: SignedIn, live_server: LiveServer
) -> None:
    page = signed_in(Role.FRONT_DESK, viewport=TABLET)
    born = fifteenth_birthday_ago(live_server.clock.now().date())
    assert age_on(born, live_server.clock.now().date()) == 15

    register_adolescent(page, born)

    expect(page.get_by_role("heading", level=1, name=f"{FAMILY}, {GIVEN}")).to_be_visible()
    assert patients_named(live_server, FAMILY) == 1

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    page.get_by_label("Name or MRN").fill("browsertest")
    results = page.get_by_role("table", name="Patients found")
    expect(results.get_by_role("link")).to_have_count(1)
    results.get_by_role("link", name=FAMILY).click()

    expect(page.get_by_text("(15 y)")).to_be_visible()
    expect(page.get_by_text("Minor: guardian permission")).to_be_visible()
    open_tab(page, "details")
    related = page.locator("#related")
    expect(related.get_by_text(GUARDIAN)).to_be_visible()
    expect(related).to_contain_text("guardian (parent), legal authority")


def test_search_by_date_of_birth_finds_the_registered_patient(
    signed_in: SignedIn, live_server: LiveServer
) -> None:
    page = signed_in(Role.FRONT_DESK)
    born = fifteenth_birthday_ago(live_server.clock.now().date())
    register_adolescent(page, born)
    page.goto("/patients")
    page.get_by_label("Date of birth").fill(born.isoformat())
    page.get_by_role("button", name="Search").click()
    results = page.get_by_role("table", name="Patients found")
    dates = results.locator("tbody tr td:nth-child(3)")
    # The list shows every patient until the search's results replace it in place.
    shown = f"{born:%-d %b %Y}"  # "4 Feb 2011", never ISO on the page
    expect(dates.filter(has_not_text=shown)).to_have_count(0)
    expect(results.get_by_role("link", name=FAMILY)).to_be_visible()
    for cell in dates.all_inner_texts():
        assert cell == shown
    for machine in dates.locator("time").all():
        assert machine.get_attribute("datetime") == born.isoformat()


def test_registration_with_bad_fields_shows_inline_errors_and_stores_nothing(
    signed_in: SignedIn, live_server: LiveServer
) -> None:
    page = signed_in(Role.FRONT_DESK, viewport=TABLET)
    before = patient_count(live_server)
    page.goto("/patients/new")
    page.get_by_label("Family name").fill(FAMILY)
    page.get_by_label("Date of birth").fill("2099-01-01")
    page.get_by_label("Sex at birth").select_option("male")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Guardian name").fill(GUARDIAN)
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    for name, message in (
        ("given_name", ""),
        ("date_of_birth", "must not be in the future"),
        ("email", "not a valid email"),
        ("guardian_relationship", ""),
    ):
        field = page.locator(f"#{name}")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{name}-error")).to_contain_text(message)
    expect(page.get_by_label("Family name")).to_have_value(FAMILY)
    assert patient_count(live_server) == before
    assert patients_named(live_server, FAMILY) == 0


def test_missing_sex_at_birth_is_reported_on_its_field(
    signed_in: SignedIn, live_server: LiveServer
) -> None:
    page = signed_in(Role.FRONT_DESK)
    before = patient_count(live_server)
    page.goto("/patients/new")
    page.get_by_label("Given name").fill(GIVEN)
    page.get_by_label("Family name").fill(FAMILY)
    page.get_by_label("Date of birth").fill("1990-05-05")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#sex_at_birth-error")).to_contain_text("choose one of the options")
    assert patient_count(live_server) == before


@pytest.mark.parametrize(
    ("role", "path"),
    [
        pytest.param(Role.FRONT_DESK, "/signin", id="sign-in"),
        pytest.param(Role.FRONT_DESK, "/patients", id="patient-search"),
        pytest.param(Role.FRONT_DESK, "/patients/new", id="register-form"),
        pytest.param(Role.FRONT_DESK, "/patients/1?section=details", id="chart-with-forms"),
        pytest.param(Role.ADMIN, "/admin/users", id="user-admin"),
        pytest.param(Role.AUDITOR, "/audit", id="audit-view"),
    ],
)
def test_every_form_field_has_a_label(signed_in: SignedIn, role: Role, path: str) -> None:
    page = signed_in(role, viewport=TABLET)
    page.goto(path)
    assert page.locator("main input:not([type=hidden]), main select").count() > 0
    assert page.evaluate(UNLABELLED_FIELDS_JS) == []


def test_chart_fits_a_tablet_screen(signed_in: SignedIn, tmp_path: Path) -> None:
    page = signed_in(Role.FRONT_DESK, viewport=TABLET)
    page.goto("/patients")
    page.get_by_role("table", name="Patients found").get_by_role("link").first.click()
    expect(page.locator("#chart-summary")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= TABLET["width"], "the chart scrolls sideways on a tablet"
    for section in ("schedule", "details"):  # the desk's sections (no clinical record)
        open_tab(page, section)
        expect(page.locator("main .card.panel, #summary").first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= TABLET["width"], f"the chart's {section} section scrolls sideways"
    expect(page.locator("#summary")).to_be_visible()
    shot = tmp_path / "chart-tablet.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
