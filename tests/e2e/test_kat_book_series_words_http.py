"""A KAT course with nothing booked offers "Book KAT series" on the chart's schedule panel; an
IV course keeps "Book induction series" (``test_induction_offer_http``)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.course import CourseState
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.kat_dosing import kat_course


def test_a_kat_course_offers_to_book_its_kat_series(client: TestClient, world: World) -> None:
    setup = kat_course(world)
    world.services.courses.move(world.actor(Role.PHYSICIAN), setup.course_id, CourseState.INDUCTION)
    web_login(client, world, Role.FRONT_DESK)
    panel = client.get(f"/patients/{setup.patient_id}/panels/schedule").text
    button = panel.split(f'id="book-series-{setup.course_id}">', 1)[1].split("</button>", 1)[0]
    assert button == "Book KAT series"
