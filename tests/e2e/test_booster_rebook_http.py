"""A maintenance booster that was cancelled or missed is booked again by whoever books boosters,
through the one booking path (the stored plan's window), and the dropped booking stays in the
history with why. Dropping a booster moves nothing else (boosters are not a series to re-plan);
only a role that may change appointments drops one."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.scheduling.booking import Booking, BookingKind, BookingStatus
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.integration.test_outcome_service import reassess, responder_in_reassessment
from tests.integration.test_outcome_service_boosters import clinic_with_chairs


def _course_with_booster_1(world: World, client: TestClient) -> tuple[int, int]:
    clinic_with_chairs(world)
    _, course_id = responder_in_reassessment(world)
    reassess(world, course_id, 8)
    world.services.maintenance.store(
        world.actor(Role.PHYSICIAN), course_id, world.clock.now().date(), []
    )
    booked = client.post(
        f"/api/v1/schedule/courses/{course_id}/boosters/1",
        headers=bearer(client, world, Role.FRONT_DESK),
    )
    assert booked.status_code == 201, booked.text
    (first,) = world.services.boosters.booked(world.actor(Role.FRONT_DESK), course_id)
    return course_id, first.id


def _boosters(world: World, course_id: int) -> list[Booking]:
    with world.services.uow() as uow:
        found = uow.schedule.for_course(world.clinic.id, course_id)
    return sorted((b for b in found if b.kind is BookingKind.BOOSTER), key=lambda b: b.id)


def test_a_cancelled_booster_is_booked_again_and_the_cancelled_one_is_kept(
    client: TestClient, world: World
) -> None:
    course_id, first_id = _course_with_booster_1(world, client)
    csrf = web_login(client, world, Role.FRONT_DESK)
    patient_id = _boosters(world, course_id)[0].patient_id
    panel = client.get(f"/patients/{patient_id}/panels/schedule").text
    boosters = panel.split('<h4 id="boosters-h-', 1)[1]
    assert f'action="/appointments/{first_id}/drop"' in boosters
    dropped = client.post(
        f"/appointments/{first_id}/drop",
        data={"csrf_token": csrf, "why": "cancelled", "reason": "patient unwell"},
    )
    assert dropped.status_code == 200, dropped.text[:500]
    result = dropped.text.split('id="replan-result"', 1)[1].split("</p>", 1)[0]
    assert "Booster 1 cancelled (kept in the history)" in result, result
    assert "book it again from the booster plan" in result

    again = client.post(
        f"/courses/{course_id}/boosters", data={"csrf_token": csrf, "booster_number": "1"}
    )
    assert again.status_code == 200, again.text[:500]
    history = _boosters(world, course_id)
    assert [(b.session_number, b.status) for b in history] == [
        (1, BookingStatus.CANCELLED),
        (1, BookingStatus.PROPOSED),
    ]
    assert history[0].id == first_id and history[0].note == "cancelled: patient unwell"


def test_a_missed_booster_is_recorded_through_the_api_and_booked_again(
    client: TestClient, world: World
) -> None:
    course_id, first_id = _course_with_booster_1(world, client)
    desk = bearer(client, world, Role.FRONT_DESK)
    missed = client.post(
        f"/api/v1/schedule/appointments/{first_id}/drop",
        headers=desk,
        json={"why": "missed", "reason": "did not come"},
    )
    assert missed.status_code == 200, missed.text
    assert missed.json()["status"] == "not_needed"
    again = client.post(f"/api/v1/schedule/courses/{course_id}/boosters/1", headers=desk)
    assert again.status_code == 201, again.text
    history = _boosters(world, course_id)
    assert [b.status for b in history] == [BookingStatus.MISSED, BookingStatus.PROPOSED]


def test_a_nurse_or_coach_cannot_drop_a_booster(client: TestClient, world: World) -> None:
    course_id, first_id = _course_with_booster_1(world, client)
    for role in (Role.NURSE, Role.COACH):
        refused = client.post(
            f"/api/v1/schedule/appointments/{first_id}/drop",
            headers=bearer(client, world, role),
            json={"why": "cancelled", "reason": "x"},
        )
        assert refused.status_code == 403, (role, refused.text)
    assert [b.status for b in _boosters(world, course_id)] == [BookingStatus.PROPOSED]
