"""A booked visit that ends without a dose ("not dosed today") gives its appointment back.

The nurse closing a visit as not dosed after a pre-dose BP hard stop, or a prescriber deciding
"do not dose today" on a BP hold, cancels the session and, in the same unit of work, its
appointment ("cancelled: not dosed today: <reason>"): the chair is free on the schedule and in
the unscheduled-visit form, and the series is re-planned as for a cancellation on the schedule
(the missed session offered again). After a hard stop the nurse's Today says what is due
(close the visit) and the session page offers no premedication or IV form, which the service
refuses too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from ketaclinic.domain.errors import SafetyBlock
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.scheduling.booking import Booking, BookingStatus
from ketaclinic.services.audit.ports import AuditQuery
from ketaclinic.services.demo_pathway import prepare_course
from ketaclinic.services.infusion.demo_sessions import walk_to
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.infusion_world import prepare_clinic


@dataclass(frozen=True)
class BookedVisit:
    session_id: int
    course_id: int
    order_id: int
    series: list[Booking]


def _booked_visit(world: World) -> BookedVisit:
    """A synthetic adult with a confirmed series; 30 minutes before the first appointment
    the front desk marks them arrived and the nurse checks them in; the clock then 15 minutes
    into the appointment."""
    prepare_clinic(world)
    seed_demo_schedule(world.services.uow, world.clock, world.clinic.id)
    s, desk, nurse = world.services, world.actor(Role.FRONT_DESK), world.actor(Role.NURSE)
    patient = s.patients.search(nurse, PatientSearch(0, text="Demo-Infusion"))[0]
    course_id, order_id = prepare_course(
        s.uow, world.clock, s.pathway(), world.clinic.id, patient.id
    )
    s.schedule.book_series(desk, course_id)
    series = sorted(s.schedule.confirm_series(desk, course_id), key=lambda b: b.start_at)
    world.clock.current = series[0].start_at - timedelta(minutes=30)
    session = s.arrivals.check_in(desk, series[0].id)
    walk_to(
        s.session_workflow,
        s.orders,
        nurse,
        session.id,
        order_id,
        patient.mrn,
        until=SessionState.CHECKED_IN,
    )
    world.clock.current = series[0].start_at + timedelta(minutes=15)  # the pre-dose check
    return BookedVisit(session.id, course_id, order_id, series)


def _predose(order_id: int, bp: tuple[int, int], recheck: tuple[int, int]) -> dict[str, Any]:
    return {
        "sbp_mmhg": bp[0],
        "dbp_mmhg": bp[1],
        "hr_per_min": 72,
        "spo2_pct": 98,
        "symptom_check": "none",
        "order_id": order_id,
        "recheck_sbp_mmhg": recheck[0],
        "recheck_dbp_mmhg": recheck[1],
    }


def _bookings(world: World, course_id: int) -> list[Booking]:
    with world.services.uow() as uow:
        return list(uow.schedule.for_course(world.clinic.id, course_id))


def _assert_released(world: World, visit: BookedVisit, reason: str) -> None:
    """The appointment is cancelled with the reason, its chair free for another patient, and
    the series re-planned: as many active sessions as before, the missed one offered again."""
    first = visit.series[0]
    after = _bookings(world, visit.course_id)
    dropped = next(b for b in after if b.id == first.id)
    assert dropped.status is BookingStatus.CANCELLED
    assert dropped.note == f"cancelled: not dosed today: {reason}"
    active = [b for b in after if b.active]
    assert len(active) == len(visit.series)
    offered = [b for b in active if b.id not in {b.id for b in visit.series}]
    assert offered and all(b.status is BookingStatus.PROPOSED for b in offered)
    assert all(b.start_at > first.start_at for b in offered)
    with world.services.uow() as uow:
        trail = uow.audit.query(AuditQuery(world.clinic.id, limit=1000))
        events = [e for _, e in trail if e.action == "schedule.cancelled"]
        assert [e.object_id for e in events] == [str(first.id)]
        assert f"not dosed today: {reason}; re-plan replanned" in events[0].detail
        held = uow.schedule.active_between(world.clinic.id, first.start_at, first.end_at)
    assert first.id not in {b.id for b in held}


def test_closing_a_booked_visit_as_not_dosed_frees_its_appointment_and_re_plans(
    client: TestClient, world: World
) -> None:
    visit = _booked_visit(world)
    sid, first = visit.session_id, visit.series[0]
    nurse_api = bearer(client, world, Role.NURSE)
    high = client.post(
        f"/api/v1/sessions/{sid}/steps/pre-dose",
        headers=nurse_api,
        json=_predose(visit.order_id, (176, 106), (172, 104)),
    )
    assert high.status_code == 409 and high.json()["field"] == "predose_bp_hard_stop", high.text

    csrf = web_login(client, world, Role.NURSE)
    closed = client.post(
        f"/sessions/{sid}/steps/not-dosed",
        data={"reason": "BP over the hard stop", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert closed.status_code == 303, closed.text
    assert world.services.sessions.get(world.actor(Role.NURSE), sid).state is (
        SessionState.CANCELLED
    )
    _assert_released(world, visit, "BP over the hard stop")

    # another patient's unscheduled visit now finds the chair free
    other = world.services.patients.search(
        world.actor(Role.NURSE), PatientSearch(0, text="Demo-Infusion")
    )[1]
    s = world.services
    other_course, _ = prepare_course(s.uow, world.clock, s.pathway(), world.clinic.id, other.id)
    web_login(client, world, Role.PHYSICIAN)
    form = client.get(f"/courses/{other_course}/unscheduled").text
    with s.uow() as uow:
        chair = next(c.name for c in uow.clinics.chairs(world.clinic.id) if c.id == first.chair_id)
    assert f"{chair} (taken)" not in form and chair in form.split('id="free-chairs"', 1)[1]
    local_day = first.start_at.astimezone(ZoneInfo(world.clinic.timezone)).date()
    day = client.get(f"/schedule?day={local_day.isoformat()}")
    assert day.status_code == 200
    assert f'status-confirmed" data-appointment-id="{first.id}"' not in day.text


def test_a_prescribers_do_not_dose_decision_frees_the_appointment_the_same_way(
    client: TestClient, world: World
) -> None:
    visit = _booked_visit(world)
    flow = world.services.session_workflow
    with pytest.raises(SafetyBlock):
        flow.pre_dose(
            world.actor(Role.NURSE),
            visit.session_id,
            _predose(visit.order_id, (184, 96), (180, 96)),
        )
    decided = flow.decide_predose_bp(
        world.actor(Role.PHYSICIAN),
        visit.session_id,
        {"decision": "do_not_dose", "reason": "BP still high"},
    )
    assert decided.state is SessionState.CANCELLED
    _assert_released(world, visit, "BP still high")


def test_after_a_hard_stop_today_says_close_the_visit_and_the_page_offers_only_that(
    client: TestClient, world: World
) -> None:
    visit = _booked_visit(world)
    sid = visit.session_id
    nurse = world.actor(Role.NURSE)
    flow = world.services.session_workflow
    with pytest.raises(SafetyBlock):
        flow.pre_dose(nurse, sid, _predose(visit.order_id, (176, 106), (172, 104)))

    due = [d for d in world.services.due_now.due_now(nurse) if d.session.id == sid]
    assert [(d.what, d.anchor) for d in due] == [
        ("pre-dose BP hard stop, no dose today: close the visit as not dosed", "predose-hard-stop")
    ]
    web_login(client, world, Role.NURSE)
    today = client.get("/today").text
    row = today.split('id="today-due"', 1)[1].split(f'data-session-id="{sid}"', 1)[1]
    row = row.split("</tr>", 1)[0]
    assert "close the visit as not dosed" in row and "pre-dose checklist" not in row, row
    assert f'href="/sessions/{sid}#predose-hard-stop"' in row

    page = client.get(f"/sessions/{sid}").text
    assert f'action="/sessions/{sid}/steps/not-dosed"' in page
    for step in ("give", "iv", "pre-dose"):
        assert f'action="/sessions/{sid}/steps/{step}"' not in page, step
    forms = [a for a in re.findall(r'action="([^"]+)"', page) if a.startswith("/sessions/")]
    assert forms == [
        f"/sessions/{sid}/steps/not-dosed",
        f"/sessions/{sid}/vitals",
        f"/sessions/{sid}/monitor",
    ]

    with pytest.raises(SafetyBlock) as premed:
        flow.give(
            nurse,
            sid,
            {"drug": "ondansetron", "dose_mg": "4", "route": "IV", "lot": "L-1"},
        )
    assert premed.value.field == "predose_bp_hard_stop"
    with pytest.raises(SafetyBlock) as iv:
        flow.place_iv(nurse, sid, {"site": "left antecubital", "gauge": "22", "attempts": "1"})
    assert iv.value.field == "predose_bp_hard_stop"


def test_the_schedule_cannot_drop_the_appointment_of_a_visit_in_the_chair(
    client: TestClient, world: World
) -> None:
    """The front desk cancelling (or marking missed) the appointment of a checked-in patient
    is refused naming schedule.session_open, web and API, nothing changed; the nurse closes
    the visit as not dosed (the patient declines, no hard stop needed) and that gives the
    appointment back and re-plans the series."""
    visit = _booked_visit(world)
    first = visit.series[0]
    desk_api = bearer(client, world, Role.FRONT_DESK)
    for why in ("cancelled", "missed"):
        refused = client.post(
            f"/api/v1/schedule/appointments/{first.id}/drop",
            headers=desk_api,
            json={"why": why, "reason": "patient went home"},
        )
        assert refused.status_code == 409, refused.text
        assert "schedule.session_open" in refused.text and "checked in" in refused.text
    csrf = web_login(client, world, Role.FRONT_DESK)
    page = client.post(
        f"/schedule/appointments/{first.id}/drop",
        data={"why": "cancelled", "reason": "patient went home", "csrf_token": csrf},
    )
    assert page.status_code == 409 and "schedule.session_open" in page.text, page.text
    panel = client.post(  # the chart's appointments panel shows the refusal where it was asked
        f"/appointments/{first.id}/drop",
        data={"why": "cancelled", "reason": "patient went home", "csrf_token": csrf},
        headers={"HX-Request": "true"},
    )
    assert panel.status_code == 200, panel.text
    alert = panel.text.split('id="panel-error"', 1)[1].split("</div>", 1)[0]
    assert "the patient is here, checked in;" in alert, alert
    assert "scheduled" not in alert.split("<details", 1)[0], alert
    assert 'Why</summary><span class="meta">rule schedule.session_open' in alert, alert
    assert {b.id: b.status for b in _bookings(world, visit.course_id)}[first.id] is (
        BookingStatus.CONFIRMED
    )
    csrf = web_login(client, world, Role.NURSE)
    closed = client.post(
        f"/sessions/{visit.session_id}/steps/not-dosed",
        data={"reason": "patient declined today", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert closed.status_code == 303, closed.text
    _assert_released(world, visit, "patient declined today")


def test_a_recheck_above_the_hard_stop_asks_no_prescriber_decision(
    client: TestClient, world: World
) -> None:
    """A recheck of 205/122 is above the hard stop (and the hold): the refusal, over the web
    form and the API, says no dose today and never asks a prescriber to decide, matching the
    hard-stop card that says no one can override it."""
    visit = _booked_visit(world)
    sid = visit.session_id
    csrf = web_login(client, world, Role.NURSE)
    refused = client.post(
        f"/sessions/{sid}/steps/pre-dose",
        data={**_predose(visit.order_id, (208, 124), (205, 122)), "csrf_token": csrf},
        follow_redirects=False,
    )
    assert refused.status_code in (409, 422), refused.status_code
    assert "hard stop, no dose today" in refused.text
    assert "must decide" not in refused.text, refused.text
    again = client.post(
        f"/api/v1/sessions/{sid}/steps/pre-dose",
        headers=bearer(client, world, Role.NURSE),
        json=_predose(visit.order_id, (205, 122), (205, 122)),
    )
    assert again.status_code == 409 and again.json()["field"] == "predose_bp_hard_stop"
    page = client.get(f"/sessions/{sid}").text
    assert "no one can override it" in page and "must decide" not in page
