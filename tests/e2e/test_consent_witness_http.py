"""A consent witness is a named, active member of the clinic's staff, chosen from a list, on
SQLite and PostgreSQL: the tablet offers staff by name and role (no free text); the signature
stores the witness's staff id, name and role; through the API a typed name alone, an unknown,
deactivated or other clinic's staff id is refused (rule ``consent.witness_staff``) naming the
field, and nothing is stored. The clinician collecting consent may witness it too."""

from __future__ import annotations

import re
from datetime import date
from importlib import resources
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ketaclinic.adapters.protocol_files import parse_pack
from ketaclinic.domain.consent.signatures import SignerRole
from ketaclinic.domain.identity.access import Role
from ketaclinic.domain.patients.people import PatientDetails, SexAtBirth
from ketaclinic.services.identity.clinics import create_clinic
from ketaclinic.services.identity.staff_admin import NewStaff
from tests.conftest import PASSWORD, World
from tests.e2e.conftest import bearer, web_login
from tests.integration.test_evaluation_fixtures import (
    ADULT_INSTRUMENTS,
    Enrolled,
    _open,
    evaluate_and_sign,
    evaluation_for,
    signature,
)

CONSENT = "iv-ketamine-informed-consent"


@pytest.fixture
def enrolled(world: World) -> Enrolled:
    """An eligible adult on a clinic pack whose IV consent needs a witness."""
    shipped = resources.files("ketaclinic.protocols") / "adult-iv-induction.yaml"
    text = shipped.read_text(encoding="utf-8")
    plain = "signer: patient}"
    assert text.count(plain) == 1
    witnessed = parse_pack(
        text.replace(plain, "signer: patient, witness_required: true}"),
        source_name="adult-iv-induction (witnessed consent)",
    )
    assert all(d.witness_required for d in witnessed.consent.documents)
    [published] = world.services.protocols.publish(world.clinic.id, [witnessed])
    physician = world.actor(Role.PHYSICIAN)
    items = world.services.protocols.signoff_items(physician, published.id)
    world.services.protocols.sign_off(physician, published.id, [i.path for i in items])
    details = PatientDetails("Alex", "Demo-Witnessed", date(1985, 6, 1), SexAtBirth.MALE)
    patient = world.services.patients.register(world.actor(Role.FRONT_DESK), details)
    made = Enrolled(patient.id, _open(world, patient.id, published.id), None, "Alex Demo-Witnessed")
    evaluate_and_sign(world, made, evaluation_for(40, ADULT_INSTRUMENTS))
    return made


def _body(world: World, enrolled: Enrolled, **witness: Any) -> dict[str, Any]:
    given = signature(world, enrolled, CONSENT, SignerRole.PATIENT)
    return {
        "document_id": given.document_id,
        "document_version": given.document_version,
        "document_hash": given.document_hash,
        "signer": "patient",
        "signer_name": given.signer_name,
        "image_png": given.image_png,
        **witness,
    }


def _sign(client: TestClient, world: World, enrolled: Enrolled, **witness: Any) -> Any:
    url = f"/api/v1/courses/{enrolled.course_id}/consent/signatures"
    nurse = bearer(client, world, Role.NURSE)
    return client.post(url, headers=nurse, json=_body(world, enrolled, **witness))


def _stored(world: World, enrolled: Enrolled) -> list[Any]:
    return list(
        world.services.consents.view(world.actor(Role.NURSE), enrolled.course_id).signatures
    )


def test_a_typed_witness_name_through_the_api_is_refused_naming_the_field(
    client: TestClient, world: World, enrolled: Enrolled
) -> None:
    typed = _sign(client, world, enrolled, witness_name="Sam Someone")
    assert typed.status_code == 422, typed.text
    fields = typed.json()["fields"]
    assert set(fields) == {"witness_name"}
    assert fields["witness_name"].startswith("consent.witness_staff: ")
    assert "not typed" in fields["witness_name"]
    missing = _sign(client, world, enrolled)
    assert missing.status_code == 422
    assert "needs a witness" in missing.json()["fields"]["witness_staff_id"]
    assert _stored(world, enrolled) == []


