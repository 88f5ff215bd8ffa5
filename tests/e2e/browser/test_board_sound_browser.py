"""The live board's alarm sound is on by default and can be muted for this browser only (the
choice survives a reload, not another browser)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ketaclinic.domain.identity.access import Role
from tests.e2e.browser.conftest import SignedIn

pytestmark = pytest.mark.browser


def test_sound_is_on_by_default_and_muted_per_browser(signed_in: SignedIn) -> None:
    page = signed_in(Role.NURSE)
    page.goto("/board")
    toggle = page.locator("#sound-toggle")
    expect(toggle).to_have_attribute("data-sound", "on")
    expect(toggle).to_have_text("Mute alarm sound on this browser")
    toggle.click()
    expect(toggle).to_have_attribute("data-sound", "muted")
    page.reload()
    expect(page.locator("#sound-toggle")).to_have_attribute("data-sound", "muted")
    other = signed_in(Role.NURSE)  # another browser (context): its own choice
    other.goto("/board")
    expect(other.locator("#sound-toggle")).to_have_attribute("data-sound", "on")
    page.locator("#sound-toggle").click()
    expect(page.locator("#sound-toggle")).not_to_have_attribute("data-sound", "muted")
