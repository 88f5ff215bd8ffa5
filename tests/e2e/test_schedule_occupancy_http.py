"""Through the schedule's pages: a patient infusing in a chair without an appointment (a walk-in
a prescriber opened) holds that chair. The desk's "Book induction series" plans around it, and a
manual move into that chair at that time is refused with the chair and the time in plain words
(the rule id behind "Why")."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.scheduling.booking import Booking
from ketaclinic.services.patients.ports import PatientSearch
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.infusion_world import walked_session
from tests.schedule_world import schedule_world

CHICAGO = ZoneInfo("America/Chicago")


def test_booking_and_moving_keep_out_of_a_chair_with_a_walk_in(
    client: TestClient, world: World
) -> None:
    booked = schedule_world(world, chairs=1, patients=2)
    world.services.schedule, world.services.replans = booked.schedule, booked.replans
    course = booked.courses[0]
    desk = world.actor(Role.FRONT_DESK)
    others = world.services.patients.search(desk, PatientSearch(world.clinic.id, text="Demo-"))
    walk_in = next(p for p in others if p.id != course.patient_id)
    walked = walked_session(world, prepared=True, patient=walk_in)
    world.services.calendar.set_patient_preferences(desk, course.patient_id, (), 8 * 60)
    opened = walked.session.created_at

    csrf = web_login(client, world, Role.FRONT_DESK)
    page = client.post(f"/courses/{course.id}/series", data={"csrf_token": csrf})
    assert page.status_code == 200 and "6 sessions proposed" in page.text
    client.post(f"/courses/{course.id}/series/confirm", data={"csrf_token": csrf})
    series = sorted(booked.schedule.series_of_patient(desk, course.patient_id), key=_start)
    length = series[0].end_at - series[0].start_at
    assert all(b.start_at >= opened + length or b.end_at <= opened for b in series)

    into = (opened + timedelta(minutes=30)).astimezone(CHICAGO)
    refused = client.post(
        f"/appointments/{series[0].id}/move",
        data={
            "csrf_token": csrf,
            "day": into.date().isoformat(),
            "time": into.strftime("%H:%M"),
            "chair_id": str(walked.chair_id),
            "reason": "patient asked for the morning",
        },
    )
    assert refused.status_code == 200
    assert 'data-accepted="false"' in refused.text
    local = opened.astimezone(CHICAGO)
    assert f"Chair 1 is taken on {local:%a %-d %b %Y} from 08:00 to" in refused.text
    assert "without an appointment" in refused.text
    assert '<span class="meta">rule SCH-CHAIR-CAPACITY' in refused.text
    after = booked.schedule.series_of_patient(desk, course.patient_id)
    assert min(after, key=_start).start_at == series[0].start_at


def _start(b: Booking) -> datetime:
    return b.start_at
