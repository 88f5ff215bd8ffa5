"""Coaching notes on SQLite and PostgreSQL: the structured part is shared, the private part is
read only by its author or a granted role and every read attempt is in the audit trail; signing;
a positive risk screen opens a safety task (seed 004; architecture.md principle 3)."""

from __future__ import annotations

import pytest

from ketaclinic.domain.errors import Conflict, PermissionDenied, ValidationFailed
from ketaclinic.domain.identity.access import PERMISSIONS, Permission, Role
from ketaclinic.domain.integration.plans import NoteContent, NoteKind, RiskLevel
from ketaclinic.services.audit.ports import AuditQuery
from tests.conftest import World
from tests.integration_world import CALM, course_on

SECRET = "Synthetic private reflection: parts work on an old fear"


def _reads(world: World) -> list[tuple[int | None, str]]:
    events = world.services.audit.search(world.actor(Role.AUDITOR), AuditQuery(world.clinic.id))
    return [(e.actor_id, e.outcome) for _, e in events if e.action == "coaching.private_note_read"]


def test_private_part_author_reads_nurse_cannot_and_every_read_is_audited(world: World) -> None:
    course_id, _ = course_on(world, "kat-holistic")
    coach, nurse = world.actor(Role.COACH), world.actor(Role.NURSE)
    coaching = world.services.coaching
    note = coaching.record_note(
        coach, course_id, NoteKind.PREPARATORY, world.clock.now(), CALM, SECRET
    )
    assert note.has_private and SECRET not in repr(coaching.notes(nurse, course_id))
    assert coaching.private_part(coach, note.id) == SECRET
    assert coaching.private_part(coach, note.id) == SECRET
    with pytest.raises(PermissionDenied) as denied:
        coaching.private_part(nurse, note.id)
    assert denied.value.field == "private_text"
    for role in (Role.PHYSICIAN, Role.ADMIN, Role.AUDITOR):
        with pytest.raises(PermissionDenied):
            coaching.private_part(world.actor(role), note.id)
    reads = _reads(world)
    assert len(reads) == 6
    assert sorted(reads, key=str).count((coach.staff_id, "success")) == 2
    assert (nurse.staff_id, "denied") in reads


def test_notes_are_signed_by_their_author_once(world: World) -> None:
    course_id, _ = course_on(world, "kat-holistic")
    coach = world.actor(Role.COACH)
    note = world.services.coaching.record_note(
        coach, course_id, NoteKind.INTEGRATION, world.clock.now(), CALM
    )
    assert not note.signed
    signed = world.services.coaching.sign(coach, note.id)
    assert signed.signed_at == world.clock.now()
    with pytest.raises(Conflict):
        world.services.coaching.sign(coach, note.id)


def test_bad_notes_name_their_field_and_store_nothing(world: World) -> None:
    course_id, _ = course_on(world, "adult-iv-induction")
    coach, coaching = world.actor(Role.COACH), world.services.coaching
    with pytest.raises(ValidationFailed) as empty:
        coaching.record_note(
            coach,
            course_id,
            NoteKind.INTEGRATION,
            world.clock.now(),
            NoteContent("  ", (), "", RiskLevel.NONE, ""),
        )
    assert empty.value.field == "themes"
    with pytest.raises(ValidationFailed) as family:  # the adult pack has no family sessions
        coaching.record_note(coach, course_id, NoteKind.FAMILY, world.clock.now(), CALM)
    assert family.value.field == "kind"
    assert coaching.notes(coach, course_id) == []


def test_a_high_risk_screen_opens_a_safety_task(world: World) -> None:
    course_id, _ = course_on(world, "kat-holistic")
    risky = NoteContent("hopelessness this week", (), "", RiskLevel.HIGH, "told Dr Demo at once")
    note = world.services.coaching.record_note(
        world.actor(Role.COACH), course_id, NoteKind.INTEGRATION, world.clock.now(), risky
    )
    tasks = world.services.safety.for_patient(world.actor(Role.NURSE), note.patient_id)
    assert [t.rule_id for t in tasks] == ["coaching.risk_screen"]


def test_a_role_the_clinic_grants_reads_the_private_part_audited(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    course_id, _ = course_on(world, "kat-holistic")
    note = world.services.coaching.record_note(
        world.actor(Role.COACH), course_id, NoteKind.INTEGRATION, world.clock.now(), CALM, SECRET
    )
    physician = world.actor(Role.PHYSICIAN)
    with pytest.raises(PermissionDenied):  # granted to no role by default
        world.services.coaching.private_part(physician, note.id)
    granted = PERMISSIONS[Role.PHYSICIAN] | {Permission.PRIVATE_NOTE_READ}
    monkeypatch.setitem(PERMISSIONS, Role.PHYSICIAN, granted)
    assert world.services.coaching.private_part(physician, note.id) == SECRET
    assert [o for a, o in _reads(world) if a == physician.staff_id] == ["success", "denied"]
