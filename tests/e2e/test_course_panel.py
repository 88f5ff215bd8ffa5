"""The course panel through HTTP: open a course, see next steps with reasons, move with a reason."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from ketaclinic.adapters.protocol_files import shipped_protocol
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from tests.conftest import World
from tests.e2e.conftest import web_login


def signed_protocol(world: World) -> int:
    [published] = world.services.protocols.publish(
        world.clinic.id, [shipped_protocol("adult-iv-induction")]
    )
    physician = world.actor(Role.PHYSICIAN)
    items = world.services.protocols.signoff_items(physician, published.id)
    world.services.protocols.sign_off(physician, published.id, [i.path for i in items])
    return published.id


def test_app_opens_and_moves_a_course_and_sees_refusals(client: TestClient, world: World) -> None:
    version = signed_protocol(world)
    patient = world.services.patients.register(
        world.actor(Role.FRONT_DESK),
        PatientDetails("Finley", "Demo-Fir", date(1979, 9, 9), SexAtBirth.MALE),
    )
    csrf = web_login(client, world, Role.APP)
    hx = {"hx-request": "true"}
    opened = client.post(
        f"/patients/{patient.id}/courses",
        data={"csrf_token": csrf, "protocol_version_id": str(version)},
        headers=hx,
    )
    assert opened.status_code == 200 and 'data-state="referred"' in opened.text
    course_id = world.services.courses.for_patient(world.actor(Role.APP), patient.id)[0].id
    moved = client.post(
        f"/courses/{course_id}/move", data={"csrf_token": csrf, "to": "evaluating"}, headers=hx
    )
    assert 'data-state="evaluating"' in moved.text
    assert 'data-to="eligible">Mark eligible</button>' in moved.text
    assert 'data-to="discontinued">Discontinue the course</button>' in moved.text
    assert "Move to eligible" not in moved.text and "Move to discontinued" not in moved.text
    assert moved.headers["HX-Trigger"] == "chart-changed"  # the other panels load again
    banner = client.get(f"/patients/{patient.id}/panels/banner")
    assert banner.status_code == 200 and 'id="patient-banner"' in banner.text
    assert "course evaluating" in banner.text and "<html" not in banner.text
    assert (
        "eligibility decision not signed" in moved.text
    )  # the next step's guard, shown before trying
    refused = client.post(
        f"/courses/{course_id}/move", data={"csrf_token": csrf, "to": "eligible"}, headers=hx
    )
    assert 'role="alert"' in refused.text and "eligibility decision not signed" in refused.text
    assert 'data-state="evaluating"' in refused.text
    assert "HX-Trigger" not in refused.headers  # nothing changed: nothing to load again


def test_front_desk_neither_reads_the_course_panel_nor_opens_a_course(
    client: TestClient, world: World
) -> None:
    """Course progress (eligibility, consent, induction) is clinical: the desk's chart leaves the
    panel out and the banner alone names the course's state."""
    version = signed_protocol(world)
    patient = world.services.patients.register(
        world.actor(Role.FRONT_DESK),
        PatientDetails("Gray", "Demo-Ginkgo", date(1990, 1, 1), SexAtBirth.FEMALE),
    )
    csrf = web_login(client, world, Role.FRONT_DESK)
    panel = client.get(f"/patients/{patient.id}/panels/courses")
    assert panel.status_code == 403 and "Not shown to your role" in panel.text
    assert 'id="panel-courses"' not in client.get(f"/patients/{patient.id}").text
    denied = client.post(
        f"/patients/{patient.id}/courses",
        data={"csrf_token": csrf, "protocol_version_id": str(version)},
    )
    assert denied.status_code == 403
