"""Reaching a section of the patient chart as a clinician does: open the chart, pick the tab."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from ketaclinic.entrypoints.web.navigation import CHART_PANELS, DEFAULT_SECTION

TITLES = {panel.id: panel.title for panel in CHART_PANELS} | {"details": "Details"}
KAT_TITLES = TITLES | {panel.id: panel.title_for(kat=True) for panel in CHART_PANELS}


def open_chart(
    page: Page, patient_id: int, section: str = DEFAULT_SECTION, *, kat: bool = False
) -> None:
    """Open the patient's chart and, unless it is the first section, click that section's tab
    (titled in KAT words when the patient's course is KAT)."""
    page.goto(f"/patients/{patient_id}")
    if section != DEFAULT_SECTION:
        open_tab(page, section, kat=kat)


def open_tab(page: Page, section: str, *, kat: bool = False) -> None:
    """On a chart already open, click the tab of ``section`` and wait for its page."""
    title = (KAT_TITLES if kat else TITLES)[section]
    tabs = page.get_by_role("navigation", name="Chart sections")
    tabs.get_by_role("link", name=title, exact=True).click()
    page.wait_for_url(re.compile(rf"section={section}"))
    expect(tabs.get_by_role("link", name=title, exact=True)).to_have_attribute(
        "aria-current", "page"
    )
