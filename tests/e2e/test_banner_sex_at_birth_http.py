"""The patient banner names the sex at birth in plain words beside the date of birth and age, on
the banner panel and on the pages that carry it; an unknown one reads "not recorded"."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from tests.conftest import World
from tests.e2e.conftest import web_login


def _sex(page: str) -> str:
    banner = page.split('id="patient-banner"', 1)[1].split("</aside>", 1)[0]
    return banner.split('data-field="sex-at-birth">', 1)[1].split("</span>", 1)[0]


@pytest.mark.parametrize(
    ("sex", "words"),
    [
        (SexAtBirth.FEMALE, "female"),
        (SexAtBirth.MALE, "male"),
        (SexAtBirth.INTERSEX, "intersex"),
        (SexAtBirth.UNKNOWN, "not recorded"),
    ],
)
def test_the_banner_names_the_sex_at_birth(
    client: TestClient, world: World, sex: SexAtBirth, words: str
) -> None:
    patient = world.services.patients.register(
        world.actor(Role.FRONT_DESK),
        PatientDetails("Rowan", "Demo-Elm", date(1984, 4, 4), sex),
    )
    web_login(client, world, Role.NURSE)
    panel = client.get(f"/patients/{patient.id}/panels/banner")
    assert panel.status_code == 200
    assert _sex(panel.text) == words
    first_line = panel.text.split("<p>", 1)[1].split("</p>", 1)[0]
    assert "sex at birth" in first_line and 'data-field="age"' in first_line
    chart = client.get(f"/patients/{patient.id}")
    assert _sex(chart.text) == words
