"""Browser acceptance of the foundation (issue 3): roles, idle sign-out, user admin, audit view."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ketaclinic.domain.identity.access import Role
from ketaclinic.services.patients.ports import PatientSearch
from tests.e2e.browser.conftest import TABLET, LiveServer, NewPage, SignedIn, sign_in

pytestmark = pytest.mark.browser

INACTIVITY_MESSAGE = "You were signed out after a period of inactivity."
NEW_EMAIL = "newnurse@demo.ketaclinic.test"
NEW_PASSWORD = "a-long-orchard-passphrase"


def nav(page: Page) -> list[str]:
    return page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()


def test_coach_gets_403_on_user_admin_and_has_no_users_link(signed_in: SignedIn) -> None:
    page = signed_in(Role.COACH, viewport=TABLET)
    assert "Patients" in nav(page)
    assert "Users" not in nav(page)
    response = page.goto("/admin/users")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="That could not be done")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(
        "An integration coach cannot manage staff accounts: only an administrator may"
    )
    expect(page.locator("details.why")).to_contain_text("staff.admin")  # one click away
    expect(page.get_by_role("heading", name="Staff accounts")).to_have_count(0)


def test_admin_sees_the_users_link(signed_in: SignedIn) -> None:
    page = signed_in(Role.ADMIN)
    assert "Users" in nav(page)
    assert "Audit" in nav(page)


def test_idle_sign_out_after_the_timeout_lands_on_sign_in_with_the_message(
    signed_in: SignedIn, live_server: LiveServer
) -> None:
    idle = live_server.services.settings.idle_timeout_min
    page = signed_in(Role.NURSE, viewport=TABLET)
    live_server.clock.advance(minutes=idle - 1)
    page.goto("/patients")
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    live_server.clock.advance(minutes=idle - 1)
    page.goto("/patients")
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()

    live_server.clock.advance(minutes=idle + 1)
    page.goto("/patients/1")
    assert page.url.endswith("/signin?expired=1")
    expect(page.get_by_role("status")).to_have_text(INACTIVITY_MESSAGE)
    expect(page.get_by_label("Email")).to_be_visible()
    expect(page.get_by_role("heading", name="Patients")).to_have_count(0)


def test_signing_in_again_after_idle_sign_out_works(
    signed_in: SignedIn, live_server: LiveServer
) -> None:
    page = signed_in(Role.NURSE)
    live_server.clock.advance(minutes=live_server.services.settings.idle_timeout_min + 1)
    page.goto("/patients")
    expect(page.get_by_role("status")).to_have_text(INACTIVITY_MESSAGE)
    sign_in(page, "nurse@demo.ketaclinic.test", live_server.password)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")


def test_admin_creates_a_user_who_can_then_sign_in(
    signed_in: SignedIn, new_page: NewPage, live_server: LiveServer
) -> None:
    page = signed_in(Role.ADMIN, viewport=TABLET)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Staff accounts")).to_be_visible()
    page.get_by_label("Name").fill("Avery Demo-Newnurse")
    page.get_by_label("Email").fill(NEW_EMAIL)
    page.get_by_label("Role").select_option("nurse")
    page.get_by_label("Initial password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create account").click()

    row = page.get_by_role("table", name="Staff").get_by_role("row").filter(has_text=NEW_EMAIL)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("nurse")
    expect(row).to_contain_text("active")

    other = new_page()
    sign_in(other, NEW_EMAIL, NEW_PASSWORD)
    expect(other.locator(".who")).to_contain_text("Avery Demo-Newnurse · nurse")


def test_admin_user_form_rejects_a_short_password_inline(signed_in: SignedIn) -> None:
    page = signed_in(Role.ADMIN)
    page.goto("/admin/users")
    page.get_by_label("Name").fill("Blake Demo-Short")
    page.get_by_label("Email").fill("short@demo.ketaclinic.test")
    page.get_by_label("Initial password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#password-error")).to_be_visible()
    table = page.get_by_role("table", name="Staff")
    expect(table.get_by_role("row").filter(has_text="short@demo")).to_have_count(0)


def demo_patient_ids(live: LiveServer, family: str) -> list[int]:
    with live.services.uow() as uow:
        found = uow.patients.search(PatientSearch(live.clinic.id, family, None, 50))
    return [p.id for p in found]


def patient_column(page: Page) -> list[str]:
    table = page.get_by_role("table", name="Audit events")
    return table.locator("tbody tr td:nth-child(5)").all_inner_texts()


def test_auditor_sees_the_audit_view_filtered_by_patient(
    signed_in: SignedIn, live_server: LiveServer
) -> None:
    chosen = demo_patient_ids(live_server, "Demo-Birch")[0]
    reader = signed_in(Role.NURSE)
    reader.goto(f"/patients/{chosen}")

    page = signed_in(Role.AUDITOR, viewport=TABLET)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit").click()
    everything = patient_column(page)
    assert len({cell for cell in everything if cell}) > 1, "unfiltered view spans many patients"

    page.get_by_label("Patient (name or MRN)").fill("Demo-Birch")  # no id to know
    page.get_by_role("button", name="Filter").click()
    several = page.locator("#audit-patient-matches")
    if several.count():  # more than one Demo-Birch: the auditor picks the one that was read
        several.locator(f'a[href*="patient_id={chosen}&"]').click()
    expect(page.locator("#audit-patient")).to_contain_text("Demo-Birch")
    filtered = patient_column(page)
    assert filtered and len(set(filtered)) == 1 and "Demo-Birch" in filtered[0], filtered
    assert not any(cell.strip().isdigit() for cell in filtered)  # a name, never a row id
    actions = page.get_by_role("table", name="Audit events").locator("tbody tr td:nth-child(4)")
    assert {"patient.create", "patient.read"} <= set(actions.all_inner_texts())


def test_audit_filter_with_a_bad_patient_id_shows_a_message_not_json(signed_in: SignedIn) -> None:
    page = signed_in(Role.AUDITOR)
    page.goto("/audit")
    page.get_by_label("Patient (name or MRN)").fill("Nobody-Such-Patient")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Patient: no patient of this clinic matches that name or MRN"
    )
    expect(page.get_by_role("table", name="Audit events")).to_contain_text("No events match.")
    page.goto("/audit?patient_id=abc")  # an old bookmark with a bad id: a message, not JSON
    expect(page.get_by_role("alert")).to_contain_text("must be a number")
