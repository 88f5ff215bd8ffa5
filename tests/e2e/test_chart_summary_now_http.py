"""The chart's "Where treatment stands" over HTTP: a patient infusing right now is shown in their
chair with the session, its check-in and its dose start (clinic time), never as "Nothing
booked"; a booking ahead reads in plain words, not the stored kind."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.services.demo_pathway import prepare_course
from ketaclinic.services.patients.ports import PatientSearch
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.infusion_world import walked_session
from tests.schedule_world import schedule_world


def _field(html: str, name: str) -> str:
    found = re.search(rf'data-field="{name}">(.*?)</dd>', html, re.S)
    assert found is not None, name
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_a_patient_in_the_chair_now_reads_in_chair_not_nothing_booked(
    client: TestClient, world: World
) -> None:
    walked = walked_session(world)  # checked in at 08:00 clinic time (14:00 UTC, Chicago)
    world.clock.advance(minutes=25)
    web_login(client, world, Role.NURSE)
    page = client.get(f"/patients/{walked.session.patient_id}")
    assert page.status_code == 200
    now = _field(page.text, "summary-now")
    expected = "In Chair 1 now: unscheduled visit, checked in 08:00 · dose started 08:00 · dosing"
    assert now == expected
    assert _field(page.text, "summary-next") == "Nothing else booked"
    assert "Nothing booked" not in page.text


def test_the_next_booking_reads_in_plain_words(client: TestClient, world: World) -> None:
    booked = schedule_world(world)
    world.services.schedule = booked.schedule
    course = booked.courses[0]
    csrf = web_login(client, world, Role.FRONT_DESK)
    client.post(f"/courses/{course.id}/series", data={"csrf_token": csrf})
    page = client.get(f"/patients/{course.patient_id}")
    assert 'data-field="summary-now"' not in page.text
    assert _field(page.text, "summary-next").startswith("Induction session 1 on ")


def test_an_arrived_patient_reads_waiting_for_the_nurses_check_in(
    client: TestClient, world: World
) -> None:
    """Opened on arrival, nothing started yet: the chart says when they arrived and what is
    next, never "started ... · scheduled"."""
    walked_session(world, SessionState.CHECKED_IN)  # the clinic set up, Chair 1 taken
    s, physician = world.services, world.actor(Role.PHYSICIAN)
    found = s.patients.search(physician, PatientSearch(0, text="Demo-Infusion"))
    with s.uow() as uow:
        patient = next(p for p in found if not uow.courses.for_patient(world.clinic.id, p.id))
    course_id, _ = prepare_course(s.uow, world.clock, s.pathway(), world.clinic.id, patient.id)
    free = next(c.id for c, ok in s.arrivals.chairs_for_visit(physician, course_id) if ok)
    s.sessions.create(physician, course_id, free, unscheduled_reason="walk-in")
    web_login(client, world, Role.NURSE)
    now = _field(client.get(f"/patients/{patient.id}").text, "summary-now")
    assert now.endswith("arrived 08:00 · waiting for the nurse's check-in"), now
    assert "started" not in now and "· scheduled" not in now
