"""The demo clinic seeded the way ``ketaclinic demo`` seeds it shows the later stages of the
pathway: months of synthetic history made through the services on a clock moved forward, with
completed courses and their outcomes, drop-outs, a course waiting for reassessment, a course in
maintenance with boosters booked and a course whose relapse watch met the rule. The physician's
Today page lists the reassessment and the relapse; the outcomes dashboard (JSON and CSV) has
rates by month, time to response and drop-out by session. Seeding twice adds nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ketaclinic.adapters.protocol_files import shipped_protocols
from ketaclinic.bootstrap import Services, build
from ketaclinic.domain.errors import ClinicError
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.identity.staff import Clinic
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.outcomes.response import OutcomeClass, ScoreKind
from ketaclinic.domain.patients.course import CourseState
from ketaclinic.domain.scheduling.booking import BookingStatus
from ketaclinic.entrypoints.app import create_app
from ketaclinic.services.audit.ports import AuditQuery
from ketaclinic.services.demo import DEMO_PASSWORD, seed_demo
from ketaclinic.services.demo_clinic import history_services
from ketaclinic.services.demo_history import (
    HISTORY_DAYS,
    HISTORY_FAMILY,
    HistoryCourse,
    book_demo_boosters,
    seed_demo_history,
)
from ketaclinic.services.demo_pathway import demo_actors, seed_demo_pathway
from ketaclinic.services.demo_stages import seed_demo_stages
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.conftest import World, make_world, truncate_all
from tests.fakes import CountingTokens, FakeClock

# The seeded clinic is shared by this module's tests: `make test` keeps them on one worker.
pytestmark = pytest.mark.xdist_group("demo_history")


@dataclass(frozen=True)
class Seeded:
    clinic: Clinic
    history: list[HistoryCourse]
    end: datetime
    seeder: Services  # the services on the seeding clock (same database)
    clock: FakeClock


@pytest.fixture(scope="module")
def history_world(
    migrated_engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One clinic database per backend for this module: seeding months of history takes seconds,
    and every test here only reads it (seeding again is shown to add nothing)."""
    truncate_all(migrated_engine)
    world = make_world(migrated_engine, tmp_path_factory.mktemp("history"))
    yield world
    world.services.live.close()


@pytest.fixture(scope="module")
def seeded(history_world: World) -> Iterator[Seeded]:
    """``ketaclinic demo`` on a fake clock: the clinic opens HISTORY_DAYS before the world's
    now, its history runs forward to now, then the rest of the demo is seeded at now."""
    world = history_world
    end = world.clock.now()
    clock = FakeClock(end - timedelta(days=HISTORY_DAYS))
    s = build(
        world.services.settings, clock=clock, tokens=CountingTokens(), engine=world.services.engine
    )
    demo = seed_demo(s.uow, clock, s.staff, s.patients, s.protocols, shipped_protocols())
    history = seed_demo_history(s.uow, clock, history_services(s), demo.clinic.id, until=end)
    assert clock.now() == end
    seed_demo_schedule(s.uow, clock, demo.clinic.id)
    book_demo_boosters(s.boosters, s.schedule, s.uow, demo.clinic.id, history)
    seed_demo_pathway(s.uow, clock, s.pathway(), demo.clinic.id)
    seed_demo_stages(s.uow, clock, s.pathway(), s.outcomes, demo.clinic.id)
    yield Seeded(demo.clinic, history, end, s, clock)
    s.live.close()


@pytest.fixture
def client(history_world: World, seeded: Seeded) -> Iterator[TestClient]:
    with TestClient(create_app(services=history_world.services)) as c:
        yield c


def by_name(seeded: Seeded) -> dict[str, HistoryCourse]:
    return {h.given: h for h in seeded.history}


def sign_in(client: TestClient, email: str) -> None:
    page = client.get("/signin")
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"email": email, "password": DEMO_PASSWORD, "csrf_token": csrf}
    assert client.post("/signin", data=form, follow_redirects=False).status_code == 303


