"""Chairs, nurses and coaches cannot be double-booked by racing requests (ASVS V1.11 / V11.1).

Real concurrent HTTP requests through the app (threads released together by a barrier) on SQLite
and PostgreSQL, each race repeated; afterwards a SQL check over ``appointments`` finds no two
active appointments sharing a chair, or a nurse's set-up, at the same time. On PostgreSQL the
database itself refuses an overlap even from a writer that skips the schedule lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from ketaclinic.domain.errors import Conflict
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.scheduling.booking import BookingStatus, NewBooking
from ketaclinic.entrypoints.app import create_app
from tests.conftest import World
from tests.e2e.conftest import bearer
from tests.e2e.test_security_data_races import REPEAT, race
from tests.schedule_world import Booked, schedule_world

pytestmark = pytest.mark.both_backends  # the outcome depends on the backend

CHAIR_OVERLAPS = """
SELECT count(*) FROM appointments a JOIN appointments b
  ON a.clinic_id = b.clinic_id AND a.chair_id = b.chair_id AND a.id < b.id
 AND a.start_at < b.end_at AND b.start_at < a.end_at
WHERE a.status IN ('proposed', 'confirmed') AND b.status IN ('proposed', 'confirmed')
"""
SETUP_OVERLAPS = """
SELECT count(*) FROM appointment_resources a JOIN appointment_resources b
  ON a.clinic_id = b.clinic_id AND a.resource = b.resource AND a.resource_id = b.resource_id
 AND a.id < b.id AND a.start_at < b.end_at AND b.start_at < a.end_at
"""


@pytest.fixture
def booked(world: World) -> Booked:
    found = schedule_world(world, chairs=3, patients=3)
    world.services.schedule, world.services.replans = found.schedule, found.replans
    return found


@pytest.fixture
def api(world: World, booked: Booked) -> Iterator[TestClient]:
    with TestClient(create_app(services=world.services)) as c:
        yield c


def overlaps(world: World) -> tuple[int, int]:
    with world.services.engine.connect() as conn:
        chairs = int(conn.execute(text(CHAIR_OVERLAPS)).scalar_one())
        staff = int(conn.execute(text(SETUP_OVERLAPS)).scalar_one())
    return chairs, staff


@pytest.mark.parametrize("attempt", REPEAT)
def test_two_racing_series_bookings_of_one_course_give_201_and_409(
    api: TestClient, world: World, booked: Booked, attempt: int
) -> None:
    desk, other = bearer(api, world, Role.FRONT_DESK), bearer(api, world, Role.ADMIN)
    url = f"/api/v1/schedule/courses/{booked.courses[0].id}/series"
    responses = race(lambda: api.post(url, headers=desk), lambda: api.post(url, headers=other))
    assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
    refused = next(r for r in responses if r.status_code == 409).json()
    assert refused["field"] == "course_id" and "already" in refused["detail"]
    assert overlaps(world) == (0, 0)


@pytest.mark.parametrize("attempt", REPEAT)
def test_racing_series_bookings_of_different_patients_never_overlap(
    api: TestClient, world: World, booked: Booked, attempt: int
) -> None:
    who = [bearer(api, world, role) for role in (Role.FRONT_DESK, Role.ADMIN, Role.PHYSICIAN)]
    urls = [f"/api/v1/schedule/courses/{c.id}/series" for c in booked.courses]
    calls = [lambda u=u, h=h: api.post(u, headers=h) for u, h in zip(urls, who, strict=True)]  # type: ignore[misc]
    responses = race(*calls)
    assert {r.status_code for r in responses} <= {201, 409}, [r.text for r in responses]
    assert 201 in {r.status_code for r in responses}
    assert overlaps(world) == (0, 0)


def _confirmed_first_sessions(api: TestClient, world: World, booked: Booked) -> list[dict]:  # type: ignore[type-arg]
    desk = bearer(api, world, Role.FRONT_DESK)
    firsts = []
    for course in booked.courses[:2]:
        made = api.post(f"/api/v1/schedule/courses/{course.id}/series", headers=desk)
        assert made.status_code == 201, made.text
        done = api.post(f"/api/v1/schedule/courses/{course.id}/series/confirm", headers=desk)
        firsts.append(min(done.json(), key=lambda b: str(b["start_at"])))
    return firsts


@pytest.mark.parametrize("attempt", REPEAT)
def test_two_racing_manual_moves_onto_one_chair_give_200_and_409(
    api: TestClient, world: World, booked: Booked, attempt: int
) -> None:
    first, second = _confirmed_first_sessions(api, world, booked)
    # each keeps its time (minutes apart, hours long) and asks for the same third chair
    chairs = world.services.calendar.directory(world.actor(Role.ADMIN)).chairs
    free = next(c.id for c in chairs if c.id not in {first["chair_id"], second["chair_id"]})
    # two people, two tokens: nothing about sign-in serialises the two requests
    desk, other = bearer(api, world, Role.FRONT_DESK), bearer(api, world, Role.ADMIN)

    def move(booking: dict, headers: dict[str, str]) -> object:  # type: ignore[type-arg]
        body = {"start_at": booking["start_at"], "chair_id": free, "reason": "chair swap"}
        return lambda: api.post(
            f"/api/v1/schedule/appointments/{booking['id']}/move", headers=headers, json=body
        )

    responses = race(move(first, desk), move(second, other))  # type: ignore[arg-type]
    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    assert overlaps(world) == (0, 0)


@pytest.mark.parametrize("migrated_engine", ["postgres"], indirect=True)
def test_the_database_refuses_an_overlap_from_a_writer_that_skips_the_lock(
    world: World, booked: Booked
) -> None:
    """Defence in depth (PostgreSQL): the exclusion constraint refuses the second booking at
    commit (409). SQLite writers are serial, so the solver and move checks see every row."""
    proposal = booked.schedule.book_series(world.actor(Role.FRONT_DESK), booked.courses[0].id)
    taken = proposal.bookings[0]
    later = timedelta(minutes=15)
    other = booked.courses[1]
    clash = NewBooking(
        other.id,
        other.patient_id,
        taken.chair_id,
        taken.nurse_id,
        taken.start_at + later,
        taken.end_at + later,
        taken.kind,
        BookingStatus.PROPOSED,
        1,
        taken.shape,
    )
    with pytest.raises(Conflict, match="double-booked"), world.services.uow() as uow:
        uow.schedule.add_bookings(world.clinic.id, [clash], at=world.clock.now())
        uow.commit()
    assert overlaps(world) == (0, 0)
