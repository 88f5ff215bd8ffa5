"""Trying to get past the consent and assent gate over HTTP, as the staff who would try.

A 15-year-old's guardian has given permission; the APP tries to move the course to consented
without the adolescent's own assent, and after a recorded dissent; both are refused naming what
is missing or blocking (clinical.md §6.3).
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from ketaclinic.domain.consent.signatures import SignerRole
from ketaclinic.domain.identity.access import Role
from ketaclinic.services.evaluation.eligibility import SignRequest
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.integration.test_consent_service import eligible_adolescent, sign
from tests.integration.test_evaluation_fixtures import (
    ADOLESCENT_INSTRUMENTS,
    enrol_adolescent,
    evaluation_for,
)

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


def test_the_adolescent_consent_page_names_each_document_and_marks_what_is_signed(
    client: TestClient, world: World
) -> None:
    enrolled = eligible_adolescent(world)
    sign(world, enrolled, PERMISSION, SignerRole.GUARDIAN)
    web_login(client, world, Role.APP)
    page = client.get(f"/courses/{enrolled.course_id}/consent").text
    status = page.split('id="consent-status"', 1)[1].split("</section>", 1)[0]
    shown = re.sub(r"<details.*?</details>", "", status, flags=re.S)
    assert "<strong>Family involvement and follow-up plan</strong> · guardian (permission)" in shown
    missing = [li for li in shown.split("<li>")[1:] if "signature missing" in li]
    assert len(missing) == 2 and all("<strong>" in li for li in missing)  # each names its document
    assert len({li.split("</strong>", 1)[0] for li in missing}) == 2
    assert f"{PERMISSION}@" not in shown
    signed_row = page.split(f'<tr data-document="{PERMISSION}" data-signer="guardian">', 1)[1]
    signed_row = signed_row.split("</tr>", 1)[0]
    assert "Signed" in signed_row and "Sign on tablet" not in signed_row
    open_row = page.split(f'<tr data-document="{ASSENT}" data-signer="assent">', 1)[1]
    assert "Sign on tablet" in open_row.split("</tr>", 1)[0]
    withdraw = page.split('id="withdrawals"', 1)[1]
    assert ">Guardian (permission)</option>" in withdraw
    assert ">Patient (assent)</option>" in withdraw and ">assent</option>" not in withdraw


def test_a_signed_eligibility_decision_is_not_offered_for_signing_again(
    client: TestClient, world: World
) -> None:
    """Signed on the latest evaluation while the course is still being evaluated: "Signed",
    no "Sign as physician"; a changed evaluation offers signing again."""
    enrolled = enrol_adolescent(world)
    web_login(client, world, Role.PHYSICIAN)
    evaluation = evaluation_for(15, ADOLESCENT_INSTRUMENTS)
    app = world.actor(Role.APP)
    stored = world.services.evaluations.record(app, enrolled.course_id, evaluation)
    unsigned = client.get(f"/courses/{enrolled.course_id}/eligibility").text
    assert 'id="sign-eligibility"' in unsigned and 'id="signoff-done"' not in unsigned
    world.services.eligibility.sign(
        world.actor(Role.PHYSICIAN), enrolled.course_id, SignRequest(stored.version)
    )
    page = client.get(f"/courses/{enrolled.course_id}/eligibility").text
    assert 'id="sign-eligibility"' not in page and "Sign as" not in page
    assert 'id="signoff-done"' in page
    world.services.evaluations.record(app, enrolled.course_id, evaluation)
    again = client.get(f"/courses/{enrolled.course_id}/eligibility").text
    assert 'id="sign-eligibility"' in again
