"""Pages read in local clinic time and plain words: the schedule's day and week headings, the
series table ("Mon 7 Dec 2026 08:00", with the ISO time only in ``<time datetime>``), the coach's
sessions of the day by their protocol name (never a row id), and the patient list's dates of
birth. A machine-readable date stays in attributes and addresses only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.scheduling.booking import Booking
from ketaclinic.entrypoints.app import create_app
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.schedule_world import Booked, schedule_world

CHICAGO = ZoneInfo("America/Chicago")
ISO_DAY = re.compile(r"\d{4}-\d\d-\d\d")
HUMAN_TIME = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d$")


def visible(html: str) -> str:
    """The text a person reads: tags (with their attributes), scripts and styles removed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def booked(world: World) -> Booked:
    found = schedule_world(world)
    world.services.schedule, world.services.replans = found.schedule, found.replans
    return found


@pytest.fixture
def client(world: World, booked: Booked) -> Iterator[TestClient]:
    with TestClient(create_app(services=world.services)) as c:
        yield c


def _series(world: World, booked: Booked, client: TestClient) -> list[Booking]:
    csrf = web_login(client, world, Role.FRONT_DESK)
    course = booked.courses[0]
    assert client.post(f"/courses/{course.id}/series", data={"csrf_token": csrf}).is_success
    assert client.post(f"/courses/{course.id}/series/confirm", data={"csrf_token": csrf}).is_success
    series = sorted(
        booked.schedule.series_of_patient(world.actor(Role.NURSE), course.patient_id),
        key=lambda b: b.start_at,
    )
    world.clock.current = series[0].start_at - timedelta(minutes=30)
    return series


def test_schedule_headings_and_the_series_table_read_in_local_words(
    world: World, booked: Booked, client: TestClient
) -> None:
    series = _series(world, booked, client)
    first = series[0].start_at.astimezone(CHICAGO)
    day = client.get(f"/schedule?day={first.date().isoformat()}")
    assert day.status_code == 200
    heading = f"Schedule · {first:%A %-d %B %Y}"
    assert heading in visible(day.text)
    assert f'<time datetime="{first.date().isoformat()}">' in day.text
    week = client.get(f"/schedule/week?start={first.date().isoformat()}")
    assert f"Week of {first:%A %-d %B %Y}" in visible(week.text)
    for page in (day, week):
        shown = visible(page.text)
        assert not ISO_DAY.search(shown), ISO_DAY.findall(shown)

    panel = client.get(f"/patients/{series[0].patient_id}/panels/schedule")
    assert panel.status_code == 200
    cells = re.findall(r'<td class="when"><time datetime="([^"]+)">([^<]+)</time>', panel.text)
    assert len(cells) == len(series)
    for booking, (machine, human) in zip(series, cells, strict=True):
        local = booking.start_at.astimezone(CHICAGO)
        assert machine == f"{local:%Y-%m-%dT%H:%M}"
        assert human == f"{local:%a %-d %b %Y %H:%M}" and HUMAN_TIME.match(human)
    shown = visible(panel.text)
    assert not ISO_DAY.search(shown), ISO_DAY.findall(shown)
    assert "Induction series" in shown and "Maintenance boosters" not in shown
    assert "Confirmed" in shown and "confirmed" not in shown.replace("Confirm series", "")


def test_patient_search_shows_dates_of_birth_in_words(
    world: World, booked: Booked, client: TestClient
) -> None:
    web_login(client, world, Role.FRONT_DESK)
    patient = world.services.patients.chart(
        world.actor(Role.NURSE), booked.courses[0].patient_id
    ).patient
    found = client.get("/patients", params={"q": patient.details.family_name})
    assert found.status_code == 200
    born = patient.details.date_of_birth
    assert f'<time datetime="{born.isoformat()}">{born:%-d %b %Y}</time>' in found.text
    results = found.text.split("<table", 1)[1].split("</table>", 1)[0]
    assert not ISO_DAY.search(visible(results))
