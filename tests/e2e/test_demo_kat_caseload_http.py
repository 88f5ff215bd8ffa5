"""The coach's Today and caseload follow the KAT journey's real state: the arrived session is due
(no integration due before any journey), the dosing session is listed with its state in words,
and once the journey was given the visit is no longer "due" while the integration session is;
after discharge the journey stays on the coach's sessions as discharged, with its time, and
leaves the caseload."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.discharge import AldreteScore
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.infusion.demo_sessions import walk_to
from tests.conftest import World
from tests.e2e.test_demo_kat_day_http import Seeded, actor, client, seeded, sign_in

__all__ = ["client", "seeded"]  # the fixtures of the demo KAT day


def _coach_today(client: TestClient) -> tuple[str, str]:
    """The coach's Today, signed in afresh (the clock moves past the idle sign-out)."""
    client.cookies.clear()
    sign_in(client, "coach@demo.ketaclinic.test")
    page = client.get("/today").text
    sessions = page.split('id="today-coach-sessions"', 1)[1].split("</section>", 1)[0]
    caseload = page.split('id="today-caseload"', 1)[1].split("</section>", 1)[0]
    return sessions, caseload


def _rows(section: str, course_id: int) -> list[str]:
    marker = f'data-course-id="{course_id}"'
    return [r.split("</tr>", 1)[0] for r in section.split("<tr ")[1:] if marker in r]


def _due(section: str, course_id: int) -> list[str]:
    return [r for r in _rows(section, course_id) if 'data-kind="session_due"' in r]


def test_the_coach_sees_the_journey_as_it_goes(
    client: TestClient, world: World, seeded: Seeded
) -> None:
    clinic, kat = seeded
    assert kat.session is not None
    s, nurse = world.services, actor(world, clinic, Role.NURSE)

    sessions, caseload = _coach_today(client)
    [row] = _rows(sessions, kat.course_id)
    assert "KAT session 1" in row and "Arrived, waiting for check-in" in row
    assert not [r for r in _rows(caseload, kat.course_id) if 'data-kind="integration_due"' in r]

    with s.uow() as uow:
        patient = uow.patients.get(clinic.id, kat.patient_id)
    assert patient is not None
    walk_to(s.session_workflow, s.orders, nurse, kat.session.id, kat.order_id, patient.mrn)
    sessions, caseload = _coach_today(client)
    [row] = _rows(sessions, kat.course_id)
    assert ">Dosing<" in row and f'href="/sessions/{kat.session.id}"' in row
    assert not [r for r in _rows(caseload, kat.course_id) if 'data-kind="integration_due"' in r]
    assert not [r for r in _due(caseload, kat.course_id) if "KAT session 1" in r]

    world.clock.advance(minutes=45)
    s.session_workflow.end_dosing(nurse, kat.session.id)
    sessions, caseload = _coach_today(client)
    [row] = _rows(sessions, kat.course_id)
    assert ">In recovery<" in row
    due = [r for r in _rows(caseload, kat.course_id) if 'data-kind="integration_due"' in r]
    assert len(due) == 1 and "since the previous experiential session" in due[0]
    assert not [r for r in _due(caseload, kat.course_id) if "KAT session 1" in r]

    s.session_workflow.aldrete(nurse, kat.session.id, AldreteScore(2, 2, 2, 2, 2))
    world.clock.advance(minutes=200)
    s.session_workflow.discharge(
        actor(world, clinic, Role.PHYSICIAN),
        kat.session.id,
        {
            "escort_present": "on",
            "instructions_given": "on",
            "override_reason": "recovery vitals charted on paper",
            "extended_observation_min": "180",
        },
    )
    assert s.sessions.get(nurse, kat.session.id).state is SessionState.DISCHARGED
    sessions, caseload = _coach_today(client)
    [row] = _rows(sessions, kat.course_id)
    assert 'data-closed="discharged">Discharged ' in row and "KAT session 1" in row
    rows = _rows(caseload, kat.course_id)
    assert not [r for r in rows if "KAT session 1" in r]
