"""Journey records of KAT experiential sessions on SQLite and PostgreSQL: SL/IN/IM only, dose within
the route's protocol ceiling, attended by a role the pack names (kat-holistic: physician or coach;
seed 004), the set-and-setting checklist kept, and the reflection written in integration coaching.
A journey counts as the previous experiential session for the integration flag. A journey belongs
to the session whose dose passed the dose gate and takes that order's route and dose (none is
entered); one per session, enforced by a unique constraint, so a race ends in one Conflict."""

from __future__ import annotations

import pytest

from ketaclinic.domain.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    SafetyBlock,
    ValidationFailed,
)
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.integration.plans import GivenDose, JourneyInput, NoteKind
from ketaclinic.domain.protocols.sections import Route
from ketaclinic.services.integration.plans import experiential_check
from tests.conftest import World
from tests.integration_world import signed_note
from tests.kat_dosing import dosed_kat_session, ready_kat_session


def _journey(world: World, role: Role, session_id: int, **change: object) -> JourneyInput:
    setting = ("quiet_room", "eye_mask", "music", "blanket", "support_person")
    attendant = world.actor(role).staff_id
    assert attendant is not None
    base: dict[str, object] = {
        "session_id": session_id,
        "attendant_id": attendant,
        "attendant_role": "",
        "setting": setting,
        "observations": "settled, synthetic",
    }
    return JourneyInput(**{**base, **change})  # type: ignore[arg-type]


def test_an_attended_im_journey_takes_its_dose_from_the_session(world: World) -> None:
    dose = dosed_kat_session(world)
    course_id = dose.setup.course_id
    physician, coach = world.actor(Role.PHYSICIAN), world.actor(Role.COACH)
    journey = _journey(world, Role.COACH, dose.session_id)
    rec = world.services.journeys.record(physician, course_id, journey)
    assert rec.route is Route.IM and rec.session_id == dose.session_id and len(rec.setting) == 5
    assert rec.dose_mg == dose.order.content.dose_mg  # the verified order as given
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
        ({}, Role.NURSE, "attendant_id"),  # kat-holistic attendants: physician or coach
        ({"setting": ("disco_ball",)}, Role.COACH, "setting"),
    ],
)
def test_bad_journeys_are_refused_naming_the_field(
    world: World, change: dict[str, object], role: Role, field: str
) -> None:
    dose = dosed_kat_session(world)
    course_id = dose.setup.course_id
    with pytest.raises(ValidationFailed) as refused:
        world.services.journeys.record(
            world.actor(Role.PHYSICIAN),
            course_id,
            _journey(world, role, dose.session_id, **change),
        )
    assert field in refused.value.errors
    assert world.services.journeys.for_course(world.actor(Role.COACH), course_id) == []


def test_the_database_refuses_a_second_record_for_a_session(world: World) -> None:
    """Past the service's own check: the unique constraint alone turns a twin into a Conflict."""
    dose = dosed_kat_session(world)
    first = world.services.journeys.record(
        world.actor(Role.COACH), dose.setup.course_id, _journey(world, Role.COACH, dose.session_id)
    )
    given = GivenDose(first.route, first.dose_mg, first.given_at)
    with world.services.uow() as uow:
        course = uow.courses.get(world.clinic.id, dose.setup.course_id)
        assert course is not None
        twin = _journey(world, Role.COACH, dose.session_id)
        with pytest.raises(Conflict):
            uow.integration.add_journey(course, twin, given, by=1, at=world.clock.now())


def test_a_journey_without_a_dosed_session_is_never_stored(world: World) -> None:
    dose = ready_kat_session(world)  # ready, dosing not started
    with pytest.raises(SafetyBlock) as blocked:
        world.services.journeys.record(
            world.actor(Role.COACH),
            dose.setup.course_id,
            _journey(world, Role.COACH, dose.session_id),
        )
    assert blocked.value.field == "dose_gate"
    with pytest.raises(NotFound):
        world.services.journeys.record(
            world.actor(Role.COACH), dose.setup.course_id, _journey(world, Role.COACH, 999_999)
        )
    assert world.services.journeys.for_course(world.actor(Role.COACH), dose.setup.course_id) == []
