"""Dose orders as FHIR R4 ``MedicationRequest`` resources (validated with fhir.resources.R4B).

Coding: every quantity is UCUM (``mg``, ``mL/h``, ``mg/kg``, ``mg/mL``; landscape.md §3.4). The
drug is coded **by text only** ("ketamine"): landscape.md gives RxNorm RXCUI 6130 for the
ketamine ingredient only as "strongly indicated, verify via RxNav" and clinical.md does not
confirm it, so no RxNorm code is emitted until a pharmacist confirms it. Routes are text for the
same reason (the SNOMED route codes in landscape.md are marked "verify"). Premedications are
separate MedicationRequests (coded by text) that point at the ketamine order via ``basedOn``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ketaclinic.domain.dosing.records import DoseOrder, OrderStatus, PremedicationOrder
from ketaclinic.domain.protocols.sections import Route

Json = dict[str, Any]
UCUM = "http://unitsofmeasure.org"
ROUTE_TEXT = {
    Route.IV: "intravenous",
    Route.IM: "intramuscular",
    Route.IN: "intranasal",
    Route.SL: "sublingual",
}
_STATUS = {
    OrderStatus.SIGNED: "active",
    OrderStatus.VERIFIED: "active",
    OrderStatus.ADMINISTERED: "completed",
}


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def quantity(value: Decimal, unit: str) -> Json:
    """A UCUM quantity (the unit text and the UCUM code are the same strings here)."""
    return {"value": _number(value), "unit": unit, "system": UCUM, "code": unit}


def medication_request(order: DoseOrder) -> Json:
    """The ketamine order as a MedicationRequest (intent ``order``)."""
    c = order.content
    dose_and_rate: Json = {"doseQuantity": quantity(c.dose_mg, "mg")}
    if c.rate_ml_per_h is not None:
        dose_and_rate["rateQuantity"] = quantity(c.rate_ml_per_h, "mL/h")
    resource: Json = {
        "resourceType": "MedicationRequest",
        "id": f"dose-order-{order.id}",
        "status": _STATUS[order.status],
        "intent": "order",
        "medicationCodeableConcept": {"text": c.drug},
        "subject": {"reference": f"Patient/{order.patient_id}"},
        "authoredOn": order.signed_at.isoformat(),
        "requester": {"reference": f"Practitioner/{order.signed_by}"},
        "dosageInstruction": [
            {
                "sequence": 1,
                "text": _instruction(order),
                "route": {"text": ROUTE_TEXT[c.route]},
                "doseAndRate": [dose_and_rate],
            }
        ],
        "note": [{"text": _basis_note(order)}],
    }
    if c.override_reason:
        resource["note"].append({"text": f"dose differs from recommendation: {c.override_reason}"})
    return resource


def premedication_requests(order: DoseOrder) -> list[Json]:
    """One MedicationRequest per premedication ordered with ``order``."""
    return [
        _premedication(order, index, premed)
        for index, premed in enumerate(order.content.premedications, start=1)
    ]


def _premedication(order: DoseOrder, index: int, premed: PremedicationOrder) -> Json:
    return {
        "resourceType": "MedicationRequest",
        "id": f"dose-order-{order.id}-premed-{index}",
        "status": _STATUS[order.status],
        "intent": "order",
        "medicationCodeableConcept": {"text": premed.drug},
        "subject": {"reference": f"Patient/{order.patient_id}"},
        "authoredOn": order.signed_at.isoformat(),
        "requester": {"reference": f"Practitioner/{order.signed_by}"},
        "basedOn": [{"reference": f"MedicationRequest/dose-order-{order.id}"}],
        "dosageInstruction": [
            {
                "sequence": 1,
                "text": f"{premed.drug} {premed.dose_mg} mg {premed.route} before ketamine",
                "route": {"text": premed.route},
                "doseAndRate": [{"doseQuantity": quantity(premed.dose_mg, "mg")}],
            }
        ],
    }


def _instruction(order: DoseOrder) -> str:
    c = order.content
    text = f"ketamine {c.dose_mg} mg {ROUTE_TEXT[c.route]} (session {c.session_number})"
    if c.final_volume_ml is not None and c.final_concentration_mg_per_ml is not None:
        text += f" in {c.final_volume_ml} mL ({c.final_concentration_mg_per_ml} mg/mL)"
    if c.rate_ml_per_h is not None:
        text += f" at {c.rate_ml_per_h} mL/h over {c.duration_min} min"
    return text


def _basis_note(order: DoseOrder) -> str:
    c = order.content
    return (
        f"{c.effective_mg_per_kg} mg/kg on {c.weight_basis.value} dosing weight "
        f"{c.dosing_weight_kg} kg ({c.weight_formula})"
    )


def searchset(resources: list[Json]) -> Json:
    """A FHIR ``searchset`` Bundle of ``resources``."""
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [
            {"fullUrl": f"MedicationRequest/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ],
    }
