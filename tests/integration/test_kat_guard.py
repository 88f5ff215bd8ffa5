"""The KAT guard on SQLite and PostgreSQL: a kat-holistic course cannot start its first experiential
session before the protocol's preparatory session is signed (seed 004); a missing integration
session after a journey is flagged before the next one; other packs are not affected."""

from __future__ import annotations

import pytest

from ketaclinic.domain.errors import SafetyBlock
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.integration.plans import NoteKind
from ketaclinic.services.audit.ports import AuditQuery
from ketaclinic.services.integration.plans import experiential_check
from tests.conftest import World
from tests.integration_world import CALM, course_on, signed_note
from tests.kat_dosing import discharge_kat, kat_start, ready_kat_session


def _start(world: World, session_id: int) -> SessionState:
    """The nurse starts the dose with the coach attending (``kat_start``)."""
    nurse = world.actor(Role.NURSE)
    return world.services.session_workflow.start(nurse, session_id, kat_start(world)).state


def test_first_experiential_session_needs_a_signed_preparatory_session(world: World) -> None:
    dose = ready_kat_session(world, prepared=False)
    course_id, session_id = dose.setup.course_id, dose.session_id
    with pytest.raises(SafetyBlock) as blocked:
        _start(world, session_id)
    assert blocked.value.field == "course_id"
    assert any(r.startswith("kat.preparation: 0 of 1") for r in blocked.value.reasons)
    coach = world.actor(Role.COACH)
    unsigned = world.services.coaching.record_note(
        coach, course_id, NoteKind.PREPARATORY, world.clock.now(), CALM
    )
    with pytest.raises(SafetyBlock):  # recorded but not signed is not enough
        _start(world, session_id)
    world.services.coaching.sign(coach, unsigned.id)
    assert _start(world, session_id) is SessionState.INFUSING


def test_a_missing_integration_session_is_flagged_before_the_next_journey(world: World) -> None:
    dose = ready_kat_session(world)
    course_id, first = dose.setup.course_id, dose.session_id
    _start(world, first)
    with world.services.uow() as uow:
        course = uow.courses.get(world.clinic.id, course_id)
        assert course is not None
        assert experiential_check(uow, course).flags == ()  # still dosing: not a previous one
    world.clock.advance(minutes=5)
    discharge_kat(world, first)
    world.clock.advance(days=7)
    with world.services.uow() as uow:
        flags = experiential_check(uow, course).flags
    assert flags and flags[0].startswith("kat.integration:")
    second = ready_kat_session(world, dose.setup).session_id
    _start(world, second)  # a flag does not block, but it is in the audit trail of the start
    events = world.services.audit.search(world.actor(Role.AUDITOR), AuditQuery(world.clinic.id))
    assert [e.object_id for _, e in events if e.action == "kat.flag"] == [str(second)]
    signed_note(world, course_id, NoteKind.INTEGRATION)
    with world.services.uow() as uow:
        assert course is not None
        assert experiential_check(uow, course).flags == ()


def test_the_adult_iv_pack_has_no_experiential_guard(world: World) -> None:
    course_id, _ = course_on(world, "adult-iv-induction")
    with world.services.uow() as uow:
        course = uow.courses.get(world.clinic.id, course_id)
        assert course is not None
        decision = experiential_check(uow, course)
    assert decision.allowed and decision.flags == ()
