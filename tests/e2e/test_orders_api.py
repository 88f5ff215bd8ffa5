"""The dosing API over HTTP: the order screen, signing with field errors, the bedside check that
answers 409 on a mismatch, and ``GET /api/v1/fhir/MedicationRequest?patient=`` validated as R4B."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationrequest import MedicationRequest

from ketaclinic.domain.consent.signatures import ConsentStatus
from ketaclinic.domain.identity.access import Role
from ketaclinic.services.dosing.checkins import CheckinEntry
from tests.conftest import World
from tests.e2e.conftest import bearer, web_login
from tests.integration.test_orders_service import set_up_course

ORDER = {
    "route": "iv",
    "mg_per_kg": "0.5",
    "vial_mg_per_ml": "50",
    "final_volume_ml": "100",
    "premedications": ["ondansetron"],
}


def test_sign_verify_and_export_over_http(client: TestClient, world: World) -> None:
    setup = set_up_course(
        world.services, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    )
    app, nurse = bearer(client, world, Role.APP), bearer(client, world, Role.NURSE)
    screen = client.get(f"/api/v1/courses/{setup.course_id}/order-screen", headers=app)
    assert screen.status_code == 200, screen.text
    assert screen.json()["recommendation"]["dose_mg"] == "35.0"

    bad = client.post(
        f"/api/v1/courses/{setup.course_id}/orders", headers=app, json={**ORDER, "mg_per_kg": "-1"}
    )
    assert bad.status_code == 422 and "mg_per_kg" in bad.json()["fields"]
    override = client.post(
        f"/api/v1/courses/{setup.course_id}/orders", headers=app, json={**ORDER, "mg_per_kg": "0.4"}
    )
    assert override.status_code == 409 and override.json()["field"] == "override_reason"

    signed = client.post(f"/api/v1/courses/{setup.course_id}/orders", headers=app, json=ORDER)
    assert signed.status_code == 201, signed.text
    order = signed.json()
    assert (order["dose_mg"], order["rate_ml_per_h"]) == ("35.0", "150.0")

    check = {
        "mrn": setup.mrn,
        "drug": "ketamine",
        "route": "iv",
        "concentration_mg_per_ml": "50",
        "dose_mg": "35",
        "rate_ml_per_h": "150",
    }
    blocked = client.post(f"/api/v1/orders/{order['id']}/verify", headers=nurse, json=check)
    assert blocked.status_code == 409
    assert [m["field"] for m in blocked.json()["mismatches"]] == ["concentration_mg_per_ml"]
    passed = client.post(
        f"/api/v1/orders/{order['id']}/verify",
        headers=nurse,
        json={**check, "concentration_mg_per_ml": "0.35"},
    )
    assert passed.status_code == 200 and passed.json()["order"]["status"] == "verified"

    fhir = client.get(f"/api/v1/fhir/MedicationRequest?patient={setup.patient_id}", headers=nurse)
    assert fhir.status_code == 200
    bundle = Bundle.model_validate(fhir.json())
    assert bundle.total == 2  # ketamine and ondansetron
    resources = [e["resource"] for e in fhir.json()["entry"]]
    for resource in resources:
        MedicationRequest.model_validate(resource)
    assert resources[1]["basedOn"] == [{"reference": f"MedicationRequest/{resources[0]['id']}"}]


def test_fhir_search_for_an_unknown_patient_is_404(client: TestClient, world: World) -> None:
    headers = bearer(client, world, Role.NURSE)
    response = client.get("/api/v1/fhir/MedicationRequest?patient=999999", headers=headers)
    assert response.status_code == 404
    assert client.get("/api/v1/fhir/MedicationRequest", headers=headers).status_code == 422


def test_app_cannot_sign_an_order_when_consent_is_withdrawn(
    client: TestClient, world: World
) -> None:
    setup = set_up_course(
        world.services, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    )
    setup.gate.consent = ConsentStatus((), ("iv-ketamine-informed-consent@1:patient: withdrawn",))
    app = bearer(client, world, Role.APP)
    refused = client.post(f"/api/v1/courses/{setup.course_id}/orders", headers=app, json=ORDER)
    assert refused.status_code == 409, refused.text
    assert any("withdrawn" in r for r in refused.json()["reasons"])
    setup.gate.consent, setup.gate.eligible = None, False
    refused = client.post(f"/api/v1/courses/{setup.course_id}/orders", headers=app, json=ORDER)
    assert refused.status_code == 409, refused.text


def test_a_kat_course_orders_and_verifies_every_route_its_protocol_allows(
    client: TestClient, world: World
) -> None:
    """SL and IN go the same path as IV and IM: the prescriber's order, the nurse's check.
    A route the course's protocol does not dose is refused naming the field and the rule."""
    setup = set_up_course(
        world.services,
        world.clock,
        world.actor(Role.PHYSICIAN),
        world.actor(Role.FRONT_DESK),
        protocol_id="kat-holistic",
    )
    app, nurse = bearer(client, world, Role.APP), bearer(client, world, Role.NURSE)
    base = f"/api/v1/courses/{setup.course_id}"
    iv = client.get(f"{base}/order-screen?route=iv", headers=app)
    assert iv.status_code == 422
    assert "plan.route_not_in_protocol" in iv.json()["fields"]["route"]
    refused = client.post(f"{base}/orders", headers=app, json=ORDER)
    assert refused.status_code == 422
    assert "plan.route_not_in_protocol" in refused.json()["fields"]["route"]

    screen = client.get(f"{base}/order-screen?route=sl", headers=app)
    assert screen.status_code == 200, screen.text
    assert screen.json()["route"] == "sl"
    above = client.post(f"{base}/orders", headers=app, json={"route": "sl", "fixed_mg": "450"})
    assert above.status_code == 409 and "ceiling" in above.text  # never overridden
    signed = client.post(f"{base}/orders", headers=app, json={"route": "sl", "fixed_mg": "100"})
    assert signed.status_code == 201, signed.text
    order = signed.json()
    assert (order["route"], order["dose_mg"], order["rate_ml_per_h"]) == ("sl", "100", None)
    check = {"mrn": setup.mrn, "drug": "ketamine", "route": "sl", "dose_mg": "100"}
    wrong = client.post(
        f"/api/v1/orders/{order['id']}/verify", headers=nurse, json={**check, "route": "in"}
    )
    assert wrong.status_code == 409 and [m["field"] for m in wrong.json()["mismatches"]] == [
        "route"
    ]
    passed = client.post(f"/api/v1/orders/{order['id']}/verify", headers=nurse, json=check)
    assert passed.status_code == 200 and passed.json()["order"]["status"] == "verified"


