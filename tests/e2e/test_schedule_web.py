"""Schedule web pages through the app: the series panel books in one action and confirms, a
refused move shows the broken rule inline, day/week views by chair and nurse, reminders, the
chair out-of-service re-plan page, and ``.ics`` calendars. Consent: ``consent_in_force_stub``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ketaclinic.adapters.scheduling import CpSatScheduler
from ketaclinic.domain.identity.access import Role
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.outcomes.booster_booking import BoosterBookingService
from tests.conftest import World
from tests.e2e.conftest import web_login
from tests.schedule_world import Booked, schedule_world

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def booked(world: World) -> Booked:
    found = schedule_world(world)
    world.services.schedule, world.services.replans = found.schedule, found.replans
    world.services.boosters = BoosterBookingService(
        world.services.uow, world.clock, found.schedule, CpSatScheduler()
    )
    return found


@pytest.fixture
def desk(world: World, booked: Booked) -> Iterator[tuple[TestClient, str]]:
    with TestClient(create_app(services=world.services)) as c:
        yield c, web_login(c, world, Role.FRONT_DESK)


def _book(desk: tuple[TestClient, str], course_id: int) -> str:
    client, csrf = desk
    page = client.post(f"/courses/{course_id}/series", data={"csrf_token": csrf})
    assert page.status_code == 200, page.text[:500]
    assert "6 sessions proposed" in page.text
    confirmed = client.post(f"/courses/{course_id}/series/confirm", data={"csrf_token": csrf})
    assert confirmed.status_code == 200
    return confirmed.text


def test_panel_books_confirms_and_refuses_a_move_inline(
    world: World, booked: Booked, desk: tuple[TestClient, str]
) -> None:
    client, csrf = desk
    course = booked.courses[0]
    panel = client.get(f"/patients/{course.patient_id}/panels/schedule")
    assert f'id="book-series-{course.id}"' in panel.text
    text = _book(desk, course.id)
    assert text.count('data-status="confirmed"') == 6
    series = sorted(
        booked.schedule.series_of_patient(world.actor(Role.NURSE), course.patient_id),
        key=lambda b: b.start_at,
    )
    third_local = series[2].start_at.astimezone(CHICAGO) + timedelta(days=1)
    refused = client.post(
        f"/appointments/{series[3].id}/move",
        data={
            "csrf_token": csrf,
            "day": third_local.date().isoformat(),
            "time": third_local.strftime("%H:%M"),
            "chair_id": str(series[3].chair_id),
            "reason": "patient asked",
        },
    )
    assert refused.status_code == 200
    assert 'data-accepted="false"' in refused.text and 'data-rule="SCH-SPACING"' in refused.text
    third_day = series[2].start_at.astimezone(CHICAGO)
    assert (
        f"Session 4 must be at least 2 days after session 3 ({third_day:%a %-d %b}); earliest "
        in refused.text
    )
    assert f"b{series[3].id} starts" not in refused.text
    blank = client.post(
        f"/appointments/{series[3].id}/move",
        data={"csrf_token": csrf, "day": "", "time": "", "reason": ""},
    )
    assert "must be a date" in blank.text and "needs a reason" in blank.text


def test_a_drop_past_the_series_window_names_what_blocks_in_words(
    world: World, booked: Booked, desk: tuple[TestClient, str]
) -> None:
    client, csrf = desk
    course = booked.courses[0]
    _book(desk, course.id)
    series = sorted(
        booked.schedule.series_of_patient(world.actor(Role.NURSE), course.patient_id),
        key=lambda b: b.start_at,
    )
    world.clock.current = series[0].start_at + timedelta(days=21) - timedelta(hours=1)
    client.post("/signout")
    csrf = web_login(client, world, Role.FRONT_DESK)  # the days passed: signed in again
    page = client.post(
        f"/appointments/{series[5].id}/drop",
        data={"csrf_token": csrf, "why": "missed", "reason": "no show"},
    )
    assert page.status_code == 200
    result = page.text.split('id="replan-result"', 1)[1].split("</div>", 1)[0]
    assert (
        "Blocking: the series window" in result and "SCH-WINDOW" not in result.split("<details")[0]
    )
    assert "rule SCH-WINDOW" in result  # one click away
    assert '<option value="missed">Missed</option>' in page.text


def test_day_and_week_views_by_chair_and_nurse(
    world: World, booked: Booked, desk: tuple[TestClient, str]
) -> None:
    client, _ = desk
    _book(desk, booked.courses[0].id)
    first = min(
        b.start_at
        for b in booked.schedule.series_of_patient(
            world.actor(Role.NURSE), booked.courses[0].patient_id
        )
    )
    day = first.astimezone(CHICAGO).date().isoformat()
    by_chair = client.get(f"/schedule?day={day}")
    assert by_chair.status_code == 200 and "Avery" in by_chair.text
    assert by_chair.text.count("data-chair-id=") >= 3
    by_nurse = client.get(f"/schedule?day={day}&by=staff")
    assert 'data-view="staff"' in by_nurse.text and "Avery" in by_nurse.text
    week = client.get(f"/schedule/week?start={day}")
    assert week.status_code == 200 and "Avery" in week.text
    bad = client.get("/schedule?day=not-a-day")
    assert bad.status_code == 422 and "day" in bad.text


def test_reminders_ics_and_chair_out_of_service(
    world: World, booked: Booked, desk: tuple[TestClient, str]
) -> None:
    client, csrf = desk
    course = booked.courses[0]
    _book(desk, course.id)
    series = sorted(
        booked.schedule.series_of_patient(world.actor(Role.NURSE), course.patient_id),
        key=lambda b: b.start_at,
    )
    world.clock.current = series[0].start_at - timedelta(hours=20)
    reminders = client.get("/schedule/reminders")
    assert f'data-appointment-id="{series[0].id}"' in reminders.text
    ics = client.get(f"/patients/{course.patient_id}/calendar.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert ics.text.count("BEGIN:VEVENT") == 6
    staff = client.get(f"/schedule/staff/{series[0].nurse_id}/calendar.ics")
    assert staff.status_code == 200 and "BEGIN:VCALENDAR" in staff.text
    day = series[0].start_at.astimezone(CHICAGO).date()
    out = client.post(
        "/schedule/chairs/out-of-service",
        data={
            "csrf_token": csrf,
            "chair_id": str(series[0].chair_id),
            "from_day": day.isoformat(),
            "to_day": (day + timedelta(days=30)).isoformat(),
            "reason": "pump fault",
        },
    )
    assert out.status_code == 200, out.text[:500]
    affected = re.findall(r'data-patient-id="(\d+)"', out.text)
    assert str(course.patient_id) in affected


def test_booster_button_and_staff_unavailable_form(
    world: World, booked: Booked, desk: tuple[TestClient, str]
) -> None:
    client, csrf = desk
    course = booked.courses[0]
    panel = _book(desk, course.id)
    assert f'id="book-booster-{course.id}"' not in panel  # nothing to book before a plan
    assert f'id="no-booster-plan-{course.id}"' in panel
    assert "No maintenance plan yet: the physician decides maintenance on the outcome page" in panel
    booster = client.post(  # no booster plan stored: refused, never the protocol default
        f"/courses/{course.id}/boosters", data={"csrf_token": csrf, "booster_number": "1"}
    )
    assert "store the booster plan first" in booster.text
    assert 'data-kind="booster"' not in booster.text
    bad = client.post(f"/courses/{course.id}/boosters", data={"csrf_token": csrf})
    assert "boosters are numbered from 1" in bad.text
    series = sorted(
        booked.schedule.series_of_patient(world.actor(Role.NURSE), course.patient_id),
        key=lambda b: b.start_at,
    )
    day = series[0].start_at.astimezone(CHICAGO).date().isoformat()
    page = client.get(f"/schedule?day={day}")
    assert 'id="staff-off-form"' in page.text
    off = client.post(
        "/schedule/staff/unavailable",
        data={
            "csrf_token": csrf,
            "staff_id": str(series[0].nurse_id),
            "from_day": day,
            "to_day": day,
            "reason": "off sick",
        },
    )
    assert off.status_code == 200 and "unavailable: re-plan" in off.text
    assert f'data-patient-id="{course.patient_id}"' in off.text
    missing = client.post("/schedule/staff/unavailable", data={"csrf_token": csrf})
    assert missing.status_code == 422 and "Staff member" in missing.text