def test_every_later_stage_exists_with_its_history(history_world: World, seeded: Seeded) -> None:
    s = history_world.services
    nurse = demo_actors(s.uow, seeded.clinic.id)[Role.NURSE]
    states = {h.given: s.courses.view(nurse, h.course_id).course.state for h in seeded.history}
    completed = ("Aspen", "Briar", "Clover", "Ember", "Fable", "Heath")
    assert states == {
        **dict.fromkeys(completed, CourseState.COMPLETED),
        "Dune": CourseState.DISCONTINUED,
        "Grove": CourseState.DISCONTINUED,
        "Isle": CourseState.MAINTENANCE,
        "Juno": CourseState.MAINTENANCE,
        "Kestrel": CourseState.REASSESSMENT,
    }
    aspen = by_name(seeded)["Aspen"]
    days = s.session_workflow.for_patient(nurse, aspen.patient_id)
    assert [d.session.state for d in days] == [SessionState.DISCHARGED] * 6
    # the history carries its own times: the first course opened about six months ago
    assert all(d.session.created_at < seeded.end - timedelta(days=150) for d in days)
    review = s.outcomes.review(nurse, aspen.course_id)
    kinds = [x.kind for x in review.scores]
    assert kinds.count(ScoreKind.SESSION) == 6 and ScoreKind.REASSESSMENT in kinds
    outcomes = {
        given: s.outcomes.review(nurse, by_name(seeded)[given].course_id).outcome.outcome
        for given in ("Aspen", "Briar", "Clover", "Fable")
    }
    assert outcomes == {
        "Aspen": OutcomeClass.REMISSION,
        "Briar": OutcomeClass.RESPONSE,
        "Clover": OutcomeClass.NO_RESPONSE,
        "Fable": OutcomeClass.PARTIAL_RESPONSE,
    }
    dune = s.session_workflow.for_patient(nurse, by_name(seeded)["Dune"].patient_id)
    assert [d.session.state for d in dune] == [SessionState.DISCHARGED] * 2
    juno = by_name(seeded)["Juno"]
    assert s.maintenance.plan(nurse, juno.course_id) is not None
    boosters = s.boosters.booked(nurse, juno.course_id)  # on the calendar, ahead of today
    assert boosters and {b.status for b in boosters} == {BookingStatus.CONFIRMED}
    assert all(b.start_at > seeded.end for b in boosters)


def test_the_demo_leaves_no_technical_alarm_for_sessions_without_a_monitor(
    history_world: World, seeded: Seeded
) -> None:
    """Every demo session was monitored by hand (no monitor assigned): nothing was ever
    "missing", so neither the seeding nor a sweep puts a data-missing alarm on the board."""
    s = history_world.services
    nurse = demo_actors(s.uow, seeded.clinic.id)[Role.NURSE]
    sessions = [
        d.session
        for h in seeded.history
        for d in s.session_workflow.for_patient(nurse, h.patient_id)
    ]
    assert sessions and all(x.monitor_device_id is None for x in sessions)
    alarms = [a for x in sessions for a in s.alarms.for_session(nurse, x.id)]
    assert not any(a.rule_id.endswith("data-missing") for a in alarms)
    assert s.monitoring.sweep(seeded.clinic.id) == []


def test_audit_events_of_the_history_carry_historic_times(
    history_world: World, seeded: Seeded
) -> None:
    world = history_world
    auditor = demo_actors(world.services.uow, seeded.clinic.id)[Role.AUDITOR]
    aspen = by_name(seeded)["Aspen"]
    query = AuditQuery(seeded.clinic.id, patient_id=aspen.patient_id, limit=1000)
    found = [e for _, e in world.services.audit.search(auditor, query)]
    moves = [e for e in found if e.action == "session.transition"]
    discharges = [e for e in moves if e.detail.endswith("->discharged")]
    assert len(discharges) == 6
    assert all(e.at < seeded.end - timedelta(days=150) for e in discharges)
    assert max(e.at for e in found) < seeded.end - timedelta(days=60)


