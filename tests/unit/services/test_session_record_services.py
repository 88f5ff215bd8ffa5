"""Documenting infusion day (the session record) as a use case, on the in-memory fakes.

A dissociation score is kept within the instrument's bounds (CADSS-6 0-24, CADSS 0-92; clinical.md
§4.5), only while the patient is in the chair, by clinical staff; each documented step is one
record, one audit event and one commit.
"""

from __future__ import annotations

import pytest

from ketaclinic.domain.assessments.instruments.cadss import DISSOCIATION_TOTAL_RANGES
from ketaclinic.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Actor
from ketaclinic.domain.infusion.records import InfusionSession
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.services.infusion.ports import NoLiveEvents, RecordKind
from ketaclinic.services.infusion.workflow import SessionWorkflowService
from ketaclinic.services.patients.courses import CourseService
from ketaclinic.services.ports import UnitOfWork
from tests.unit.services.world import FakeWorld


def open_session(w: FakeWorld, *, checked_in: bool = True) -> InfusionSession:
    with w.uow() as uow:
        s = uow.sessions.add(
            w.clinic.id,
            course_id=w.course.id,
            patient_id=w.patient_id,
            chair_id=w.chairs[0],
            by=w.staff(Role.NURSE),
            at=w.clock.now(),
        )
        if checked_in:
            s = uow.sessions.move(
                s, SessionState.CHECKED_IN, by=w.staff(Role.NURSE), at=w.clock.now(), reason=""
            )
        uow.commit()
    return s


class NoAppointments:
    """The sessions here are opened without an appointment: nothing to release."""

    def release(self, uow: UnitOfWork, actor: Actor, booking_id: int, reason: str) -> None:
        raise AssertionError("no appointment to release in these tests")


@pytest.fixture
def workflow(fake_world: FakeWorld) -> SessionWorkflowService:
    fake_world.move_course(CourseState.INDUCTION)
    courses = CourseService(fake_world.uow, fake_world.clock)
    return SessionWorkflowService(
        fake_world.uow, fake_world.clock, NoLiveEvents(), courses, NoAppointments()
    )


def test_a_cadss6_score_is_one_record_one_audit_event_one_commit(
    fake_world: FakeWorld, workflow: SessionWorkflowService
) -> None:
    w = fake_world
    s = open_session(w)
    before = w.db.commits
    added = workflow.score(w.actor(Role.NURSE), s.id, {"instrument": "cadss6", "total": "9"})
    assert (added.kind, added.payload["total"], added.recorded_by) == (
        RecordKind.SCALE,
        9,
        w.staff(Role.NURSE),
    )
    assert list(w.committed.infusion.records.values()) == [added]
    assert w.db.commits == before + 1 and len(w.audit()) == 1


@pytest.mark.parametrize("instrument", sorted(DISSOCIATION_TOTAL_RANGES))
def test_a_total_past_the_instrument_bound_is_refused_naming_the_field(
    fake_world: FakeWorld, workflow: SessionWorkflowService, instrument: str
) -> None:
    s = open_session(fake_world)
    high = DISSOCIATION_TOTAL_RANGES[instrument][1]
    with pytest.raises(ValidationFailed) as err:
        workflow.score(
            fake_world.actor(Role.NURSE), s.id, {"instrument": instrument, "total": str(high + 1)}
        )
    assert "total" in err.value.errors
    assert fake_world.committed.infusion.records == {} and fake_world.actions() == []


def test_nothing_is_documented_before_check_in_or_by_the_front_desk(
    fake_world: FakeWorld, workflow: SessionWorkflowService
) -> None:
    w = fake_world
    waiting = open_session(w, checked_in=False)
    raw = {"instrument": "cadss6", "total": "3"}
    with pytest.raises(Conflict) as err:
        workflow.score(w.actor(Role.NURSE), waiting.id, raw)
    assert err.value.field == "session_id"
    with pytest.raises(PermissionDenied):
        workflow.score(w.actor(Role.FRONT_DESK), waiting.id, raw)
    with pytest.raises(NotFound):
        workflow.score(w.outsider(Role.NURSE), waiting.id, raw)
    assert w.committed.infusion.records == {}
