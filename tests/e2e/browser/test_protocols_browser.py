"""A physician signs a protocol off in Chromium, changing the SBP pause threshold on the way.

The change adopts a new version (its difference names exactly that field) which is signed off;
the version the physician opened keeps its 180 mmHg threshold and stays unsigned.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.identity.access import Role
from tests.e2e.browser.conftest import LiveServer, SignedIn

pytestmark = pytest.mark.browser

SBP_PAUSE = "monitoring.alert_rules[bp-systolic-pause]"
THRESHOLD = f"{SBP_PAUSE}.threshold"
LEFT_OPEN = "series.min_hours_between"


def confirm_all_but(page: Page, skip: set[str]) -> None:
    boxes = page.locator('input[name="confirm"]')
    for index in range(boxes.count()):
        box = boxes.nth(index)
        if box.get_attribute("value") in skip:
            box.uncheck()
        else:
            box.check()


def test_physician_changes_the_sbp_pause_threshold_while_signing_off(
    live_server: LiveServer, signed_in: SignedIn
) -> None:
    [base] = live_server.services.protocols.publish(
        live_server.clinic.id, [shipped_protocol("adult-iv-induction")]
    )
    page = signed_in(Role.PHYSICIAN)
    page.get_by_role("link", name="Protocols").click()
    row = page.locator(f'tr[data-version-id="{base.id}"]')
    expect(row).to_contain_text("needs sign-off")
    row.get_by_role("link", name="Adult IV ketamine induction", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(base.title)
    page.get_by_role("link", name="Sign off this version").click()

    page.get_by_label(THRESHOLD, exact=True).fill("170")
    confirm_all_but(page, {SBP_PAUSE, LEFT_OPEN})
    page.get_by_role("button", name="Sign off").click()
    expect(page.locator(f'[id="ce-{LEFT_OPEN}"]')).to_contain_text(
        "confirm this default or change it"
    )
    expect(page.get_by_label(THRESHOLD, exact=True)).to_have_value("170")

    page.get_by_label(f"Confirm {LEFT_OPEN}", exact=True).check()
    page.get_by_role("button", name="Sign off").click()
    page.wait_for_url(re.compile(rf"/protocols/\d+\?signed=1&from={base.id}$"))
    expect(page.get_by_role("status")).to_contain_text("Adult IV ketamine induction 1.1.1")
    changed = page.locator("table[aria-label='Field changes'] tr[data-path]")
    expect(changed).to_have_count(3)
    paths = [changed.nth(i).get_attribute("data-path") for i in range(3)]
    assert [p for p in paths if p not in {"version", "base"}] == [THRESHOLD]
    expect(page.locator(f'tr[data-path="{THRESHOLD}"]')).to_contain_text("180")
    expect(page.locator(f'tr[data-path="{THRESHOLD}"]')).to_contain_text("170")
    expect(page.get_by_role("cell", name="systolic BP 170 mmHg or above")).to_be_visible()

    page.get_by_role("link", name="All protocols").click()
    rows = page.locator("tr[data-version-id]")
    expect(rows).to_have_count(2)
    expect(page.locator(f'tr[data-version-id="{base.id}"]')).to_contain_text("needs sign-off")
    adopted = page.locator("tr[data-version-id]").filter(has_text="1.1.1")
    expect(adopted).to_contain_text("signed off")
    expect(adopted).to_contain_text("Adult IV ketamine induction 1.1.0")  # adopted from

    page.goto(f"/protocols/{base.id}")
    expect(page.get_by_role("cell", name="systolic BP 180 mmHg or above")).to_be_visible()
    expect(page.get_by_role("cell", name="systolic BP 170 mmHg or above")).to_have_count(0)
