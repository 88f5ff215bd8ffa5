"""One input model per use case: the web form and the JSON API refuse the same bad input naming
the same field, and accept the same good input (a manual move, a dose order, a bedside check)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from ketaclinic.domain.identity.access import Role
from ketaclinic.entrypoints.app import create_app
from tests.conftest import PASSWORD, World
from tests.e2e.conftest import bearer, web_login
from tests.integration.test_orders_service import set_up_course
from tests.schedule_world import Booked, schedule_world

ORDER = {
    "route": "iv",
    "mg_per_kg": "0.5",
    "vial_mg_per_ml": "50",
    "final_volume_ml": "100",
    "premedications": ["ondansetron"],
}


@pytest.fixture
def booked(world: World) -> Booked:
    found = schedule_world(world)
    world.services.schedule, world.services.replans = found.schedule, found.replans
    return found


@pytest.fixture
def web(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(services=world.services)) as c:
        yield c


@pytest.fixture
def api(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(services=world.services)) as c:
        yield c


def _web_fields(page: Response) -> set[str]:
    """The fields the page lists as wrong (the summary above the form names each one)."""
    assert page.status_code in (200, 422), page.text[:500]
    return set(re.findall(r'<li data-field="([a-z_.\[\]0-9]+)"><strong>', page.text))


def _api_fields(response: Response) -> set[str]:
    assert response.status_code == 422, response.text
    return set(response.json()["fields"])


# -- a manual move ---------------------------------------------------------------------------
def _series(world: World, booked: Booked, web: TestClient, csrf: str) -> list[int]:
    course = booked.courses[0]
    assert web.post(f"/courses/{course.id}/series", data={"csrf_token": csrf}).status_code == 200
    web.post(f"/courses/{course.id}/series/confirm", data={"csrf_token": csrf})
    series = booked.schedule.series_of_patient(world.actor(Role.NURSE), course.patient_id)
    return [b.id for b in sorted(series, key=lambda b: b.start_at)]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"chair_id": 0}, "chair_id"),
    ],
)
def test_a_bad_move_is_refused_naming_the_same_field(
    world: World,
    booked: Booked,
    web: TestClient,
    api: TestClient,
    bad: dict[str, object],
    field: str,
) -> None:
    csrf = web_login(web, world, Role.FRONT_DESK)
    first = _series(world, booked, web, csrf)[0]
    booking = world.services.schedule.series_of_patient(
        world.actor(Role.NURSE), booked.courses[0].patient_id
    )[0]
    local = booking.start_at.astimezone(ZoneInfo(world.clinic.timezone))
    good: dict[str, object] = {"reason": "bus timetable", "chair_id": booking.chair_id}
    form = {
        "csrf_token": csrf,
        "day": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        **{k: str(v) for k, v in {**good, **bad}.items()},
    }
    page = web.post(f"/appointments/{first}/move", data=form)
    assert field in _web_fields(page)
    json = {"start_at": booking.start_at.isoformat(), **good, **bad}
    desk = bearer(api, world, Role.FRONT_DESK)
    refused = api.post(f"/api/v1/schedule/appointments/{first}/move", headers=desk, json=json)
    assert field in _api_fields(refused)


def test_the_same_good_move_is_accepted_by_both(
    world: World, booked: Booked, web: TestClient, api: TestClient
) -> None:
    csrf = web_login(web, world, Role.FRONT_DESK)
    ids = _series(world, booked, web, csrf)
    series = sorted(
        world.services.schedule.series_of_patient(
            world.actor(Role.NURSE), booked.courses[0].patient_id
        ),
        key=lambda b: b.start_at,
    )
    local = series[0].start_at.astimezone(ZoneInfo(world.clinic.timezone))
    form = {
        "csrf_token": csrf,
        "day": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "chair_id": str(series[0].chair_id),
        "reason": "bus timetable",
    }
    page = web.post(f"/appointments/{ids[0]}/move", data=form)
    assert 'data-accepted="true"' in page.text, page.text[:2000]
    desk = bearer(api, world, Role.FRONT_DESK)
    json = {
        "start_at": series[1].start_at.isoformat(),
        "chair_id": series[1].chair_id,
        "reason": "bus timetable",
    }
    moved = api.post(f"/api/v1/schedule/appointments/{ids[1]}/move", headers=desk, json=json)
    assert moved.status_code == 200, moved.text
    assert datetime.fromisoformat(moved.json()["start_at"]) == series[1].start_at


# -- a dose order and its bedside check ------------------------------------------------------
@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"mg_per_kg": "-1"}, "mg_per_kg"),
        ({"mg_per_kg": "0"}, "mg_per_kg"),
        ({"vial_mg_per_ml": "50.00001"}, "vial_mg_per_ml"),
        ({"final_volume_ml": "-5"}, "final_volume_ml"),
        ({"override_reason": "x" * 2001}, "override_reason"),
    ],
)
def test_a_bad_order_is_refused_naming_the_same_field(
    world: World, web: TestClient, api: TestClient, bad: dict[str, str], field: str
) -> None:
    setup = set_up_course(
        world.services, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    )
    csrf = web_login(web, world, Role.APP)
    form = {"csrf_token": csrf, **ORDER, **bad, "reauth_password": PASSWORD}
    page = web.post(f"/courses/{setup.course_id}/orders", data=form, follow_redirects=False)
    assert page.status_code == 422
    assert field in _web_fields(page)
    app = bearer(api, world, Role.APP)
    refused = api.post(
        f"/api/v1/courses/{setup.course_id}/orders", headers=app, json={**ORDER, **bad}
    )
    assert field in _api_fields(refused)


def test_the_same_good_order_is_accepted_by_both(
    world: World, web: TestClient, api: TestClient
) -> None:
    setup = set_up_course(
        world.services, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    )
    csrf = web_login(web, world, Role.APP)
    form = {"csrf_token": csrf, **ORDER, "action": "preview"}
    preview = web.post(f"/courses/{setup.course_id}/orders", data=form)
    assert preview.status_code == 200 and not _web_fields(preview), preview.text[:1000]
    app = bearer(api, world, Role.APP)
    signed = api.post(f"/api/v1/courses/{setup.course_id}/orders", headers=app, json=ORDER)
    assert signed.status_code == 201, signed.text


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"mrn": " "}, "mrn"),
        ({"drug": ""}, "drug"),
        ({"dose_mg": "-35"}, "dose_mg"),
        ({"rate_ml_per_h": "0"}, "rate_ml_per_h"),
        ({"concentration_mg_per_ml": "0.123456"}, "concentration_mg_per_ml"),
    ],
)
def test_a_bad_bedside_check_is_refused_naming_the_same_field(
    world: World, web: TestClient, api: TestClient, bad: dict[str, str], field: str
) -> None:
    setup = set_up_course(
        world.services, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    )
    app = bearer(api, world, Role.APP)
    order = api.post(f"/api/v1/courses/{setup.course_id}/orders", headers=app, json=ORDER).json()
    check = {
        "mrn": setup.mrn,
        "drug": "ketamine",
        "route": "iv",
        "concentration_mg_per_ml": "0.35",
        "dose_mg": "35",
        "rate_ml_per_h": "150",
    }
    csrf = web_login(web, world, Role.NURSE)
    page = web.post(f"/orders/{order['id']}/verify", data={"csrf_token": csrf, **check, **bad})
    assert page.status_code == 422 and field in _web_fields(page)
    nurse = bearer(api, world, Role.NURSE)
    refused = api.post(f"/api/v1/orders/{order['id']}/verify", headers=nurse, json={**check, **bad})
    assert field in _api_fields(refused)
    passed = api.post(f"/api/v1/orders/{order['id']}/verify", headers=nurse, json=check)
    assert passed.status_code == 200, passed.text


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"anxiety_0_10": 11}, "anxiety_0_10"),
        ({"sleep_hours_last_night": "25"}, "sleep_hours_last_night"),
        ({"sleep_hours_last_night": "7.125"}, "sleep_hours_last_night"),
    ],
)
def test_a_bad_check_in_is_refused_naming_the_same_field(
    world: World, web: TestClient, api: TestClient, bad: dict[str, object], field: str
) -> None:
    setup = set_up_course(
        world.services, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    )
    good: dict[str, object] = {"anxiety_0_10": 4, "sleep_hours_last_night": "7"}
    csrf = web_login(web, world, Role.NURSE)
    form = {"csrf_token": csrf, **{k: str(v) for k, v in {**good, **bad}.items()}}
    url = f"/courses/{setup.course_id}/checkins"
    page = web.post(url, data=form, headers={"hx-request": "true"})
    assert f'id="{field}-error"' in page.text
    json = {**good, "anxiety_spike": False, "illness": False, **bad}
    nurse = bearer(api, world, Role.NURSE)
    refused = api.post(f"/api/v1{url}", headers=nurse, json=json)
    assert field in _api_fields(refused)
    assert world.services.checkins.latest(world.actor(Role.NURSE), setup.course_id) is None
    recorded = web.post(
        url,
        data={"csrf_token": csrf, **{k: str(v) for k, v in good.items()}},
        headers={"hx-request": "true"},
    )
    assert 'id="checkin-recorded"' in recorded.text
    accepted = api.post(f"/api/v1{url}", headers=nurse, json={**json, **good})
    assert accepted.status_code == 201, accepted.text


def test_a_drop_without_a_reason_is_refused_naming_the_same_field(
    world: World, booked: Booked, web: TestClient, api: TestClient
) -> None:
    csrf = web_login(web, world, Role.FRONT_DESK)
    first = _series(world, booked, web, csrf)[0]
    page = web.post(
        f"/appointments/{first}/drop", data={"csrf_token": csrf, "why": "cancelled", "reason": " "}
    )
    assert "reason" in _web_fields(page)
    desk = bearer(api, world, Role.FRONT_DESK)
    url = f"/api/v1/schedule/appointments/{first}/drop"
    refused = api.post(url, headers=desk, json={"why": "cancelled", "reason": " "})
    assert "reason" in _api_fields(refused)
    dropped = api.post(url, headers=desk, json={"why": "cancelled", "reason": "unwell"})
    assert dropped.status_code == 200, dropped.text


# -- patient registration --------------------------------------------------------------------
PATIENT = {
    "given_name": "Rowan",
    "family_name": "Demo-Alder",
    "date_of_birth": "1990-05-06",
    "sex_at_birth": "female",
}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"given_name": "R" * 101}, "given_name"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "a" * 250 + "@demo.test"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"address": "x" * 301}, "address"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
    ],
)
def test_a_bad_registration_is_refused_naming_the_same_field(
    world: World, web: TestClient, api: TestClient, bad: dict[str, str], field: str
) -> None:
    csrf = web_login(web, world, Role.FRONT_DESK)
    page = web.post("/patients/new", data={"csrf_token": csrf, **PATIENT, **bad})
    assert page.status_code == 422 and f'id="{field}-error"' in page.text
    desk = bearer(api, world, Role.FRONT_DESK)
    refused = api.post("/api/v1/patients", headers=desk, json={**PATIENT, **bad})
    assert field in _api_fields(refused)


def test_the_same_good_registration_is_accepted_by_both(
    world: World, web: TestClient, api: TestClient
) -> None:
    csrf = web_login(web, world, Role.FRONT_DESK)
    page = web.post("/patients/new", data={"csrf_token": csrf, **PATIENT}, follow_redirects=False)
    assert page.status_code == 303, page.text[:500]
    desk = bearer(api, world, Role.FRONT_DESK)
    created = api.post("/api/v1/patients", headers=desk, json=PATIENT)
    assert created.status_code == 201, created.text
