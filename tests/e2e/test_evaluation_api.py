"""The evaluation, eligibility and consent API through HTTP, and the FHIR export validated with
``fhir.resources.R4B``; the web forms' inline errors; the signed consent PDF.
"""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.detectedissue import DetectedIssue
from fhir.resources.R4B.relatedperson import RelatedPerson

from ketaclinic.adapters.evaluation_codec import dump_evaluation
from ketaclinic.domain.consent.signatures import SignerRole
from ketaclinic.domain.evaluation.intake import Status
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.course import CourseState
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.integration.test_evaluation_fixtures import (
    ADOLESCENT_INSTRUMENTS,
    GUARDIAN_NAME,
    PNG,
    enrol_adolescent,
    evaluate_and_sign,
    evaluation_for,
)
from tests.unit.test_eligibility_fixtures import amend

PERMISSION = "guardian-permission-iv-ketamine"


def test_evaluation_json_errors_name_every_field_and_store_nothing(
    client: TestClient, world: World
) -> None:
    enrolled = enrol_adolescent(world)
    auth = bearer(client, world, Role.APP)
    bad = dump_evaluation(evaluation_for(15, ADOLESCENT_INSTRUMENTS))
    bad["medical"]["aneurysm"] = "maybe"
    bad["baseline_vitals"]["sbp_mmhg"] = "high"
    response = client.post(
        f"/api/v1/courses/{enrolled.course_id}/evaluation", headers=auth, json=bad
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "ValidationFailed"
    assert set(body["fields"]) == {"medical.aneurysm", "baseline_vitals.sbp_mmhg"}
    garbage = client.post(
        f"/api/v1/courses/{enrolled.course_id}/evaluation", headers=auth, content=b"{nope"
    )
    assert garbage.status_code == 422 and garbage.json()["field"] == "body"
    read = client.get(f"/api/v1/courses/{enrolled.course_id}/evaluation", headers=auth)
    assert read.json()["version"] is None


def test_api_walks_evaluation_sign_off_and_consent_then_fhir_validates(
    client: TestClient, world: World
) -> None:
    enrolled = enrol_adolescent(world)
    course = enrolled.course_id
    physician = bearer(client, world, Role.PHYSICIAN)
    evaluation = amend(evaluation_for(15, ADOLESCENT_INSTRUMENTS), psychiatric__mania=Status.PAST)
    body = json.loads(json.dumps(dump_evaluation(evaluation)))
    assert (
        client.post(
            f"/api/v1/courses/{course}/evaluation", headers=physician, json=body
        ).status_code
        == 201
    )
    findings = client.get(f"/api/v1/courses/{course}/eligibility", headers=physician).json()
    relative = [f for f in findings["findings"] if f["severity"] == "relative"]
    assert relative and all(f["evidence"] and f["source"] for f in findings["findings"])
    cautions = [f["rule"] for f in findings["findings"] if f["severity"] == "caution"]
    sign = {
        "evaluation_version": 1,
        "overrides": [
            {"rule": f["rule"], "reason": "Synthetic: stable for years"} for f in relative
        ],
        "acknowledged": cautions,
    }
    signed = client.post(f"/api/v1/courses/{course}/eligibility/sign", headers=physician, json=sign)
    assert signed.status_code == 201, signed.text
    world.services.courses.move(world.actor(Role.PHYSICIAN), course, CourseState.ELIGIBLE)

    nurse = bearer(client, world, Role.NURSE)
    consent = client.get(f"/api/v1/courses/{course}/consent", headers=nurse).json()
    assert consent["minor"] and not consent["complete"]
    doc = next(d for d in consent["documents"] if d["document_id"] == PERMISSION)
    assert "not at-home ketamine" in doc["text"] and "escort" in doc["text"].lower()
    signature = {
        "document_id": PERMISSION,
        "document_version": doc["version"],
        "document_hash": doc["hash"],
        "signer": "guardian",
        "signer_name": GUARDIAN_NAME,
        "image_png": PNG,
        "related_person_id": enrolled.guardian_id,
    }
    made = client.post(
        f"/api/v1/courses/{course}/consent/signatures", headers=nurse, json=signature
    )
    assert made.status_code == 201, made.text
    unknown = client.post(
        f"/api/v1/courses/{course}/consent/signatures", headers=nurse, json=signature | {"extra": 1}
    )
    assert unknown.status_code == 422
    web_login(client, world, Role.NURSE)
    overview = client.get(f"/courses/{course}/consent").text
    signed_li = overview.split('id="signed"', 1)[1].split("</ul>", 1)[0]
    title = next(d["title"] for d in consent["documents"] if d["document_id"] == PERMISSION)
    assert f"Guardian (permission) · {title}, version {doc['version']} · agrees" in signed_li
    assert f"{PERMISSION}@" not in signed_li and "— guardian ·" not in signed_li

    fhir_consents = client.get(f"/api/v1/fhir/Consent?patient={enrolled.patient_id}", headers=nurse)
    assert fhir_consents.headers["content-type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate(fhir_consents.json())
    [entry] = bundle.entry or []
    resource = Consent.model_validate(entry.resource.model_dump())  # type: ignore[union-attr]
    assert resource.status == "active"
    related = client.get(
        f"/api/v1/fhir/RelatedPerson?patient=Patient/{enrolled.patient_id}", headers=nurse
    )
    [guardian] = related.json()["entry"]
    RelatedPerson.model_validate(guardian["resource"])
    issues = client.get(f"/api/v1/fhir/DetectedIssue?patient={enrolled.patient_id}", headers=nurse)
    entries = issues.json()["entry"]
    assert entries
    for e in entries:
        DetectedIssue.model_validate(e["resource"])
    assert any(
        "overridden by physician" in e["resource"]["mitigation"][0]["action"]["text"]
        for e in entries
        if "mitigation" in e["resource"]
    )

    web_login(client, world, Role.NURSE)
    pdf = client.get(f"/consents/{made.json()['id']}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"


def test_fhir_export_of_another_clinics_patient_is_not_found(
    client: TestClient, world: World
) -> None:
    auth = bearer(client, world, Role.PHYSICIAN)
    assert client.get("/api/v1/fhir/Consent?patient=999999", headers=auth).status_code == 404
    assert client.get("/api/v1/fhir/Consent?patient=abc", headers=auth).status_code == 422


def test_web_evaluation_form_shows_inline_errors_and_saves_nothing(
    client: TestClient, world: World
) -> None:
    enrolled = enrol_adolescent(world)
    csrf = web_login(client, world, Role.APP)
    page = client.get(f"/courses/{enrolled.course_id}/evaluation")
    assert page.status_code == 200 and 'name="medical.aneurysm"' in page.text
    # baseline questionnaires are chosen among recorded responses; no total can be typed
    assert 'name="baseline_instruments[0].response_id"' in page.text
    assert 'name="baseline_instruments[0].total"' not in page.text
    response = client.post(
        f"/courses/{enrolled.course_id}/evaluation",
        data={
            "csrf_token": csrf,
            "presenting_problem": "",
            "diagnoses[1].system": "http://hl7.org/fhir/sid/icd-10-cm",
            "diagnoses[1].code": "not-a-code",
            "medical.blood_pressures[1].sbp_mmhg": "abc",
            "baseline_instruments[0].instrument": "phq-a",
            "baseline_instruments[0].response_id": "999",
        },
    )
    assert response.status_code == 422
    for name in (
        "presenting_problem",
        "diagnoses[1].code",
        "medical.blood_pressures[1].sbp_mmhg",
        "baseline_instruments[0].response_id",
    ):
        assert f'id="{name}-error"' in response.text, name
    assert "Nothing was saved" in response.text
    space = world.services.evaluations.workspace(world.actor(Role.APP), enrolled.course_id)
    assert space.versions == []


def test_tablet_signing_errors_are_shown_inline(client: TestClient, world: World) -> None:
    enrolled = enrol_adolescent(world)
    evaluate_and_sign(world, enrolled, evaluation_for(15, ADOLESCENT_INSTRUMENTS))
    csrf = web_login(client, world, Role.NURSE)
    screen = client.get(
        f"/courses/{enrolled.course_id}/consent/sign",
        params={"document": "adolescent-assent-iv-ketamine", "signer": "assent"},
    )
    assert screen.status_code == 200 and 'id="signature-pad"' in screen.text
    view = world.services.consents.view(world.actor(Role.NURSE), enrolled.course_id)
    req = view.requirement("adolescent-assent-iv-ketamine", SignerRole.ASSENT)
    assert req is not None
    response = client.post(
        f"/courses/{enrolled.course_id}/consent/sign",
        data={
            "csrf_token": csrf,
            "document_id": req.need.document_id,
            "document_version": req.need.document_version,
            "document_hash": req.document.hash,
            "signer": "assent",
            "signer_name": enrolled.name,
            "agrees": "yes",
            "image_png": "",
        },
    )
    assert response.status_code == 422 and 'id="image_png-error"' in response.text
    assert (
        world.services.consents.view(world.actor(Role.NURSE), enrolled.course_id).signatures == []
    )
