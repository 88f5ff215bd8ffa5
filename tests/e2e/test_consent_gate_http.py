"""Trying to get past the consent and assent gate over HTTP, as the staff who would try.

A 15-year-old's guardian has given permission; the APP tries to move the course to consented
without the adolescent's own assent, and after a recorded dissent; both are refused naming what
is missing or blocking (clinical.md §6.3).
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from ketaclinic.domain.consent.signatures import SignerRole
from ketaclinic.domain.identity.access import Role
from tests.conftest import World
from tests.e2e.conftest import bearer
from tests.integration.test_consent_service import eligible_adolescent, sign

PERMISSION = "guardian-permission-iv-ketamine"
FAMILY_PLAN = "family-involvement-plan"
ASSENT = "adolescent-assent-iv-ketamine"


def test_app_cannot_move_a_minor_to_consented_without_assent(
    client: TestClient, world: World
) -> None:
    enrolled = eligible_adolescent(world)
    for document in (PERMISSION, FAMILY_PLAN):
        sign(world, enrolled, document, SignerRole.GUARDIAN)
    app = bearer(client, world, Role.APP)
    moved = client.post(
        f"/api/v1/courses/{enrolled.course_id}/move", headers=app, json={"to": "consented"}
    )
    assert moved.status_code == 409, moved.text
    assert any("assent signature missing" in r for r in moved.json()["reasons"])


def test_app_cannot_move_a_minor_to_consented_over_a_recorded_dissent(
    client: TestClient, world: World
) -> None:
    enrolled = eligible_adolescent(world)
    for document in (PERMISSION, FAMILY_PLAN):
        sign(world, enrolled, document, SignerRole.GUARDIAN)
    sign(world, enrolled, ASSENT, SignerRole.ASSENT, agrees=False, image_png="")
    app = bearer(client, world, Role.APP)
    moved = client.post(
        f"/api/v1/courses/{enrolled.course_id}/move", headers=app, json={"to": "consented"}
    )
    assert moved.status_code == 409, moved.text
    assert any("adolescent dissent" in r for r in moved.json()["reasons"])
