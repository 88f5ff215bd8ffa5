"""An infusion session as a FHIR R4 ``Bundle`` (collection), validated with fhir.resources.R4B.

- ``Encounter``: ambulatory (v3 ActCode ``AMB``), period from check-in to discharge.
- ``MedicationAdministration``: every drug given (ketamine and others), dose and pump rate in UCUM,
  route as text, who gave it as ``performer``; the lot is ``Medication.batch.lotNumber`` of a
  contained Medication (R4 keeps the lot on the Medication). Drugs coded by text only (see
  ``medication.py``: RxNorm codes are not confirmed). The ketamine's ``dosage.dose`` is the amount
  actually given as recorded when dosing ended (pump rate x pump time after an early end, rule
  ``dosing.early_stop``); the ordered dose stays on the order, referenced as ``request``
  (``MedicationRequest/dose-order-<id>``, see ``medication.py``). After an early end the status is
  ``stopped``, ``statusReason`` holds the staff's reason and a ``note`` the ordered and given
  amounts; before dosing ends it is ``in-progress`` with the ordered dose.
- ``Observation``: each stored vital sign, category ``vital-signs``, LOINC-coded (US Core vital
  signs profile, the codes of ``vital_observation.py``).
- ``AdverseEvent``: kind, severity (``adverse-event-severity``), intervention and outcome (text).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ketaclinic.adapters.fhir.medication import quantity
from ketaclinic.adapters.fhir.vital_observation import LOINC, LOINC_PARAMETERS
from ketaclinic.domain.infusion.records import InfusionSession, StoredReading
from ketaclinic.domain.infusion.session import SessionState
from ketaclinic.domain.protocols.canonical import decimal_text
from ketaclinic.services.infusion.early_stop import EarlyEnd
from ketaclinic.services.infusion.ports import RecordKind, SessionRecord
from ketaclinic.services.infusion.session_day import SessionDay

Json = dict[str, Any]
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
#: parameter -> LOINC (SpO2 as 59408-5, the US Core pulse-oximetry code)
PARAMETER_LOINC = {p: code for code, p in reversed(LOINC_PARAMETERS.items())}
_STATUS = {
    SessionState.SCHEDULED: "planned",
    SessionState.DISCHARGED: "finished",
    SessionState.CANCELLED: "cancelled",
    SessionState.NO_SHOW: "cancelled",
}


def encounter(s: InfusionSession) -> Json:
    period: Json = {}
    if s.checked_in_at is not None:
        period["start"] = s.checked_in_at.isoformat()
    if s.discharged_at is not None:
        period["end"] = s.discharged_at.isoformat()
    resource: Json = {
        "resourceType": "Encounter",
        "id": f"session-{s.id}",
        "status": _STATUS.get(s.state, "in-progress"),
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "type": [{"text": "ketamine infusion session"}],
        "subject": {"reference": f"Patient/{s.patient_id}"},
    }
    if period:
        resource["period"] = period
    return resource


def _ketamine_of(day: SessionDay, r: SessionRecord) -> bool:
    """The record of the ketamine given under the session's order (its dose is recorded when
    dosing ends)."""
    p = r.payload
    return (
        day.order is not None
        and p.get("purpose") == "ketamine"
        and str(p.get("order_id")) == str(day.order.id)
    )


def _early_note(ended: EarlyEnd) -> str:
    given, ordered = decimal_text(ended.given_mg), decimal_text(ended.ordered_mg)
    return f"Dosing ended early: {given} mg given of {ordered} mg ordered. Reason: {ended.reason}"


def medication_administration(
    s: InfusionSession,
    r: SessionRecord,
    *,
    given_mg: Decimal | None = None,
    ended_early: EarlyEnd | None = None,
) -> Json:
    """One drug given. For the ketamine of the session's order pass ``given_mg`` (the amount
    recorded when dosing ended) and ``ended_early`` when it ended before the planned time."""
    p = r.payload
    dose = given_mg if given_mg is not None else Decimal(p["dose_mg"])
    dosage: Json = {"route": {"text": p["route"]}, "dose": quantity(dose, "mg")}
    if p.get("rate_ml_per_h"):
        dosage["rateQuantity"] = quantity(Decimal(p["rate_ml_per_h"]), "mL/h")
    performer = [{"actor": {"display": p["given_by"]}}]
    if p.get("attending"):
        performer.append({"function": {"text": "attending"}, "actor": {"display": p["attending"]}})
    resource: Json = {
        "resourceType": "MedicationAdministration",
        "id": f"session-{s.id}-given-{r.id}",
        "contained": [
            {
                "resourceType": "Medication",
                "id": "med",
                "code": {"text": p["drug"]},
                "batch": {"lotNumber": p["lot"]},
            }
        ],
        "status": "completed",
        "medicationReference": {"reference": "#med"},
        "subject": {"reference": f"Patient/{s.patient_id}"},
        "context": {"reference": f"Encounter/session-{s.id}"},
        "effectiveDateTime": p["given_at"],
        "performer": performer,
        "dosage": dosage,
    }
    if p.get("purpose") == "ketamine" and p.get("order_id") is not None:
        resource["request"] = {"reference": f"MedicationRequest/dose-order-{p['order_id']}"}
    if ended_early is not None:
        resource["status"] = "stopped"
        resource["statusReason"] = [{"text": ended_early.reason}]
        resource["note"] = [{"text": _early_note(ended_early)}]
    return resource


def vital_observation(s: InfusionSession, stored: StoredReading) -> Json:
    reading = stored.reading
    code = PARAMETER_LOINC[reading.parameter]
    return {
        "resourceType": "Observation",
        "id": f"session-{s.id}-vital-{stored.id}",
        "status": "final",
        "category": [{"coding": [{"system": OBS_CATEGORY, "code": "vital-signs"}]}],
        "code": {"coding": [{"system": LOINC, "code": code}], "text": reading.parameter.value},
        "subject": {"reference": f"Patient/{s.patient_id}"},
        "encounter": {"reference": f"Encounter/session-{s.id}"},
        "effectiveDateTime": reading.at.isoformat(),
        "valueQuantity": quantity(reading.value, reading.unit),
    }


def adverse_event(s: InfusionSession, r: SessionRecord) -> Json:
    p = r.payload
    severity = "severe" if p["severity"] == "life_threatening" else p["severity"]
    return {
        "resourceType": "AdverseEvent",
        "id": f"session-{s.id}-ae-{r.id}",
        "actuality": "actual",
        "subject": {"reference": f"Patient/{s.patient_id}"},
        "encounter": {"reference": f"Encounter/session-{s.id}"},
        "event": {"text": p["kind"]},
        "date": p["at"],
        "severity": {"coding": [{"system": AE_SEVERITY, "code": severity}], "text": p["severity"]},
        "outcome": {"text": f"{p['outcome']} (intervention: {p['intervention']})"},
    }


def session_bundle(day: SessionDay) -> Json:
    """The session's Encounter, administrations, plausible vital signs and adverse events."""
    s = day.session
    resources: list[Mapping[str, Any]] = [encounter(s)]
    for r in day.records:
        if r.kind is not RecordKind.ADMINISTRATION:
            continue
        if _ketamine_of(day, r):
            given = medication_administration(
                s, r, given_mg=day.given_mg, ended_early=day.ended_early
            )
            if day.given_mg is None:  # dosing has not ended: the ordered dose is still running
                given["status"] = "in-progress"
        else:
            given = medication_administration(s, r)
        resources.append(given)
    resources += [
        vital_observation(s, r)
        for r in day.readings
        if r.plausible and r.reading.parameter in PARAMETER_LOINC
    ]
    resources += [adverse_event(s, r) for r in day.records if r.kind is RecordKind.ADVERSE_EVENT]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:ketaclinic:{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }
