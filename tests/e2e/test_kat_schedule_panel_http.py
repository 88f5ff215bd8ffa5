"""The chart's schedule panel of a KAT course in induction, as the front desk sees it.

A coaching appointment is listed on its own (never as an induction session), and the front desk
is still offered the protocol's induction series (kat-holistic: three experiential sessions),
booked through the same service as the adult IV series (``ScheduleService.book_series``).
"""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.integration.plans import NoteKind
from ketaclinic.domain.patients.course import CourseState
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.kat_dosing import kat_course


def test_a_kat_course_in_induction_offers_its_series_and_lists_coaching_apart(
    client: TestClient, world: World
) -> None:
    setup = kat_course(world)
    coach = world.actor(Role.COACH)
    with world.services.uow() as uow:
        room = uow.clinics.add_chair(world.clinic.id, "Coaching room", ())
        uow.commit()
    start = world.clock.now() + timedelta(days=1)
    world.services.coaching_bookings.book(
        coach,
        setup.course_id,
        NoteKind.PREPARATORY,
        start,
        50,
        room_id=room,
        coach_id=coach.staff_id,
    )
    world.services.courses.move(world.actor(Role.PHYSICIAN), setup.course_id, CourseState.INDUCTION)
    web_login(client, world, Role.FRONT_DESK)
    panel = client.get(f"/patients/{setup.patient_id}/panels/schedule").text
    coaching = panel.split(f'id="coaching-h-{setup.course_id}"', 1)[1].split("</table>", 1)[0]
    assert "Coaching appointments" in coaching and 'data-kind="coaching"' in coaching
    assert "Induction series" not in panel and "Maintenance boosters" not in panel
    assert f'id="book-series-{setup.course_id}"' in panel
    assert "No dosing session booked." in panel
    assert f'action="/courses/{setup.course_id}/series"' in panel
