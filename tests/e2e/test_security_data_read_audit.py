"""Every read of patient data writes an audit event naming the patient (HIPAA 164.312(b),
IHE BALP read/query/export; ASVS V7.1).

The walk requests every guarded GET route of the app, as a role the route lets through, on a
clinic with a running infusion session and a booked series. Any 200 response that shows one of
the patients (their MRN or given name) or names them by an id in its path must have written a
``phi.*`` audit event for that patient, by that user, during that request. A new route that
returns patient data without going through the read audit fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ketaclinic.adapters.db.tables import audit_events
from ketaclinic.domain.assessments.safety import Urgency
from ketaclinic.domain.identity.access import Role, is_allowed
from ketaclinic.domain.patients.people import Patient
from ketaclinic.entrypoints.app import create_app
from ketaclinic.entrypoints.guards import ApiActor
from ketaclinic.services.assessments.safety import SafetyFlag, open_tasks
from ketaclinic.services.patients.ports import PatientSearch
from ketaclinic.services.scheduling.setup import seed_demo_schedule
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.e2e.test_route_permissions import fill, guard_of, routes
from tests.infusion_world import running_sessions
from tests.schedule_world import TEST_LIMITS, consent_in_force_stub

# the audit trail names patients by id only and is itself the record of access (auditor, admin)
SKIP = {"/api/v1/audit", "/audit"}
ROLES = (Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK, Role.COACH, Role.ADMIN)


@dataclass
class Clinic:
    patients: list[Patient]
    ids: dict[str, int]


@pytest.fixture
def clinic(world: World) -> Clinic:
    from ketaclinic.adapters.scheduling import CpSatScheduler
    from ketaclinic.services.scheduling.booking import ScheduleService

    [monitor] = running_sessions(world, count=1, chairs=2, patients=2)
    seed_demo_schedule(world.services.uow, world.clock, world.clinic.id)
    physician = world.actor(Role.PHYSICIAN)
    patients = list(
        world.services.patients.search(
            physician, PatientSearch(world.clinic.id, text="Demo-Infusion")
        )
    )
    booked = next(p for p in patients if p.id != monitor.session.patient_id)
    version = world.services.protocols.published(physician)[0].id
    course = world.services.courses.open(physician, booked.id, version)
    world.services.schedule = ScheduleService(
        world.services.uow, world.clock, CpSatScheduler(), consent_in_force_stub, limits=TEST_LIMITS
    )
    proposal = world.services.schedule.book_series(world.actor(Role.FRONT_DESK), course.id)
    flag = SafetyFlag("phq9.item9", "PHQ-9 item 9 positive", Urgency.URGENT)
    with world.services.uow() as uow:  # a safety task: the worklists show this patient too
        [task] = open_tasks(
            uow, world.clock, world.actor(Role.NURSE), booked.id, [flag], source="test"
        )
        uow.commit()
    ids = {
        "patient_id": monitor.session.patient_id,
        "course_id": monitor.session.course_id,
        "session_id": monitor.session.id,
        "appointment_id": proposal.bookings[0].id,
        "chair_id": monitor.session.chair_id,
        "task_id": task.id,
    }
    return Clinic(patients, ids)


@pytest.fixture
def client(world: World, clinic: Clinic) -> Iterator[TestClient]:
    with TestClient(create_app(services=world.services), raise_server_exceptions=False) as c:
        yield c


def reads(world: World, patient_id: int, actor_id: int | None) -> int:
    with world.services.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).where(
                    audit_events.c.patient_id == patient_id,
                    audit_events.c.actor_id == actor_id,
                    audit_events.c.action.like("phi.%"),
                )
            ).scalar_one()
        )


def shown(body: str, patient: Patient) -> bool:
    """The patient's MRN or given name, or their id as a JSON field or FHIR reference."""
    markers = (
        patient.mrn,
        patient.details.given_name,
        f'"patient_id":{patient.id},',
        f'"patient_id":{patient.id}}}',
        f'Patient/{patient.id}"',
    )
    return any(m in body for m in markers)


