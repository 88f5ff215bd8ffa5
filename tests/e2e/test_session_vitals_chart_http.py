"""The session page draws the session's vital signs over time once there are two reading times:
the blood pressure and heart rate chart and the SpO2 chart, each an ``img`` with its title, its
text alternative, the dosing window and the alarm raised, pointing to the readings table."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.entrypoints.app import create_app
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.e2e.test_bedside_vitals_http import RECOVERY_VITALS, _infusing
from tests.integration.test_session_workflow import Day, make_day


@pytest.fixture
def day(world: World) -> Day:
    return make_day(world)


@pytest.fixture
def nurse(world: World, day: Day) -> Iterator[tuple[TestClient, str]]:
    with TestClient(create_app(services=world.services)) as c:
        yield c, web_login(c, world, Role.NURSE)


def test_the_session_page_charts_hand_entered_vitals_from_the_second_reading(
    world: World, day: Day, nurse: tuple[TestClient, str]
) -> None:
    client, csrf = nurse
    _infusing(day)
    url = f"/sessions/{day.session_id}"

    def record(values: dict[str, str]) -> None:
        sent = client.post(
            f"{url}/vitals", data={"csrf_token": csrf, **values}, follow_redirects=False
        )
        assert sent.status_code == 303, sent.text[:500]

    record(RECOVERY_VITALS)
    page = client.get(url)
    assert 'id="vitals-flowsheet"' in page.text and 'id="vitals-chart"' not in page.text
    world.clock.advance(minutes=10)
    record({**RECOVERY_VITALS, "sbp_mmhg": "212"})  # past the rule: an alarm is raised
    page = client.get(url)
    assert page.status_code == 200
    text = page.text
    assert 'id="vitals-chart"' in text
    assert 'aria-labelledby="chart-blood-pressure-and-heart-rate-title' in text
    assert 'aria-labelledby="chart-oxygen-saturation-title' in text and 'role="img"' in text
    assert "Systolic BP (mmHg):" in text and "212" in text
    assert 'class="span"' in text and "Dosing " in text  # the dosing window, to now
    assert 'class="marker" data-key="1"' in text  # the alarm raised at the second reading
    key = text[text.index('<ol class="alarm-key"') :]
    key = key[: key.index("</ol>")]
    assert '<li data-key="1">' in key and "212" in key and '<li data-key="2">' not in key
    assert 'href="#vitals-flowsheet"' in text