def test_the_web_order_form_refuses_a_route_the_protocol_does_not_dose(
    client: TestClient, world: World
) -> None:
    setup = set_up_course(
        world.services,
        world.clock,
        world.actor(Role.PHYSICIAN),
        world.actor(Role.FRONT_DESK),
        protocol_id="kat-holistic",
    )
    csrf = web_login(client, world, Role.APP)
    form = client.get(f"/courses/{setup.course_id}/orders/new?route=in")
    assert form.status_code == 200 and 'data-limit="max_mg">100 mg' in form.text
    posted = client.post(
        f"/courses/{setup.course_id}/orders",
        data={"csrf_token": csrf, "route": "iv", "mg_per_kg": "0.5", "action": "preview"},
    )
    assert posted.status_code == 422
    assert "plan.route_not_in_protocol" in posted.text and "<strong>Route</strong>" in posted.text
    assert world.services.orders.for_patient(world.actor(Role.APP), setup.patient_id) == []


def _dose_field(page: str) -> str:
    found = re.search(r'<input[^>]*id="mg_per_kg"[^>]*value="([^"]*)"', page)
    assert found is not None, page
    return found.group(1)


def test_the_order_form_prefills_only_a_proposed_dose(client: TestClient, world: World) -> None:
    setup = set_up_course(
        world.services, world.clock, world.actor(Role.PHYSICIAN), world.actor(Role.FRONT_DESK)
    )
    web_login(client, world, Role.APP)
    proposed = client.get(f"/courses/{setup.course_id}/orders/new")
    assert proposed.status_code == 200 and 'id="recommended-dose"' in proposed.text
    assert _dose_field(proposed.text) == "0.5"
    # ill since the last session: postpone, no dose proposed; the prescriber types one with a
    # written reason, so the form offers no dose to sign by default
    entry = CheckinEntry(
        anxiety_0_10=2, anxiety_spike=False, sleep_hours_last_night=Decimal(8), illness=True
    )
    world.services.checkins.record(world.actor(Role.NURSE), setup.course_id, entry)
    postponed = client.get(f"/courses/{setup.course_id}/orders/new")
    assert postponed.status_code == 200
    assert "no dose is proposed" in postponed.text
    assert 'data-outcome="postpone"' in postponed.text
    assert _dose_field(postponed.text) == ""
    dose_input = re.search(r'<input[^>]*id="mg_per_kg"[^>]*>', postponed.text)
    assert dose_input is not None and 'autocomplete="off"' in dose_input.group(0)