def test_an_unknown_inactive_or_other_clinics_witness_is_refused(
    client: TestClient, world: World, enrolled: Enrolled
) -> None:
    admin = world.actor(Role.ADMIN)
    gone = world.services.staff.create(
        admin, NewStaff("left@testclinic.test", "Jo Demo-Left", Role.NURSE, PASSWORD)
    )
    assert gone is not None
    world.services.staff.set_active(admin, gone.id, False)
    elsewhere = create_clinic(world.services.uow, world.clock, "otherclinic", "Other", "UTC", "OC")
    other_clinic = world.services.staff.bootstrap_create(
        elsewhere, NewStaff("rn@elsewhere.test", "Pat Elsewhere", Role.NURSE, PASSWORD)
    )
    for staff_id in (999_999, gone.id, other_clinic.id):
        refused = _sign(client, world, enrolled, witness_staff_id=staff_id)
        assert refused.status_code == 422, (staff_id, refused.text)
        assert refused.json()["fields"] == {
            "witness_staff_id": "consent.witness_staff: not an active member of this clinic's staff"
        }
    nurse = world.actor(Role.NURSE).staff_id
    wrong_name = _sign(client, world, enrolled, witness_staff_id=nurse, witness_name="Sam Other")
    assert wrong_name.status_code == 422 and set(wrong_name.json()["fields"]) == {"witness_name"}
    assert _stored(world, enrolled) == []


def test_the_collecting_nurse_may_witness_and_the_record_keeps_id_name_and_role(
    client: TestClient, world: World, enrolled: Enrolled
) -> None:
    nurse = world.actor(Role.NURSE).staff_id
    made = _sign(client, world, enrolled, witness_staff_id=nurse, witness_name="test  nurse")
    assert made.status_code == 201, made.text
    [stored] = _stored(world, enrolled)
    s = stored.signature
    assert (s.witness_staff_id, s.witness_name, s.witness_role) == (nurse, "Test Nurse", "nurse")
    web_login(client, world, Role.NURSE)
    page = client.get(f"/courses/{enrolled.course_id}/consent").text
    assert "witness Test Nurse (nurse)" in page


def test_the_tablet_offers_the_clinics_staff_by_name_with_no_free_text(
    client: TestClient, world: World, enrolled: Enrolled
) -> None:
    csrf = web_login(client, world, Role.NURSE)
    url = f"/courses/{enrolled.course_id}/consent/sign?document={CONSENT}&signer=patient"
    page = client.get(url).text
    assert 'name="witness_name"' not in page
    options = page.split('name="witness_staff_id"', 1)[1].split("</select>", 1)[0]
    names = re.findall(r">([^<>]+)</option>", options)
    assert names[0] == "— choose —" and "Test Nurse (nurse)" in names
    assert "Test Physician (physician)" in names and not any("@" in n for n in names)
    body = _body(world, enrolled) | {"csrf_token": csrf, "reauth_password": PASSWORD}
    refused = client.post(
        f"/courses/{enrolled.course_id}/consent/sign", data=body | {"agrees": "yes"}
    )
    assert refused.status_code == 422
    assert 'id="witness_staff_id-error"' in refused.text and "needs a witness" in refused.text
    chosen = str(world.actor(Role.PHYSICIAN).staff_id)
    done = client.post(
        f"/courses/{enrolled.course_id}/consent/sign",
        data=body | {"agrees": "yes", "witness_staff_id": chosen},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[:600]
    [stored] = _stored(world, enrolled)
    assert stored.signature.witness_name == "Test Physician"
    assert stored.signature.witness_role == "physician"


def test_the_api_offers_the_same_witnesses_as_the_tablet_and_signs_with_one_of_them(
    client: TestClient, world: World, enrolled: Enrolled
) -> None:
    admin = world.actor(Role.ADMIN)
    gone = world.services.staff.create(
        admin, NewStaff("left@testclinic.test", "Jo Demo-Left", Role.NURSE, PASSWORD)
    )
    assert gone is not None
    world.services.staff.set_active(admin, gone.id, False)
    url = f"/api/v1/courses/{enrolled.course_id}/consent"
    read = client.get(url, headers=bearer(client, world, Role.NURSE))
    assert read.status_code == 200, read.text
    witnesses = read.json()["witnesses"]
    offered = world.services.consents.view(world.actor(Role.NURSE), enrolled.course_id).witnesses
    assert witnesses == [
        {"staff_id": w.staff_id, "name": w.name, "role": w.role.value} for w in offered
    ]
    by_name = {w["name"]: w for w in witnesses}
    assert by_name["Test Nurse"]["role"] == "nurse" and "Jo Demo-Left" not in by_name
    assert all("@" not in w["name"] for w in witnesses)
    chosen = by_name["Test Physician"]["staff_id"]
    made = _sign(client, world, enrolled, witness_staff_id=chosen)
    assert made.status_code == 201, made.text
    [stored] = _stored(world, enrolled)
    assert (stored.signature.witness_staff_id, stored.signature.witness_role) == (
        chosen,
        "physician",
    )
