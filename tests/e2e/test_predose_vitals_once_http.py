"""Baseline vital signs are entered once: the pre-dose checklist's BP, heart rate and SpO2 are
stored as the session's readings through the vital-signs pipeline (source "by hand", the nurse
who entered them), so the latest values, the readings table and the alert rules see them without
a second entry on the vital signs form; the readings table lists them once, as pre-dose."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.integration.test_session_workflow import CHECK_IN, _pre_dose, _premed_and_iv, make_day


def _rows(page: str) -> list[str]:
    sheet = page.split('id="vitals-flowsheet"', 1)[1].split("</table>", 1)[0]
    return [r.split("</tr>", 1)[0] for r in sheet.split("<tr data-source=")[1:]]


def test_the_checklist_baseline_is_the_sessions_predose_vitals(
    client: TestClient, world: World
) -> None:
    day = make_day(world)
    nurse = world.actor(Role.NURSE)
    day.flow.check_in(nurse, day.session_id, CHECK_IN)
    _premed_and_iv(day)
    csrf = web_login(client, world, Role.NURSE)
    assert world.services.alarms.readings(nurse, day.session_id) == []
    sent = client.post(
        f"/sessions/{day.session_id}/steps/pre-dose",
        data={"csrf_token": csrf, **_pre_dose(day)},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:500]
    readings = world.services.alarms.readings(nurse, day.session_id)
    values = {r.reading.parameter: r.reading.value for r in readings}
    assert values == {
        Parameter.SBP: Decimal(128),
        Parameter.DBP: Decimal(82),
        Parameter.HR: Decimal(74),
        Parameter.SPO2: Decimal(98),
    }
    assert {r.reading.source for r in readings} == {ReadingSource.STAFF}
    assert all(r.plausible for r in readings)
    page = client.get(f"/sessions/{day.session_id}").text
    latest = page.split('id="latest-vitals"', 1)[1].split("</table>", 1)[0]
    sbp = latest.split('<tr data-vital="sbp">', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", sbp)[:2] == ["Systolic BP", "128 mmHg"]
    [row] = _rows(page)  # once, not again as the checklist's own row
    assert row.startswith('"staff" data-phase="pre-dose"'), row
    cells = dict(re.findall(r'<td data-param="(\w+)"[^>]*>([^<]*)</td>', row))
    assert cells == {"sbp": "128", "dbp": "82", "hr": "74", "spo2": "98", "rr": "–", "temp": "–"}
    record = page.split('id="session-record"', 1)[1]
    assert "Readings stored" not in record and "readings_stored" not in record


def test_a_recheck_stays_on_its_own_row_beside_the_stored_baseline(
    client: TestClient, world: World
) -> None:
    day = make_day(world)
    nurse = world.actor(Role.NURSE)
    day.flow.check_in(nurse, day.session_id, CHECK_IN)
    _premed_and_iv(day)
    csrf = web_login(client, world, Role.NURSE)
    rechecked = _pre_dose(
        day, sbp_mmhg="186", dbp_mmhg="96", recheck_sbp_mmhg="172", recheck_dbp_mmhg="90"
    )
    sent = client.post(
        f"/sessions/{day.session_id}/steps/pre-dose",
        data={"csrf_token": csrf, **rechecked},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:500]
    readings = world.services.alarms.readings(nurse, day.session_id)
    assert sorted(r.reading.value for r in readings if r.reading.parameter is Parameter.SBP) == [
        Decimal(186)
    ]
    page = client.get(f"/sessions/{day.session_id}").text
    phases = [r.split('data-phase="', 1)[1].split('"', 1)[0] for r in _rows(page)]
    assert sorted(phases) == ["pre-dose", "pre-dose recheck"]


def test_vitals_entered_by_hand_just_before_fill_the_checklist_and_are_not_stored_twice(
    client: TestClient, world: World
) -> None:
    """The nurse enters vital signs on the vital signs form, then opens the pre-dose checklist:
    it offers those values (said so on the page); confirmed unchanged they stay one reading each,
    and a value changed on the checklist is stored as a new reading."""
    day = make_day(world)
    nurse = world.actor(Role.NURSE)
    day.flow.check_in(nurse, day.session_id, CHECK_IN)
    _premed_and_iv(day)
    csrf = web_login(client, world, Role.NURSE)
    hand = {"sbp_mmhg": "128", "dbp_mmhg": "82", "hr_per_min": "74", "spo2_pct": "98"}
    sent = client.post(
        f"/sessions/{day.session_id}/vitals",
        data={"csrf_token": csrf, **hand},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:500]
    world.clock.advance(minutes=3)
    page = client.get(f"/sessions/{day.session_id}").text
    form = page.split('id="step-pre-dose"', 1)[1].split("</form>", 1)[0]
    assert 'id="pre-dose-from-vitals"' in form
    for name, value in hand.items():
        assert f'id="pre-dose-{name}" name="{name}" type="text" value="{value}"' in form, name
    done = client.post(
        f"/sessions/{day.session_id}/steps/pre-dose",
        data={"csrf_token": csrf, **_pre_dose(day, hr_per_min="76")},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[:500]
    readings = world.services.alarms.readings(nurse, day.session_id)
    counts = {p: [r.reading.value for r in readings if r.reading.parameter is p] for p in Parameter}
    assert counts[Parameter.SBP] == [Decimal(128)]  # confirmed: not stored again
    assert counts[Parameter.SPO2] == [Decimal(98)]
    assert sorted(counts[Parameter.HR]) == [Decimal(74), Decimal(76)]  # changed: a new reading
