"""An alarm's "Why", on the board and in the session's alarm history, reads the sign-off of the
protocol version the session runs on (who signed it off, when, in the clinic's time) and the rule
in the same generated words as the alarm's reason; a version not signed off says so."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.alarm_why import AlarmWhy
from ketaclinic.entrypoints.web.rendering import templates
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.e2e.test_board_alarms_http import _handler
from tests.infusion_world import pcd01, running_sessions

REASON = "Systolic BP 200 mmHg or above: 1 reading (latest 212)"
RULE = "Rule bp-systolic-severe: systolic BP 200 mmHg or above, on 1 reading"


def _whys(html: str) -> list[str]:
    found = re.findall(r'<p class="meta" data-field="alarm-why">(.*?)</p>', html, re.S)
    return [re.sub(r"<[^>]+>", "", w) for w in found]


def test_the_why_names_who_signed_the_pack_off_and_when(client: TestClient, world: World) -> None:
    signed_at = world.clock.now()  # the world's pack is signed off as the sessions start
    [monitor] = running_sessions(world)
    _handler(world).handle(pcd01(monitor, "S1", world.clock.now(), sbp=212))
    local = signed_at.astimezone(ZoneInfo(world.clinic.timezone)).strftime("%a %-d %b %Y %H:%M")
    signed = f"was signed off by Test Physician, {local}"
    web_login(client, world, Role.NURSE)
    board = client.get("/board").text
    session = client.get(f"/sessions/{monitor.session.id}").text
    for page in (board, session):
        assert REASON in page
        (why,) = _whys(page)
        assert why.startswith(RULE) and "protocol default, confirmed when" in why
        assert signed in why and "needs sign-off" not in page
        assert ">=" not in why and "&gt;=" not in why


def _render(why: AlarmWhy | None, needs_signoff: bool = True) -> str:
    alarm = SimpleNamespace(
        rule_id="bp-systolic-severe",
        source="§4.3 source",
        needs_signoff=needs_signoff,
        triggering=(),
        raised_at=datetime(2026, 3, 2, 14, 5, tzinfo=UTC),
    )
    page = templates().env.from_string(
        '{% from "infusion/_alarm_why.html" import alarm_why with context %}{{ alarm_why(a, w) }}'
    )
    names = {42: "Dr Ana Weber"}
    return page.render(a=alarm, w=why, clinic_tz="Europe/Berlin", staff_name=names.get)


def _why(signed_at: datetime | None) -> AlarmWhy:
    return AlarmWhy(
        rule_id="bp-systolic-severe",
        rule="systolic BP 200 mmHg or above, on 1 reading",
        source="§4.3 source",
        default_needs_signoff=True,
        protocol_title="Adult IV induction",
        protocol_version="1.0.0",
        signed_off_by=42 if signed_at else None,
        signed_off_at=signed_at,
    )


def test_signed_and_unsigned_versions_read_their_own_state() -> None:
    (signed,) = _whys(_render(_why(datetime(2026, 3, 1, 9, 30, tzinfo=UTC))))
    assert signed.startswith(RULE)
    assert (
        "protocol default, confirmed when Adult IV induction 1.0.0 was signed off by "
        "Dr Ana Weber, Sun 1 Mar 2026 10:30" in signed
    )
    assert "needs sign-off" not in signed and "first raised 15:05" in signed
    (unsigned,) = _whys(_render(_why(None)))
    assert (
        "protocol default, needs sign-off: Adult IV induction 1.0.0 is not signed off" in unsigned
    )
    assert "signed off by" not in unsigned
