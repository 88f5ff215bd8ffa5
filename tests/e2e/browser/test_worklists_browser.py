"""Worklists in a real browser: column headers sort, a text filter narrows the rows and says how
many are shown, and the page still passes axe-core's WCAG 2.2 AA rules.

The clinic is the demo clinic as ``ketaclinic demo`` seeds it (``demo_clinic``, shared with the
accessibility tests), so the physician's Today page and the outcome worklist list several
courses from its history.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from ketaclinic.domain.identity.access import Role
from tests.e2e.browser.conftest import LiveServer, demo_email, sign_in
from tests.e2e.browser.test_accessibility import WORKSTATION, axe_violations, settle

pytestmark = pytest.mark.browser


@pytest.fixture
def physician(chromium: Browser, demo_clinic: LiveServer) -> Iterator[Page]:
    context = chromium.new_context(
        base_url=demo_clinic.base_url, viewport=WORKSTATION, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, demo_email(Role.PHYSICIAN), demo_clinic.password)
    yield page
    context.close()


def column(table: Locator, n: int) -> list[str]:
    """The visible rows' text in column ``n`` (0-based), in the order shown."""
    cells = table.locator(f"tbody tr:not([hidden]) td:nth-child({n + 1})")
    return [text.strip() for text in cells.all_inner_texts()]


def sort_keys(table: Locator, n: int) -> list[str]:
    """The visible rows' sort values in column ``n``: data-sort where set, else the text."""
    return list(
        table.locator(f"tbody tr:not([hidden]) td:nth-child({n + 1})").evaluate_all(
            "cs => cs.map(c => (c.dataset.sort ?? c.textContent).trim())"
        )
    )


def folded(values: list[str]) -> list[str]:
    return [v.casefold() for v in values]


def test_a_today_list_sorts_by_patient_and_filters_by_name(physician: Page) -> None:
    physician.goto("/today")
    settle(physician)
    table = physician.locator("table[data-worklist='outcome reviews']")
    patient = 2  # the columns: Since, Why, Patient, Course
    server_order = column(table, patient)
    assert len(server_order) >= 2, server_order
    header = table.get_by_role("columnheader", name="Patient")
    expect(header).not_to_have_attribute("aria-sort", "ascending")
    header.get_by_role("button", name="Patient").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    names = column(table, patient)
    assert folded(names) == sorted(folded(names)) and sorted(names) == sorted(server_order)
    header.get_by_role("button", name="Patient").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    assert folded(column(table, patient)) == sorted(folded(names), reverse=True)

    wanted = server_order[0]
    physician.get_by_label("Filter outcome reviews").fill(wanted)
    shown = column(table, patient)
    assert shown and all(wanted in name for name in shown), shown
    count = physician.locator("#worklist-outcome-reviews-count")
    expect(count).to_have_attribute("aria-live", "polite")
    expect(count).to_have_text(f"{len(shown)} of {len(server_order)} shown")
    physician.get_by_label("Filter outcome reviews").fill("")
    assert len(column(table, patient)) == len(server_order)
    assert axe_violations(physician) == []


def test_the_outcome_worklist_sorts_by_urgency_rank_and_filters(physician: Page) -> None:
    physician.goto("/worklist/outcomes")
    settle(physician)
    table = physician.locator("table[data-worklist='outcome reviews']")
    server_order = column(table, 1)
    assert len(server_order) >= 2, server_order
    why = table.get_by_role("columnheader", name="Why")
    why.get_by_role("button").click()
    expect(why).to_have_attribute("aria-sort", "ascending")
    assert column(table, 1) == server_order  # the server lists the longest waiting first
    why.get_by_role("button").click()
    expect(why).to_have_attribute("aria-sort", "descending")
    assert column(table, 1) == server_order[::-1]
    due = sort_keys(table, 0)  # each row's due day, ISO: the order of the words' dates
    assert due == sorted(due, reverse=True) and all(len(d) == 10 for d in due), due
    expect(table.get_by_role("columnheader", name="Reasons").get_by_role("button")).to_have_count(0)

    physician.get_by_label("Filter outcome reviews").fill("no such patient anywhere")
    assert column(table, 1) == []
    expect(physician.locator("#worklist-outcome-reviews-count")).to_have_text(
        f"0 of {len(server_order)} shown"
    )
    assert axe_violations(physician) == []