def test_every_route_showing_a_patient_audits_the_read(
    world: World, client: TestClient, clinic: Clinic
) -> None:
    auth = {role: (bearer(client, world, role), role) for role in ROLES}
    missing: list[str] = []
    showing: set[str] = set()
    checked = 0
    for method, path, route in routes(create_app(services=world.services)):
        guard = guard_of(route)
        if method != "GET" or guard is None or path in SKIP:
            continue
        role = next(
            (r for r in ROLES if guard.permission is None or is_allowed(r, guard.permission)),
            None,
        )
        if role is None:
            continue
        url = fill(path, clinic.ids)
        actor = world.actor(role)
        if not isinstance(guard, ApiActor):
            web_login(client, world, role)  # lands on the patient list: counted before the read
        before = {p.id: reads(world, p.id, actor.staff_id) for p in clinic.patients}
        if isinstance(guard, ApiActor):
            response = client.get(url, headers=auth[role][0])
        else:
            response = client.get(url, follow_redirects=False)
        if response.status_code != 200:
            continue
        for p in clinic.patients:
            by_id = any(f"{{{k}}}" in path for k in ("patient_id", "course_id", "session_id"))
            named = by_id and p.id == clinic.ids["patient_id"]
            if not (shown(response.text, p) or named):
                continue
            showing.add(path)
            if reads(world, p.id, actor.staff_id) <= before[p.id]:
                missing.append(f"{method} {path} ({role.value}) showed patient {p.id} unaudited")
            checked += 1
    assert missing == [], "\n".join(missing)
    lists = {"/patients", "/api/v1/patients", "/board", "/schedule", "/schedule/week"}
    worklists = {"/worklist/safety", "/api/v1/safety/tasks", "/today"}
    assert lists | worklists <= showing, "the walk must reach the lists that show patients"
    assert checked > 20


def events_for(world: World, patient_id: int, actor_id: int | None) -> list[dict[str, object]]:
    with world.services.engine.connect() as conn:
        rows = conn.execute(
            select(audit_events)
            .where(audit_events.c.patient_id == patient_id, audit_events.c.actor_id == actor_id)
            .where(audit_events.c.action.like("phi.%"))
            .order_by(audit_events.c.id)
        ).mappings()
        return [dict(r) for r in rows]


P, N, D = Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK
KINDS = [
    (D, "/api/v1/patients?q=Demo-Infusion", "phi.query", "api:"),
    (D, "/patients?q=Demo-Infusion", "phi.query", "web:"),
    (P, "/api/v1/patients/{patient_id}", "phi.read", "api:"),
    (P, "/patients/{patient_id}", "phi.read", "web:"),
    (P, "/patients/{patient_id}/panels/sessions", "phi.read", "web:"),
    (P, "/api/v1/courses/{course_id}/consent", "phi.read", "api:"),
    (P, "/api/v1/courses/{course_id}/evaluation", "phi.read", "api:"),
    (P, "/api/v1/patients/{patient_id}/orders", "phi.read", "api:"),
    (P, "/api/v1/courses/{course_id}/coaching-notes", "phi.read", "api:"),
    (P, "/api/v1/fhir/Consent?patient=Patient/{patient_id}", "phi.export", "fhir:"),
    (P, "/api/v1/sessions/{session_id}/fhir", "phi.export", "fhir:"),
    (N, "/sessions/{session_id}", "phi.read", "web:"),
    (N, "/board", "phi.query", "web:"),
    (D, "/patients/{patient_id}/calendar.ics", "phi.export", "web:"),
    (P, "/courses/{course_id}/report.pdf", "phi.export", "web:"),
]


@pytest.mark.parametrize(("role", "template", "action", "area"), KINDS, ids=[k[1] for k in KINDS])
def test_each_kind_of_patient_read_writes_a_balp_shaped_event(
    world: World,
    client: TestClient,
    clinic: Clinic,
    role: Role,
    template: str,
    action: str,
    area: str,
) -> None:
    """Who (staff id, role, client), what patient, what page or resource (type and id), when,
    the action and the outcome; the search text itself is never stored."""
    actor = world.actor(role)
    patient_id = clinic.ids["patient_id"]
    url = template.format(**clinic.ids)
    api = url.startswith("/api/")
    headers = bearer(client, world, role) if api else {}
    if not api:
        web_login(client, world, role)  # lands on the patient list: counted before the read
        headers = {"hx-request": "true"} if "panels" in url else {}
    before = len(events_for(world, patient_id, actor.staff_id))
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.text[:300]
    new = events_for(world, patient_id, actor.staff_id)[before:]
    assert new, f"no read event for {url}"
    event = new[-1]
    assert event["action"] == action and event["outcome"] == "success"
    assert event["actor_role"] == role.value and str(event["object_type"]).startswith(area)
    assert event["object_id"] == url.split("?")[0][:64] and event["at"] == world.clock.now()
    with world.services.engine.connect() as conn:
        leaked = conn.execute(
            select(func.count()).where(
                (audit_events.c.detail.like("%Demo-Infusion%"))
                | (audit_events.c.object_id.like("%Demo-Infusion%"))
            )
        ).scalar_one()
    assert leaked == 0


