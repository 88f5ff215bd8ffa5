"""Journey records of KAT experiential sessions on SQLite and PostgreSQL: SL/IN/IM only, dose within
the route's protocol ceiling, attended by a role the pack names (kat-holistic: physician or coach;
seed 004), the set-and-setting checklist kept, and the reflection written in integration coaching.
A journey counts as the previous experiential session for the integration flag. A journey belongs
to the session whose dose passed the dose gate, with that order's route and dose."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketaclinic.domain.errors import PermissionDenied, ValidationFailed
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.integration.plans import JourneyInput, NoteKind
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.services.integration.plans import experiential_check
from tests.conftest import World
from tests.integration_world import signed_note
from tests.kat_dosing import dosed_kat_session


def _journey(world: World, role: Role, **change: object) -> JourneyInput:
    base = {
        "route": Route.IM, "dose_mg": Decimal("35"), "given_at": world.clock.now(),
        "attendant_id": world.actor(role).staff_id, "attendant_role": "",
        "setting": ("quiet_room", "eye_mask", "music", "blanket", "support_person"),
        "observations": "settled, synthetic",
    }  # fmt: skip
    return JourneyInput(**{**base, **change})  # type: ignore[arg-type]


def test_an_attended_im_journey_is_recorded_and_reflected_on(world: World) -> None:
    dose = dosed_kat_session(world)
    course_id = dose.setup.course_id
    physician, coach = world.actor(Role.PHYSICIAN), world.actor(Role.COACH)
    journey = _journey(world, Role.COACH, dose_mg=dose.order.content.dose_mg)
    rec = world.services.journeys.record(physician, course_id, journey, session_id=dose.session_id)
    assert rec.route is Route.IM and rec.session_id == dose.session_id and len(rec.setting) == 5
    with world.services.uow() as uow:
        course = uow.courses.get(world.clinic.id, course_id)
        assert course is not None
        assert experiential_check(uow, course).flags  # integration now due
    world.clock.advance(days=2)
    signed_note(world, course_id, NoteKind.INTEGRATION)
    reflected = world.services.journeys.reflect(coach, rec.id, "noticed warmth; synthetic")
    assert reflected.reflection == "noticed warmth; synthetic"
    with world.services.uow() as uow:
        assert experiential_check(uow, course).flags == ()
    with pytest.raises(PermissionDenied):
        world.services.journeys.reflect(world.actor(Role.NURSE), rec.id, "x")


@pytest.mark.parametrize(
    ("change", "role", "field"),
    [
        ({"route": Route.IV}, Role.COACH, "route"),
        ({"dose_mg": Decimal("0")}, Role.COACH, "dose_mg"),
        ({"dose_mg": Decimal("100000")}, Role.COACH, "dose_mg"),
        ({}, Role.NURSE, "attendant_id"),  # kat-holistic attendants: physician or coach
        ({"setting": ("disco_ball",)}, Role.COACH, "setting"),
    ],
)
def test_bad_journeys_are_refused_naming_the_field(
    world: World, change: dict[str, object], role: Role, field: str
) -> None:
    dose = dosed_kat_session(world)
    course_id = dose.setup.course_id
    change = {"dose_mg": dose.order.content.dose_mg, **change}
    with pytest.raises(ValidationFailed) as refused:
        world.services.journeys.record(
            world.actor(Role.PHYSICIAN),
            course_id,
            _journey(world, role, **change),
            session_id=dose.session_id,
        )
    assert field in refused.value.errors
    assert world.services.journeys.for_course(world.actor(Role.COACH), course_id) == []
