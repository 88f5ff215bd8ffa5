"""Infusion-session storage and the minimal session service on SQLite and PostgreSQL: one active
session per chair, every transition stamped and kept, guards refuse with every reason, an open
safety gate refuses the start, a pause needs acknowledged alarms to resume, clinic isolation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from ketaclinic.adapters.db import migrate
from ketaclinic.adapters.db.engine import make_engine
from ketaclinic.domain.assessments.safety import Urgency
from ketaclinic.domain.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    SafetyBlock,
    ValidationFailed,
)
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.assessments.safety import SafetyFlag, open_tasks
from ketaclinic.services.patients.ports import PatientSearch
from tests.conftest import World
from tests.infusion_world import prepare_clinic, running_sessions, start_fields, walked_session


def _course_and_chair(world: World) -> tuple[int, int]:
    prepare_clinic(world)
    s, physician = world.services, world.actor(Role.PHYSICIAN)
    version = next(p for p in s.protocols.published(physician) if p.signed_off)
    patient = s.patients.search(world.actor(Role.NURSE), PatientSearch(0, text="Demo-Infusion"))[0]
    course = s.courses.open(physician, patient.id, version.id)
    chair = s.board.snapshot(world.actor(Role.NURSE))[0].chair.id
    return course.id, chair


def test_a_session_walks_the_state_machine_with_each_transition_stamped(world: World) -> None:
    nurse, s = world.actor(Role.NURSE), world.services.sessions
    doctor, flow = world.actor(Role.PHYSICIAN), world.services.session_workflow
    walked = walked_session(world, SessionState.READY)
    session = s.assign(
        nurse, walked.session.id, attendant_id=nurse.staff_id, device_id="de00000000000abc"
    )
    assert (
        session.monitor_device_id == "DE00000000000ABC" and session.attendant_id == nurse.staff_id
    )
    world.clock.advance(minutes=5)
    start = start_fields(world, lot="LOT-DEMO-K")
    session = flow.start(nurse, session.id, start)
    assert session.dosing_started_at == world.clock.now()
    with pytest.raises(Conflict) as busy:  # no second visit opens in a chair in use
        s.create(doctor, walked.course_id, walked.chair_id, unscheduled_reason="walk-in")
    assert busy.value.field == "chair_id" and busy.value.detail.startswith("session.chair_free: ")
    world.clock.advance(minutes=10)
    session = s.move(nurse, session.id, SessionState.PAUSED, reason="nausea")
    assert session.paused_at == world.clock.now()
    world.clock.advance(minutes=3)
    flow.approve_resume(doctor, session.id, {"reason": "nausea settled"})
    session = s.move(nurse, session.id, SessionState.INFUSING, reason="settled")
    assert session.resumed_at == world.clock.now() and session.paused_at is None
    assert session.phase_started_at == world.clock.now()
    world.clock.advance(minutes=30)
    with pytest.raises(InvalidTransition) as unrecorded:  # the end of dosing is a workflow step
        s.move(nurse, session.id, SessionState.RECOVERY, reason="done")
    assert any(r.startswith("dosing_end_recorded") for r in unrecorded.value.reasons)
    session = flow.end_dosing(nurse, session.id, "done")
    assert session.recovery_started_at == world.clock.now() == session.dosing_ended_at
    with world.services.uow() as uow:
        history = uow.sessions.history(world.clinic.id, session.id)
    assert [(h.from_state.value, h.to_state.value) for h in history] == [
        ("scheduled", "checked_in"),
        ("checked_in", "ready"),
        ("ready", "infusing"),
        ("infusing", "paused"),
        ("paused", "infusing"),
        ("infusing", "recovery"),
    ]
    assert [h.reason for h in history][3] == "nausea"


def test_guards_refuse_with_every_reason_and_a_move_cannot_pass_the_safety_gate(
    world: World,
) -> None:
    course_id, chair = _course_and_chair(world)
    nurse, s = world.actor(Role.NURSE), world.services.sessions
    doctor = world.actor(Role.PHYSICIAN)
    session = s.create(doctor, course_id, chair, unscheduled_reason="walk-in")
    with pytest.raises(InvalidTransition) as refused:
        s.move(nurse, session.id, SessionState.CHECKED_IN)
    assert any(r.startswith("identity_confirmed") for r in refused.value.reasons)
    assert any(r.startswith("escort_named") for r in refused.value.reasons)
    ready = walked_session(world, SessionState.READY, prepared=True).session
    with world.services.uow() as uow:
        flag = SafetyFlag("cssrs-high", "C-SSRS positive", Urgency.URGENT)
        physician = world.actor(Role.PHYSICIAN)
        open_tasks(uow, world.clock, physician, ready.patient_id, [flag], source="test")
        uow.commit()
    with pytest.raises(SafetyBlock) as blocked:
        s.move(nurse, ready.id, SessionState.INFUSING, reason="start")
    assert blocked.value.field == "safety_gate"
    assert s.get(nurse, ready.id).state is SessionState.READY


def test_resuming_needs_the_alarms_acknowledged(world: World) -> None:
    from decimal import Decimal

    from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading
    from ketaclinic.services.infusion.monitor_messages import VitalsBatch

    [monitor] = running_sessions(world)
    nurse, s = world.actor(Role.NURSE), world.services
    s.sessions.move(nurse, monitor.session.id, SessionState.PAUSED, reason="nausea")
    s.session_workflow.approve_resume(
        world.actor(Role.PHYSICIAN), monitor.session.id, {"reason": "nausea settled"}
    )
    world.clock.advance(minutes=2)  # after the approval, an alarm while paused
    high = VitalReading(
        Parameter.SBP, Decimal(205), "mm[Hg]", world.clock.now(), ReadingSource.STAFF
    )
    s.monitoring.ingest(nurse, VitalsBatch((high,), session_id=monitor.session.id))
    with pytest.raises(InvalidTransition) as refused:
        s.sessions.move(nurse, monitor.session.id, SessionState.INFUSING, reason="ok")
    assert any(
        r.startswith("alarms_acknowledged[bp-systolic-severe]: Systolic BP 205 mmHg at ")
        for r in refused.value.reasons
    )
    assert not any(r.startswith("resume_approved") for r in refused.value.reasons)


def test_bad_input_and_other_clinics_are_refused(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from tests.conftest import make_world

    course_id, chair = _course_and_chair(world)
    nurse, s = world.actor(Role.NURSE), world.services.sessions
    doctor = world.actor(Role.PHYSICIAN)
    with pytest.raises(PermissionDenied):
        s.create(world.actor(Role.FRONT_DESK), course_id, chair, unscheduled_reason="x")
    with pytest.raises(NotFound) as no_chair:
        s.create(doctor, course_id, 999_999, unscheduled_reason="walk-in")
    assert no_chair.value.field == "chair_id"
    session = s.create(doctor, course_id, chair, unscheduled_reason="walk-in")
    with pytest.raises(ValidationFailed) as bad_device:
        s.assign(nurse, session.id, attendant_id=None, device_id="not-an-eui")
    assert bad_device.value.field == "device_id"
    other = make_world(world.services.engine, tmp_path_factory.mktemp("other"), slug="otherclinic")
    with pytest.raises(NotFound):
        other.services.sessions.get(other.actor(Role.NURSE), session.id)
    with pytest.raises(NotFound):
        other.services.sessions.create(
            other.actor(Role.PHYSICIAN), course_id, chair, unscheduled_reason="walk-in"
        )


def test_the_infusion_migration_downgrades_and_upgrades(tmp_path: Path) -> None:
    """On a private database (the shared one serves the other tests)."""
    engine = make_engine(f"sqlite:///{(tmp_path / 'm.db').as_posix()}")
    migrate.upgrade(engine)
    heads = migrate.database_heads(engine)
    assert "infusion_sessions" in inspect(engine).get_table_names()
    migrate.downgrade(engine, "0002_courses")
    assert "infusion_sessions" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert migrate.database_heads(engine) == heads
    assert "infusion_sessions" in inspect(engine).get_table_names()
    engine.dispose()