def test_a_search_names_every_patient_it_returned(
    world: World, client: TestClient, clinic: Clinic
) -> None:
    desk = world.actor(Role.FRONT_DESK)
    response = client.get(
        "/api/v1/patients?q=Demo-Infusion", headers=bearer(client, world, Role.FRONT_DESK)
    )
    assert response.status_code == 200 and len(response.json()) == len(clinic.patients)
    for p in clinic.patients:
        assert any(e["action"] == "phi.query" for e in events_for(world, p.id, desk.staff_id))


def test_the_audit_list_filters_by_patient_user_and_date_range(
    world: World, client: TestClient, clinic: Clinic
) -> None:
    nurse = world.actor(Role.NURSE)
    patient_id = clinic.ids["patient_id"]
    assert (
        client.get(
            f"/api/v1/patients/{patient_id}", headers=bearer(client, world, Role.NURSE)
        ).status_code
        == 200
    )
    auditor = bearer(client, world, Role.AUDITOR)
    day = world.clock.now()
    hour = timedelta(hours=1)
    query = {
        "patient_id": patient_id,
        "actor_id": nurse.staff_id,
        "since": (day - hour).isoformat(),
        "until": (day + hour).isoformat(),
    }
    found = client.get("/api/v1/audit", params=query, headers=auditor).json()
    assert found and {(e["patient_id"], e["actor_id"]) for e in found} == {
        (patient_id, nurse.staff_id)
    }
    assert any(e["action"] == "phi.read" for e in found)
    later = {
        **query,
        "since": (day + timedelta(days=1)).isoformat(),
        "until": (day + timedelta(days=2)).isoformat(),
    }
    assert client.get("/api/v1/audit", params=later, headers=auditor).json() == []
    web_login(client, world, Role.AUDITOR)
    local = day.astimezone(ZoneInfo(world.clinic.timezone)).date()
    window = {"from_day": (local - timedelta(days=1)).isoformat(), "to_day": local.isoformat()}
    page = client.get(
        "/audit", params={"patient_id": patient_id, "actor_id": nurse.staff_id, **window}
    )
    assert page.status_code == 200 and "phi.read" in page.text
    empty = client.get(
        "/audit",
        params={"patient_id": patient_id, "from_day": (local + timedelta(days=1)).isoformat()},
    )
    assert "No events match." in empty.text
    backwards = client.get(
        "/audit",
        params={"from_day": local.isoformat(), "to_day": (local - timedelta(days=2)).isoformat()},
    )
    assert backwards.status_code == 422 and "to_day" in backwards.text


def test_a_refused_read_of_another_clinics_patient_names_no_one(
    world: World, client: TestClient, clinic: Clinic, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
    from tests.conftest import make_world

    other = make_world(world.services.engine, tmp_path_factory.mktemp("b"), slug="otherclinic")
    secret = other.services.patients.register(
        other.actor(Role.FRONT_DESK),
        PatientDetails("Secretia", "Demo-Otherclinic", date(1970, 1, 1), SexAtBirth.FEMALE),
    )
    physician = world.actor(Role.PHYSICIAN)
    refused = client.get(
        f"/api/v1/patients/{secret.id}", headers=bearer(client, world, Role.PHYSICIAN)
    )
    assert refused.status_code == 404
    assert events_for(world, secret.id, physician.staff_id) == []


def test_a_read_refused_by_role_is_audited_as_a_failure(
    world: World, client: TestClient, clinic: Clinic
) -> None:
    """The auditor may not read the schedule; the attempt on a patient's calendar is on record."""
    auditor = world.actor(Role.AUDITOR)
    patient_id = clinic.ids["patient_id"]
    web_login(client, world, Role.AUDITOR)  # lands on the patient list (a query of its own)
    before = len(events_for(world, patient_id, auditor.staff_id))
    refused = client.get(f"/patients/{patient_id}/calendar.ics")
    assert refused.status_code == 403
    [event] = events_for(world, patient_id, auditor.staff_id)[before:]
    assert event["outcome"] == "failure" and event["action"] == "phi.export"
