"""The dissociation checks of a session follow its route: a KAT dose by intramuscular injection is
checked on the IM time course of the kat-holistic pack (15 and 60 min after the start of
dosing), never on an IV infusion's (40 and 90 min); an adult IV infusion keeps its own 40 min."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.e2e.test_bedside_vitals_http import _infusing
from tests.integration.test_session_workflow import make_day
from tests.kat_dosing import dosed_kat_session


def _scale_times(page: str) -> str:
    return page.split('id="scale-times"', 1)[1].split("</p>", 1)[0]


def test_a_kat_im_session_shows_the_im_dissociation_times(client: TestClient, world: World) -> None:
    dose = dosed_kat_session(world)  # an intramuscular dose, dosing now
    web_login(client, world, Role.PHYSICIAN)
    page = client.get(f"/sessions/{dose.session_id}")
    assert page.status_code == 200, page.text[:500]
    times = _scale_times(page.text)
    assert "for this route, Intramuscular (IM)" in times
    assert 'data-scale="cadss6" data-minutes="15,60"' in times
    assert "at 15, 60 min after the start of dosing" in times
    assert "40" not in times and "90" not in times  # not the IV infusion's time course


def test_an_iv_infusion_keeps_its_own_dissociation_time(client: TestClient, world: World) -> None:
    day = make_day(world)
    _infusing(day)
    web_login(client, world, Role.NURSE)
    times = _scale_times(client.get(f"/sessions/{day.session_id}").text)
    assert 'data-scale="cadss6" data-minutes="40"' in times
    assert "Intravenous (IV)" in times


def test_a_score_for_a_minute_not_yet_reached_is_refused_on_the_minute(
    client: TestClient, world: World
) -> None:
    """The coach records the 60-minute CADSS-6 two minutes into an IM dose: refused on the
    minute field naming scale.minute_not_reached, through the API and the page, nothing stored;
    once the hour has come (or within five minutes of it) the score is kept."""
    sid = dosed_kat_session(world).session_id
    world.clock.advance(minutes=2)
    body = {"instrument": "cadss6", "total": "6", "minute": "60"}
    auth = bearer(client, world, Role.COACH)
    url = f"/api/v1/sessions/{sid}/steps/score"
    early = client.post(url, headers=auth, json=body)
    assert early.status_code == 422, early.text
    assert early.json()["fields"]["minute"].startswith(
        "scale.minute_not_reached: minute 60 of dosing is not reached yet"
    )
    csrf = web_login(client, world, Role.COACH)
    page = client.post(f"/sessions/{sid}/steps/score", data={**body, "csrf_token": csrf})
    assert page.status_code == 422 and "minute 60 of dosing is not reached yet" in page.text
    record = client.get(f"/api/v1/sessions/{sid}/record", headers=auth).json()
    assert not [r for r in record["records"] if r["kind"] == "scale"]
    world.clock.advance(minutes=54)  # 56 minutes in: within five minutes of the hour
    auth = bearer(client, world, Role.COACH)
    kept = client.post(url, headers=auth, json=body)
    assert kept.status_code == 200, kept.text
