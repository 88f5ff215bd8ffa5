"""The live board after a visit closes: when the patient in a chair leaves (not dosed today, or
discharged), the chair's card and the event published for it show the next patient already
waiting for that chair (arrived at the front desk, before the nurse's check-in), not a free
chair. Two synthetic adults share one chair on the same clinic day."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ketaclinic.adapters.scheduling import CpSatScheduler
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.discharge import AldreteScore
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.infusion.vitals import Parameter, ReadingSource, VitalReading
from ketaclinic.domain.patients.people import Patient
from ketaclinic.domain.scheduling.booking import Booking
from ketaclinic.services.demo_pathway import prepare_course
from ketaclinic.services.infusion.demo_sessions import walk_to
from ketaclinic.services.infusion.monitor_messages import VitalsBatch
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.scheduling.booking import ScheduleService
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.conftest import World
from tests.e2e.board_reads import board_docs, chair_card, published_events
from tests.e2e.conftest import web_login
from tests.infusion_world import prepare_clinic
from tests.integration.test_orders_service import RECOVERY_VITALS
from tests.schedule_world import TEST_LIMITS, consent_in_force_stub


def _two_on_one_chair(world: World) -> tuple[list[tuple[Patient, int, Booking]], int]:
    """Two patients, each with a signed order and a confirmed series in the clinic's one chair,
    their first appointments on the same clinic day: (patient, order id, first booking) each."""
    prepare_clinic(world, chairs=1, patients=2)
    s, desk = world.services, world.actor(Role.FRONT_DESK)
    seed_demo_schedule(s.uow, world.clock, world.clinic.id)
    s.schedule = ScheduleService(
        s.uow, world.clock, CpSatScheduler(), consent_in_force_stub, limits=TEST_LIMITS
    )
    found = []
    for patient in s.patients.search(desk, PatientSearch(world.clinic.id, "Demo-Infusion")):
        course_id, order_id = prepare_course(
            s.uow, world.clock, s.pathway(), world.clinic.id, patient.id
        )
        s.schedule.book_series(desk, course_id)
        first = min(s.schedule.confirm_series(desk, course_id), key=lambda b: b.start_at)
        found.append((patient, order_id, first))
    found.sort(key=lambda f: f[2].start_at)
    first, second = found[0][2], found[1][2]
    assert first.chair_id == second.chair_id
    zone = ZoneInfo(world.clinic.timezone)
    assert first.start_at.astimezone(zone).date() == second.start_at.astimezone(zone).date()
    world.clock.current = first.start_at - timedelta(minutes=30)
    return found, first.chair_id


def _discharge(world: World, session_id: int) -> None:
    """End the dose after its planned time, then recovery to discharge: 31 minutes observed,
    normal vitals entered by the nurse, Aldrete 10, escort present."""
    s, nurse, clock = world.services, world.actor(Role.NURSE), world.clock
    clock.advance(minutes=60)
    s.session_workflow.end_dosing(nurse, session_id)
    clock.advance(minutes=31)
    readings = tuple(
        VitalReading(Parameter(p), Decimal(v), unit, clock.now(), ReadingSource.STAFF)
        for p, (v, unit) in RECOVERY_VITALS.items()
    )
    s.monitoring.ingest(nurse, VitalsBatch(readings, session_id=session_id))
    s.session_workflow.aldrete(nurse, session_id, AldreteScore(2, 2, 2, 2, 2))
    s.session_workflow.discharge(
        nurse, session_id, {"escort_present": True, "instructions_given": True}
    )


@pytest.mark.parametrize("closing", ["not dosed", "discharged"])
def test_the_chair_shows_the_next_waiting_patient_when_a_visit_closes(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch, closing: str
) -> None:
    found, chair = _two_on_one_chair(world)
    (a, a_order, a_first), (b, _, b_first) = found
    s, desk, nurse = world.services, world.actor(Role.FRONT_DESK), world.actor(Role.NURSE)
    in_chair = s.arrivals.check_in(desk, a_first.id)
    waiting = s.arrivals.check_in(desk, b_first.id)  # early, for the same chair later today
    walk_to(
        s.session_workflow,
        s.orders,
        nurse,
        in_chair.id,
        a_order,
        a.mrn,
        until=SessionState.CHECKED_IN if closing == "not dosed" else SessionState.INFUSING,
    )
    csrf = web_login(client, world, Role.NURSE)
    before = chair_card(client.get("/board").text, chair)
    assert f'data-session-id="{in_chair.id}"' in before and a.display_name in before

    published = published_events(monkeypatch, s.live)
    if closing == "not dosed":
        closed = client.post(
            f"/sessions/{in_chair.id}/steps/not-dosed",
            data={"reason": "patient unwell today", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert closed.status_code == 303, closed.text
    else:
        _discharge(world, in_chair.id)
        web_login(client, world, Role.NURSE)  # signed in again after the recovery's idle time
    assert s.sessions.get(nurse, in_chair.id).closed_at is not None

    after = chair_card(client.get("/board").text, chair)
    assert f'data-session-id="{waiting.id}"' in after and b.display_name in after
    assert "waiting for check-in" in after and a.display_name not in after
    assert "Free" not in after and "No session" not in after
    doc = {"chair_id": chair, "session_id": waiting.id, "active": False, "state": "scheduled"}
    assert doc.items() <= board_docs(client)[chair].items()
    assert any(doc.items() <= e.items() for e in published), published  # the live update too
