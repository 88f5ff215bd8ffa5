"""The dissociation checks of a session follow its route: a KAT dose by intramuscular injection is
checked on the IM time course of the kat-holistic pack (15 and 60 min after the start of
dosing), never on an IV infusion's (40 and 90 min); an adult IV infusion keeps its own 40 min."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import web_login
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