def test_the_physician_today_page_lists_reassessment_and_relapse(
    client: TestClient, seeded: Seeded
) -> None:
    sign_in(client, "physician@demo.ketaclinic.test")
    today = client.get("/today")
    assert today.status_code == 200
    section = today.text.split('id="today-outcomes"', 1)[1].split("</section>", 1)[0]
    names = by_name(seeded)
    for kind, given in (("relapse", "Isle"), ("reassessment_due", "Kestrel")):
        row = f'data-kind="{kind}" data-course-id="{names[given].course_id}"'
        assert row in section, kind
        assert f"{given}" in section.split(row, 1)[1].split("</tr>", 1)[0]


def test_the_outcomes_dashboard_shows_every_figure(client: TestClient, seeded: Seeded) -> None:
    token = client.post(
        "/api/v1/auth/token",
        json={"email": "admin@demo.ketaclinic.test", "password": DEMO_PASSWORD},
    )
    assert token.status_code == 200, token.text
    headers = {"authorization": f"Bearer {token.json()['access_token']}"}
    first = (seeded.end - timedelta(days=HISTORY_DAYS)).strftime("%Y-%m")
    last = seeded.end.strftime("%Y-%m")
    months = {"from_month": first, "to_month": last}
    got = client.get("/api/v1/outcomes/dashboard", params=months, headers=headers)
    assert got.status_code == 200, got.text
    body = got.json()
    [adult] = [p for p in body["protocols"] if p["protocol_id"] == "adult-iv-induction"]
    rates = adult["rates_by_month"]
    assert len(rates) >= 4  # courses opened over several months
    # nine courses reached session 6: seven responded (two in remission), two did not
    assert sum(r["denominator"] for r in rates) == 9
    assert sum(r["responders"] for r in rates) == 7
    assert sum(r["remitters"] for r in rates) == 2
    [remission] = adult["remission"]
    assert (remission["end_of_series_n"], remission["end_of_series_remitted"]) == (9, 2)
    assert (remission["three_month_n"], remission["three_month_remitted"]) == (4, 2)
    assert any(r["events"] for r in adult["time_to_response"])
    assert any(r["censored"] for r in adult["time_to_response"])
    assert adult["series_sessions"] == 6
    dropped = {r["session_number"]: r["dropped_after"] for r in adult["retention"]}
    assert dropped[2] == 1 and dropped[4] == 1
    # the demo's only drop-outs: courses still in induction today are not counted as stopped
    assert sum(dropped.values()) == 2
    assert body["sessions_source"] == "administrations"
    assert any(r["adverse_events"] for r in body["safety"])
    sign_in(client, "admin@demo.ketaclinic.test")
    page = client.get("/outcomes")  # the default range (the past twelve months) shows it all
    assert page.status_code == 200
    for figure in ("rates", "remission", "time_to_response", "retention", "safety"):
        assert f'data-figure="{figure}"' in page.text
    assert "No course in this range yet." not in page.text
    for figure in ("rates", "remission", "trajectory", "time_to_response", "retention", "safety"):
        assert f'data-denominator="{figure}"' in page.text  # each table says what it is out of
    for figure in ("rates", "time_to_response", "retention", "remission", "safety"):
        csv = client.get(f"/outcomes/{figure}.csv", params=months)
        assert csv.status_code == 200
        assert len(csv.text.strip().splitlines()) > 1, figure


def test_seeding_the_history_again_adds_nothing(seeded: Seeded) -> None:
    s = seeded.seeder
    again = seed_demo_history(
        s.uow, seeded.clock, history_services(s), seeded.clinic.id, until=seeded.end
    )
    assert again == []


def test_the_history_refuses_a_clock_that_starts_too_late(world: World) -> None:
    s = world.services
    demo = seed_demo(s.uow, world.clock, s.staff, s.patients, s.protocols, shipped_protocols())
    with pytest.raises(ClinicError) as refused:
        seed_demo_history(
            s.uow, world.clock, history_services(s), demo.clinic.id, until=world.clock.now()
        )
    assert refused.value.field == "clock"
    desk = demo_actors(s.uow, demo.clinic.id)[Role.FRONT_DESK]
    assert s.patients.search(desk, PatientSearch(demo.clinic.id, text=HISTORY_FAMILY)) == []
