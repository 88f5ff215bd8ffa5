"""Pages name protocols and instruments as people call them: the protocol list and a version's
page read "Adult IV ketamine induction 1.1.0", a chart's course panel reads the pack's title and
version, and a session's scale choices read "CADSS-6"; the codes stay in links and data
attributes (the browser tier's plain-text check reads the same list of codes)."""

from __future__ import annotations

from html.parser import HTMLParser

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.entrypoints.app import create_app
from tests.conftest import World
from tests.e2e.browser.plain_text import CODE, internal_codes
from tests.e2e.conftest import web_login
from tests.e2e.test_bedside_vitals_http import _infusing
from tests.e2e.test_protocol_pages import publish_all
from tests.integration.test_session_workflow import make_day


class _Visible(HTMLParser):
    """The text a person reads: outside ``<details>``, ``data-technical`` and non-text elements
    (as the browser tier's ``VISIBLE_TEXT_JS``)."""

    SKIP = frozenset({"details", "script", "style", "svg", "title", "template", "noscript"})
    VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "col", "wbr", "source"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []  # per open element: skipped (itself or inside a skipped one)
        self.lines: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        technical = any(name == "data-technical" for name, _ in attrs)
        self.stack.append(bool(self.stack and self.stack[-1]) or tag in self.SKIP or technical)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]) and data.strip():
            self.lines.append(data)


def _codes_shown(html: str) -> set[str]:
    """Internal codes in the text a person reads."""
    parser = _Visible()
    parser.feed(html)
    return {c for line in parser.lines for c in CODE.findall(line)} & internal_codes()


def test_protocol_pages_name_each_version(client: TestClient, world: World) -> None:
    adult = publish_all(world)["adult-iv-induction"]
    web_login(client, world, Role.PHYSICIAN)
    listing = client.get("/protocols").text
    assert 'data-protocol-id="adult-iv-induction">Adult IV ketamine induction</a>' in listing
    assert _codes_shown(listing) == set()
    version = client.get(f"/protocols/{adult}").text
    assert 'data-ref="adult-iv-induction@1.1.0">Adult IV ketamine induction 1.1.0<' in version
    assert _codes_shown(version) == set()


def test_a_session_and_its_patients_course_panel_name_scales_and_protocols(world: World) -> None:
    day = make_day(world)
    _infusing(day)
    with TestClient(create_app(services=world.services)) as client:
        web_login(client, world, Role.NURSE)
        session = client.get(f"/sessions/{day.session_id}").text
        panel = client.get(f"/patients/{day.setup.patient_id}/panels/courses").text
    assert '<option value="cadss6">CADSS-6</option>' in session
    assert "CADSS-6 at 40 min" in session
    assert 'data-ref="adult-iv-induction@1.1.0">Adult IV ketamine induction' in panel
    assert _codes_shown(session) == set() and _codes_shown(panel) == set()
