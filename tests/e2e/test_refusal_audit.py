"""A change someone asked for and was refused is in the audit trail (HIPAA 164.312(b)): who, the
patient, the page or route, the status and the rule, never the values typed; the admin's and
auditor's worklist of refused actions lists it by name."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import bearer
from tests.infusion_world import walked_session


def test_a_refused_step_is_audited_with_its_rule_and_listed_for_the_auditor(
    client: TestClient, world: World
) -> None:
    walked = walked_session(world)
    sid, patient = walked.session.id, walked.session.patient_id
    refused = client.post(
        f"/api/v1/sessions/{sid}/steps/pause",
        headers=bearer(client, world, Role.COACH),
        json={"reason": "secret-typed-words"},
    )
    assert refused.status_code == 403, refused.text
    auditor = world.actor(Role.AUDITOR)
    now = world.clock.now()
    found = world.services.audit_exceptions.between(
        auditor, now - timedelta(hours=1), now + timedelta(hours=1)
    )
    [event] = [x for x in found if x.event.action == "request.refused"]
    assert event.event.patient_id == patient
    assert event.event.actor_id == world.actor(Role.COACH).staff_id
    assert event.actor_name == "Test Coach"
    assert event.event.outcome == "refused"
    assert "status=403" in event.event.detail
    assert "rules=session.runner_role" in event.event.detail
    assert "secret-typed-words" not in event.event.detail


def test_a_request_that_succeeds_writes_no_refusal(client: TestClient, world: World) -> None:
    sid = walked_session(world).session.id
    done = client.post(
        f"/api/v1/sessions/{sid}/steps/pause",
        headers=bearer(client, world, Role.NURSE),
        json={"reason": "nausea"},
    )
    assert done.status_code == 200, done.text
    now = world.clock.now()
    found = world.services.audit_exceptions.between(
        world.actor(Role.AUDITOR), now - timedelta(hours=1), now + timedelta(hours=1)
    )
    assert not [x for x in found if x.event.action == "request.refused"]
