"""The patient list shows at most 50 patients and says so plainly when more match, instead of
silently leaving the rest out."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from tests.conftest import World
from tests.e2e.conftest import web_login

NOTICE = 'data-field="more-patients"'


def register(world: World, count: int, family: str) -> None:
    desk = world.actor(Role.FRONT_DESK)
    for n in range(count):
        given = "Ash" + "".join("abcdefghij"[int(d)] for d in f"{n:02d}")
        details = PatientDetails(given, family, date(1980, 1, 1 + n % 28), SexAtBirth.MALE)
        world.services.patients.register(desk, details)


def rows(page: str) -> int:
    table = page.split('aria-label="Patients found"', 1)[1].split("</tbody>", 1)[0]
    return table.count('<a href="/patients/')


def test_more_than_fifty_matches_are_cut_short_with_a_notice(
    client: TestClient, world: World
) -> None:
    register(world, 51, "Demo-Listlimit")
    web_login(client, world, Role.FRONT_DESK)
    page = client.get("/patients", params={"q": "Demo-Listlimit"})
    assert page.status_code == 200
    assert rows(page.text) == 50
    assert NOTICE in page.text and "only the first 50 are listed" in page.text


def test_fifty_matches_or_fewer_need_no_notice(client: TestClient, world: World) -> None:
    register(world, 50, "Demo-Listfits")
    web_login(client, world, Role.FRONT_DESK)
    page = client.get("/patients", params={"q": "Demo-Listfits"})
    assert rows(page.text) == 50
    assert NOTICE not in page.text
