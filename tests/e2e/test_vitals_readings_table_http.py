"""The session's readings table stays readable when a monitor sends twice a minute: it lists one
monitor row per five minutes and the latest, every value past an alert threshold (marked), and
links to every reading; the full table lists each stored row, so nothing stored is hidden for
good."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading
from ketaclinic.services.infusion.monitor_messages import VitalsBatch
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.e2e.test_bedside_vitals_http import _infusing
from tests.integration.test_session_workflow import make_day

SENDS = 60  # 30 minutes of a monitor sending every 30 s
SURGE_AT = 37  # one blood-pressure surge (bp-systolic-severe: 200 mmHg or above)


def _monitor_rows(page: str) -> list[str]:
    sheet = page.split('id="vitals-flowsheet"', 1)[1].split("</table>", 1)[0]
    rows = [r.split("</tr>", 1)[0] for r in sheet.split("<tr data-source=")[1:]]
    return [r for r in rows if r.startswith('"monitor"')]


def test_the_readings_table_thins_monitor_rows_and_keeps_every_value_out_of_range(
    client: TestClient, world: World
) -> None:
    day = make_day(world)
    _infusing(day)
    nurse = world.actor(Role.NURSE)
    for n in range(SENDS):
        world.clock.advance(seconds=30)
        at = world.clock.now()
        sbp = Decimal(206) if n == SURGE_AT else Decimal(120 + n % 7)
        readings = (
            VitalReading(Parameter.SBP, sbp, "mm[Hg]", at, ReadingSource.MONITOR),
            VitalReading(Parameter.HR, Decimal(72), "/min", at, ReadingSource.MONITOR),
            VitalReading(Parameter.SPO2, Decimal(98), "%", at, ReadingSource.MONITOR),
        )
        world.services.monitoring.ingest(nurse, VitalsBatch(readings, session_id=day.session_id))
    stored = world.services.alarms.readings(nurse, day.session_id)
    assert sum(r.reading.source is ReadingSource.MONITOR for r in stored) == 3 * SENDS
    web_login(client, world, Role.NURSE)
    page = client.get(f"/sessions/{day.session_id}").text
    summary = _monitor_rows(page)
    assert 6 <= len(summary) <= 9, len(summary)  # one per 5 min, the latest, the surge
    [surge] = [r for r in summary if "data-outside" in r]
    assert 'data-outside="sbp"' in surge
    assert re.search(r'<td data-param="sbp"[^>]*><strong [^>]*>206</strong></td>', surge)
    caption = page.split('id="vitals-flowsheet"', 1)[1].split("</caption>", 1)[0]
    assert "one every 5 min" in caption and "every value past an alert threshold" in caption
    total = SENDS + 1  # and the pre-dose checklist's readings
    assert f'id="readings-all">Show all {total} readings</a>' in caption
    assert f"/sessions/{day.session_id}?readings=all#vitals-flowsheet" in caption
    full = client.get(f"/sessions/{day.session_id}?readings=all").text
    assert len(_monitor_rows(full)) == SENDS  # every stored monitor row
    full_caption = full.split('id="vitals-flowsheet"', 1)[1].split("</caption>", 1)[0]
    assert f"every reading ({total})" in full_caption and 'id="readings-summary"' in full_caption
