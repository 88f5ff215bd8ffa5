"""A patient who turns 18 on the adolescent course gives their own consent over HTTP.

Before: guardian permission and assent in force at 17. After the 18th birthday the course asks
for the patient's own consent to the same course (sessions blocked until then); a guardian
permission is no longer what is needed and is refused; the patient's signature brings consent
back into force and is audited as an adult re-consent (clinical.md §6.3).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fastapi.testclient import TestClient

from ketaclinic.domain.consent.signatures import SignerRole
from ketaclinic.domain.evaluation.intake import SexAtBirth
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.people import PatientDetails, RelatedPersonDetails, RelationshipKind
from ketaclinic.domain.patients.people import SexAtBirth as ChartSex
from ketaclinic.services.audit.ports import AuditQuery
from tests.conftest import World
from tests.e2e.conftest import bearer
from tests.integration.test_consent_service import move_to_consented, sign
from tests.integration.test_evaluation_fixtures import (
    ADOLESCENT_INSTRUMENTS,
    GUARDIAN_NAME,
    PNG,
    Enrolled,
    _open,
    evaluate_and_sign,
    evaluation_for,
    publish,
)

ADULT_CONSENT = "adult-consent-iv-ketamine"
PERMISSION = "guardian-permission-iv-ketamine"


def seventeen_year_old_consented(world: World) -> Enrolled:
    """Born 2008-03-10: 17 on the test clock (2026-03-02), 18 eight days later."""
    front = world.actor(Role.FRONT_DESK)
    details = PatientDetails("Sage", "Demo-Sorrel", date(2008, 3, 10), ChartSex.FEMALE)
    patient = world.services.patients.register(front, details)
    guardian = world.services.patients.add_related(
        front,
        patient.id,
        RelatedPersonDetails(
            RelationshipKind.GUARDIAN, GUARDIAN_NAME, "parent", legal_authority=True
        ),
    )
    course = _open(world, patient.id, publish(world, "adolescent-iv"))
    enrolled = Enrolled(patient.id, course, guardian.id, "Sage Demo-Sorrel")
    evaluation = evaluation_for(17, ADOLESCENT_INSTRUMENTS)
    evaluate_and_sign(world, enrolled, replace(evaluation, sex_at_birth=SexAtBirth.FEMALE))
    for document, signer in (
        (PERMISSION, SignerRole.GUARDIAN),
        ("family-involvement-plan", SignerRole.GUARDIAN),
        ("adolescent-assent-iv-ketamine", SignerRole.ASSENT),
    ):
        sign(world, enrolled, document, signer)
    move_to_consented(world, enrolled)
    return enrolled


def test_a_patient_turning_18_gives_their_own_consent_to_the_same_course(
    client: TestClient, world: World
) -> None:
    enrolled = seventeen_year_old_consented(world)
    nurse = bearer(client, world, Role.NURSE)
    url = f"/api/v1/courses/{enrolled.course_id}/consent"
    assert client.get(url, headers=nurse).json()["complete"]

    world.clock.advance(days=9)  # the 18th birthday has passed
    nurse = bearer(client, world, Role.NURSE)
    now = client.get(url, headers=nurse).json()
    assert "minor" in now, now
    assert not now["minor"] and not now["complete"]
    doc = next(d for d in now["documents"] if d["document_id"] == ADULT_CONSENT)
    assert [d["document_id"] for d in now["documents"]] == [ADULT_CONSENT]

    guardian_again = client.post(
        f"{url}/signatures",
        headers=nurse,
        json={
            "document_id": PERMISSION,
            "document_version": "1",
            "document_hash": doc["hash"],
            "signer": "guardian",
            "signer_name": GUARDIAN_NAME,
            "image_png": PNG,
            "related_person_id": enrolled.guardian_id,
        },
    )
    assert guardian_again.status_code in (404, 409, 422), guardian_again.text

    signed = client.post(
        f"{url}/signatures",
        headers=nurse,
        json={
            "document_id": ADULT_CONSENT,
            "document_version": doc["version"],
            "document_hash": doc["hash"],
            "signer": "patient",
            "signer_name": enrolled.name,
            "image_png": PNG,
        },
    )
    assert signed.status_code == 201, signed.text
    assert client.get(url, headers=nurse).json()["complete"]
    events, _ = (
        world.services.audit.search(
            world.actor(Role.AUDITOR), AuditQuery(world.clinic.id, patient_id=enrolled.patient_id)
        ),
        None,
    )
    actions = [e.action for _i, e in events]
    assert "consent.adult_reconsent" in actions
